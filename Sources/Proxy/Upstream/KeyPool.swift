import Synchronization

/// A provider's API keys, used in turn. A key that gets 429 rests (for the provider's
/// `Retry-After`, else a growing backoff) while the others serve.
final class KeyPool: Sendable {
    /// A key to use, and its position (for logs: never the key itself).
    struct Checkout: Sendable, Equatable {
        var index: Int
        var key: String
        /// How long until this key may be used (zero when it is ready now).
        var wait: Duration
    }

    let keys: [String]
    private let state: Mutex<(next: Int, restingUntil: [ContinuousClock.Instant?], strikes: [Int])>

    init(keys: [String]) {
        self.keys = keys
        state = Mutex((0, Array(repeating: nil, count: keys.count), Array(repeating: 0, count: keys.count)))
    }

    /// The next key in turn that is not resting; when all rest, the one free soonest.
    func checkout(now: ContinuousClock.Instant = .now) -> Checkout? {
        guard !keys.isEmpty else { return nil }
        return state.withLock { state in
            for offset in 0..<keys.count {
                let index = (state.next + offset) % keys.count
                if let until = state.restingUntil[index], until > now { continue }
                state.restingUntil[index] = nil
                state.next = (index + 1) % keys.count
                return Checkout(index: index, key: keys[index], wait: .zero)
            }
            let soonest = state.restingUntil.indices.min {
                (state.restingUntil[$0] ?? now) < (state.restingUntil[$1] ?? now)
            }!
            return Checkout(index: soonest, key: keys[soonest], wait: (state.restingUntil[soonest] ?? now) - now)
        }
    }

    /// Puts key `index` to rest after a 429: for `retryAfter` seconds when the provider said,
    /// else 5 s doubling with each consecutive strike (at most 5 minutes). Returns the rest.
    @discardableResult
    func rest(_ index: Int, retryAfter: Int?, now: ContinuousClock.Instant = .now) -> Duration {
        state.withLock { state in
            state.strikes[index] += 1
            let backoff = Duration.seconds(5) * (1 << min(state.strikes[index] - 1, 6))
            let rest = retryAfter.map { Duration.seconds($0) } ?? min(backoff, .seconds(300))
            state.restingUntil[index] = now + rest
            return rest
        }
    }

    /// Clears key `index`'s strikes after a success.
    func succeeded(_ index: Int) {
        state.withLock { $0.strikes[index] = 0 }
    }

    /// Keys not resting right now.
    func availableCount(now: ContinuousClock.Instant = .now) -> Int {
        state.withLock { state in state.restingUntil.filter { ($0 ?? now) <= now }.count }
    }
}
