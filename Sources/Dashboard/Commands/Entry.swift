import ArgumentParser
import NIOCore
import NIOPosix

/// The process entry point: first makes NIO's event loops Swift Concurrency's executor (so a
/// request's tasks and its sockets share threads instead of handing work back and forth on
/// every read and write), then runs the command line.
@main
enum Entry {
    static func main() async {
        let installed = NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
        Executors.nioIsGlobalExecutor = installed
        await SwitchboardCommand.main()
    }
}

/// Which executor runs Swift Concurrency (reported in the log at start).
enum Executors {
    nonisolated(unsafe) static var nioIsGlobalExecutor = false
}
