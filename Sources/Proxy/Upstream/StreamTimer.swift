/// The time rules of one upstream answer, decided from the instants it is given (no clock of
/// its own): the provider may be silent for at most the time-out (`API_TIMEOUT_MS`, before the
/// first byte and between chunks); the client gets a `ping` when nothing was written for the
/// ping interval; after the last event the rest of the body is read for at most
/// ``drainLimit`` so the connection can go back to the pool.
struct StreamTimer {
    /// What a clock tick calls for.
    enum Action: Equatable {
        case none
        /// Write a `ping` event.
        case ping
        /// The provider was silent too long: fail the answer.
        case timedOut
        /// The drain after the answer took too long: drop the connection.
        case drainOver
    }

    static let drainLimit = Duration.seconds(2)

    let timeout: Duration
    /// `nil` where no ping may be written (before the answer starts).
    let pingInterval: Duration?
    private(set) var lastUpstream: ContinuousClock.Instant
    private(set) var lastWrite: ContinuousClock.Instant
    private(set) var drainingSince: ContinuousClock.Instant?

    init(timeout: Duration, pingInterval: Duration?, now: ContinuousClock.Instant) {
        self.timeout = timeout
        self.pingInterval = pingInterval
        lastUpstream = now
        lastWrite = now
    }

    var isDraining: Bool { drainingSince != nil }

    /// The provider sent something (headers or bytes).
    mutating func upstreamActivity(at now: ContinuousClock.Instant) { lastUpstream = now }

    /// Something was written to the client.
    mutating func wrote(at now: ContinuousClock.Instant) { lastWrite = now }

    /// The answer is complete; what is left of the body is read, not relayed.
    mutating func startDraining(at now: ContinuousClock.Instant) { drainingSince = now }

    /// What to do at a tick. `canPing`: the output so far ends a whole SSE frame.
    func tick(at now: ContinuousClock.Instant, canPing: Bool) -> Action {
        if let drainingSince { return now - drainingSince > Self.drainLimit ? .drainOver : .none }
        if now - lastUpstream > timeout { return .timedOut }
        if let pingInterval, canPing, now - lastWrite >= pingInterval { return .ping }
        return .none
    }
}
