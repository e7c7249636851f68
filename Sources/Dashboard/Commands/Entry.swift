import ArgumentParser
import CNcurses
import Foundation
import NIOCore
import NIOPosix

/// The process entry point: first makes NIO's event loops Swift Concurrency's executor (so a
/// request's tasks and its sockets share threads instead of handing work back and forth on
/// every read and write), then runs the command line.
@main
enum Entry {
    static func main() async {
        let installed =
            NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
            || StaticRuntimeTakeover.install()
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

/// NIO's takeover of Swift Concurrency's global executor, for a binary with the Swift runtime
/// linked in (script/release-build's `--static-swift-stdlib`).
///
/// NIO finds the runtime's enqueue hook (`swift_task_enqueueGlobal_hook`) with `dlsym`; when the
/// runtime is linked statically its symbols are local to the binary, `dlsym` finds nothing, and
/// every task then runs on a separate thread pool, handed to and from the event loops on each
/// read and write (the bench measured 20–25% fewer requests per second). The C shim reaches the
/// hook by a plain reference the linker resolves inside the binary, and this does what NIO's
/// takeover does: each global job goes to one of NIO's event loops (the current one when the
/// job is enqueued from a loop). `serve --log-level debug` says which executor runs.
enum StaticRuntimeTakeover {
    typealias Hook = @convention(thin) (UnownedJob, @convention(thin) (UnownedJob) -> Void) -> Void

    /// Installs the hook unless one is set; `true` when installed. Called first thing in
    /// `main`, before any task is enqueued.
    static func install() -> Bool {
        guard let slot = cn_concurrency_enqueue_hook(), slot.pointee == nil else { return false }
        let hook: Hook = { job, _ in
            MultiThreadedEventLoopGroup.singleton.any().executor.enqueue(ExecutorJob(job))
        }
        slot.pointee = unsafeBitCast(hook, to: UnsafeMutableRawPointer.self)
        return true
    }
}
