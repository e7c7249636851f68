import Synchronization

/// A provider's cap on upstream calls in flight at once (`"max_concurrent"`): a call beyond it
/// waits for one to end, first come first served, instead of being sent, so a provider that
/// answers 429 to parallel calls, or a small local server, is not flooded.
final class CallLimiter: Sendable {
    private struct State {
        var active = 0
        var next: UInt64 = 0
        var serving: UInt64 = 0
        var abandoned: Set<UInt64> = []

        /// Moves the line past tickets whose holders left.
        mutating func skipAbandoned() {
            while abandoned.remove(serving) != nil { serving += 1 }
        }
    }

    let limit: Int
    private let state = Mutex(State())

    init(limit: Int) {
        self.limit = max(1, limit)
    }

    /// A place in line.
    func ticket() -> UInt64 {
        state.withLock { state in
            defer { state.next += 1 }
            return state.next
        }
    }

    /// Takes a call slot for `ticket` when it is first in line and a call is free.
    func tryEnter(_ ticket: UInt64) -> Bool {
        state.withLock { state in
            guard ticket == state.serving, state.active < limit else { return false }
            state.active += 1
            state.serving += 1
            state.skipAbandoned()
            return true
        }
    }

    /// Gives up a place in line that was never served (the client left while waiting).
    func abandon(_ ticket: UInt64) {
        state.withLock { state in
            guard ticket >= state.serving else { return }
            state.abandoned.insert(ticket)
            state.skipAbandoned()
        }
    }

    /// Ends a call taken with ``tryEnter(_:)``.
    func leave() {
        state.withLock { $0.active = max(0, $0.active - 1) }
    }

    /// Calls in flight.
    var active: Int { state.withLock { $0.active } }
}

/// One call slot of a ``CallLimiter``, given back when the last copy of the answer that holds it
/// goes away (the relay ends, or the attempt fails): no path can forget to give it back.
final class CallSlot: Sendable {
    private let limiter: CallLimiter

    init(_ limiter: CallLimiter) {
        self.limiter = limiter
    }

    deinit { limiter.leave() }
}
