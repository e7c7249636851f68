import Synchronization

/// A per-provider requests-per-minute budget. Each request reserves the earliest start that
/// keeps at most `rpm` starts in any 60-second window, and waits until then: requests queue
/// (first come, first served) instead of being answered 429 by the provider.
final class RateLimiter: Sendable {
    let requestsPerMinute: Int
    private let window = Duration.seconds(60)
    private let starts = Mutex<[ContinuousClock.Instant]>([])

    init(requestsPerMinute: Int) {
        self.requestsPerMinute = max(1, requestsPerMinute)
    }

    /// Reserves a start and returns how long to wait for it.
    func reserve(now: ContinuousClock.Instant = .now) -> Duration {
        reserveSlot(now: now).wait
    }

    /// Reserves a start; returns the slot (to ``release(_:)`` if the request is abandoned) and
    /// the wait.
    func reserveSlot(now: ContinuousClock.Instant = .now) -> (slot: ContinuousClock.Instant, wait: Duration) {
        starts.withLock { starts in
            if let firstLive = starts.firstIndex(where: { $0 > now - window }) {
                starts.removeFirst(firstLive)
            } else {
                starts.removeAll()
            }
            var slot = now
            if starts.count >= requestsPerMinute {
                slot = max(now, starts[starts.count - requestsPerMinute] + window)
            }
            starts.append(slot)
            return (slot, slot - now)
        }
    }

    /// Gives back a reserved start that will not be used (its client left while waiting).
    func release(_ slot: ContinuousClock.Instant) {
        starts.withLock { starts in
            if let index = starts.lastIndex(of: slot) { starts.remove(at: index) }
        }
    }

    /// Requests reserved but not yet started (the queue).
    func queued(now: ContinuousClock.Instant = .now) -> Int {
        starts.withLock { $0.filter { $0 > now }.count }
    }
}
