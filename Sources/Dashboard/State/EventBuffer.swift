import Proxy
import Synchronization

/// The bounded hand-off from the proxy to the dashboard thread. `receive` never blocks for
/// more than an append under a lock; when the dashboard falls behind, progress detail is
/// dropped first (a request's start and end are what the totals need).
final class EventBuffer: ProxyEventSink {
    /// Pending events above which progress (streamed output) is dropped.
    static let detailLimit = 4_096
    /// Pending events above which everything is dropped.
    static let hardLimit = 65_536

    private let pending = Mutex<(events: [ProxyEvent], dropped: Int)>(([], 0))

    func receive(_ event: ProxyEvent) {
        pending.withLock { state in
            let isDetail: Bool
            if case .progress = event { isDetail = true } else { isDetail = false }
            if state.events.count >= Self.hardLimit || (isDetail && state.events.count >= Self.detailLimit) {
                state.dropped += 1
            } else {
                state.events.append(event)
            }
        }
    }

    /// Takes everything pending, and how many events were dropped since the last call.
    func drain() -> (events: [ProxyEvent], dropped: Int) {
        pending.withLock { state in
            defer { state = ([], 0) }
            return state
        }
    }
}
