import Synchronization

/// One clock for every upstream call in flight: calls register the interval they want ticks
/// at, and a single loop delivers them. A timer per request (what a sleeping task per call
/// amounts to) showed up in profiles under load.
final class TickSource: Sendable {
    /// The process-wide clock.
    static let shared = TickSource()

    private struct Subscriber {
        var interval: Duration
        var next: ContinuousClock.Instant
        var deliver: @Sendable () -> Void
    }

    private let state = Mutex<(subscribers: [UInt64: Subscriber], nextID: UInt64, running: Bool)>(([:], 0, false))

    /// Calls `deliver` about every `interval` until the returned token is cancelled.
    func subscribe(every interval: Duration, _ deliver: @escaping @Sendable () -> Void) -> UInt64 {
        let (id, start) = state.withLock { state -> (UInt64, Bool) in
            let id = state.nextID
            state.nextID &+= 1
            state.subscribers[id] = Subscriber(interval: interval, next: .now + interval, deliver: deliver)
            let start = !state.running
            state.running = true
            return (id, start)
        }
        if start { Task.detached { await self.run() } }
        return id
    }

    func cancel(_ id: UInt64) {
        _ = state.withLock { $0.subscribers.removeValue(forKey: id) }
    }

    private func run() async {
        while true {
            let now = ContinuousClock.now
            let (due, wake) = state.withLock { state -> ([@Sendable () -> Void], ContinuousClock.Instant?) in
                var due: [@Sendable () -> Void] = []
                var wake: ContinuousClock.Instant?
                for (id, var subscriber) in state.subscribers {
                    if subscriber.next <= now {
                        due.append(subscriber.deliver)
                        subscriber.next = now + subscriber.interval
                        state.subscribers[id] = subscriber
                    }
                    wake = min(wake ?? subscriber.next, subscriber.next)
                }
                if wake == nil { state.running = false }
                return (due, wake)
            }
            for deliver in due { deliver() }
            guard let wake else { return }
            try? await Task.sleep(until: wake, clock: .continuous)
        }
    }
}
