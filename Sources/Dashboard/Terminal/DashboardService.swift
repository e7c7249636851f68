import Foundation
import ServiceLifecycle
import Synchronization

/// Runs the dashboard thread as a service of the process's `ServiceGroup`. Placed before the
/// proxy in the group, so on shutdown the proxy drains first while the screen still shows
/// what is in flight, and the terminal is restored last.
struct DashboardService: Service {
    let shared: DashboardShared
    let terminal: TerminalHandOff

    func run() async throws {
        await withGracefulShutdownHandler {
            await withTaskCancellationHandler {
                await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                    let thread = Thread { [shared, terminal] in
                        var loop = DashboardLoop(terminal: terminal.take(), shared: shared)
                        loop.run()
                        continuation.resume()
                    }
                    thread.name = "switchboard-dashboard"
                    thread.start()
                }
            } onCancel: {
                shared.stopRequested.store(true, ordering: .relaxed)
            }
        } onGracefulShutdown: {
            shared.stopRequested.store(true, ordering: .relaxed)
        }
    }
}

/// Moves the terminal, opened on the main task, to the dashboard thread, which then owns it
/// alone.
final class TerminalHandOff: @unchecked Sendable {
    // @unchecked: `terminal` is written once in `init` and read once by `take()` on the
    // dashboard thread (started after `init` returns); nothing else touches it.
    private let terminal: Terminal

    init(_ terminal: Terminal) {
        self.terminal = terminal
    }

    func take() -> Terminal { terminal }
}

extension DashboardService: CustomStringConvertible {
    var description: String { "DashboardService" }
}
