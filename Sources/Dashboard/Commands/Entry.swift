import ArgumentParser
import Foundation
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
        switch CommandLineFixups.fix(Array(CommandLine.arguments.dropFirst())) {
        case .run(let arguments):
            await SwitchboardCommand.main(arguments)
        case .usageError(let message):
            Console.error(message)
            exit(64)
        }
    }
}

/// Which executor runs Swift Concurrency (reported in the log at start).
enum Executors {
    nonisolated(unsafe) static var nioIsGlobalExecutor = false
}
