import Foundation

/// The decisions of getting one answer started, with no I/O and no clock of its own: which
/// model to try next, when to wait for the provider's requests-per-minute budget or for a
/// resting key, whether a failure is retried (now with another key, after `Retry-After`, or
/// after a backoff) or the route falls back, and when to give up.
///
/// In the style of SwiftNIO's state machines: the driver (``UpstreamDispatcher``) feeds it
/// what happened, with the time, and performs the ``Action`` it returns. The key pools and
/// budgets are shared between requests, so they stay objects, but every call into them is
/// given `now`: a test drives the whole dispatch with made-up instants and a fixed jitter.
struct DispatchStateMachine {
    /// One `provider,model` to try, with what its provider brings.
    struct Candidate {
        var target: ModelRef
        /// `false` when the config has no such provider.
        var configured = true
        /// The unset environment variable the provider's key should come from.
        var missingKeyVariable: String?
        var keys = KeyPool(keys: [])
        var limiter: RateLimiter?
    }

    /// A failed attempt, as the driver saw it.
    struct Failure {
        var error: APIError
        var retryable: Bool
        /// The provider's `Retry-After`, in seconds.
        var retryAfter: Int?
        /// The provider's HTTP status (`nil` for a connection failure or a time-out).
        var status: Int?
    }

    /// A failed attempt to report (an event and a log line): what failed and what happens next.
    struct Report: Equatable {
        var target: ModelRef
        var error: APIError
        var next: String
        /// `" (key 2/3)"` when the provider has several keys; empty otherwise.
        var keyNote: String
        /// The position of the key the attempt used (for the ledger; never the key).
        var keyIndex: Int?
    }

    /// Why the driver waits.
    enum Wait: Equatable {
        /// For the provider's RPM budget (the slot is given back if the client leaves).
        case budget(slot: ContinuousClock.Instant, requestsPerMinute: Int)
        /// For a resting key.
        case key
        /// Before retrying.
        case retry
    }

    enum Action: Equatable {
        /// Sleep for the duration (unless the client leaves), then call ``waited(now:)``.
        case wait(Duration, Wait)
        /// Send the request to candidate `candidate` with `key`, then call ``opened()`` or
        /// ``failed(_:now:)``.
        case send(candidate: Int, key: KeyPool.Checkout?)
        /// Every candidate failed: answer this error.
        case fail(APIError)
    }

    /// What a call returns: failures to report first, then the action.
    struct Step: Equatable {
        var reports: [Report] = []
        var action: Action
    }

    private enum Phase: Equatable {
        case idle
        case waitingForBudget(slot: ContinuousClock.Instant)
        case waitingForKey(KeyPool.Checkout)
        case sending(KeyPool.Checkout?)
        case waitingToRetry
        case done
    }

    let candidates: [Candidate]
    let policy: RetryPolicy
    /// The backoff's random factor (0.8…1.2 in use; fixed in tests).
    let jitter: () -> Double

    private var index = 0
    private var attempt = 0
    private var phase = Phase.idle
    private var lastError = APIError(.api, "no model to send the request to")

    init(
        candidates: [Candidate],
        policy: RetryPolicy,
        jitter: @escaping () -> Double = { Double.random(in: 0.8...1.2) }
    ) {
        self.candidates = candidates
        self.policy = policy
        self.jitter = jitter
    }

    /// How many attempts one candidate gets beyond the first: the retries, plus one per extra key.
    private var maximumAttempts: Int { policy.retries + max(0, candidates[index].keys.keys.count - 1) }

    private var next: String {
        index + 1 < candidates.count ? "fall back to \(candidates[index + 1].target)" : "give up"
    }

    /// The candidate being tried.
    var currentTarget: ModelRef? { index < candidates.count ? candidates[index].target : nil }

    /// Begins with the first candidate.
    mutating func start(now: ContinuousClock.Instant) -> Step {
        index = 0
        return beginCandidate(now: now, reports: [])
    }

    /// A wait asked for by ``Action/wait(_:_:)`` is over and the client is still there.
    mutating func waited(now: ContinuousClock.Instant) -> Step {
        switch phase {
        case .waitingForBudget:
            return checkoutKey(now: now)
        case .waitingForKey(let checkout):
            phase = .sending(checkout)
            return Step(action: .send(candidate: index, key: checkout))
        case .waitingToRetry:
            return beginAttempt(now: now, reports: [])
        case .idle, .sending, .done:
            preconditionFailure("waited() in \(phase)")
        }
    }

    /// The client left (or the task was cancelled): gives back a reserved budget slot.
    mutating func clientLeft() {
        if case .waitingForBudget(let slot) = phase { candidates[index].limiter?.release(slot) }
        phase = .done
    }

    /// The answer started: the key that served it loses its strikes.
    mutating func opened() {
        guard case .sending(let checkout) = phase else { preconditionFailure("opened() in \(phase)") }
        if let checkout { candidates[index].keys.succeeded(checkout.index) }
        phase = .done
    }

    /// The attempt failed before the answer started.
    mutating func failed(_ failure: Failure, now: ContinuousClock.Instant) -> Step {
        guard case .sending(let checkout) = phase else { preconditionFailure("failed() in \(phase)") }
        let candidate = candidates[index]
        let keyCount = candidate.keys.keys.count
        let keyNote = keyCount > 1 ? " (key \((checkout?.index ?? 0) + 1)/\(keyCount))" : ""
        lastError = failure.error
        var retryIn: Duration?
        var note = ""
        // A 429 on one key of several: that key rests, the next one is tried at once.
        if failure.status == 429, let checkout, keyCount > 1 {
            let rest = candidate.keys.rest(checkout.index, retryAfter: failure.retryAfter, now: now)
            if attempt < maximumAttempts, candidate.keys.availableCount(now: now) > 0 {
                retryIn = .zero
                note =
                    "key \(checkout.index + 1)/\(keyCount) rests \(DurationText.format(rest)); retry with the next key"
            }
        }
        if retryIn == nil, failure.retryable, attempt < maximumAttempts {
            let delay =
                failure.retryAfter.map { Duration.seconds($0) } ?? policy.backoff(attempt: attempt, jitter: jitter())
            if delay <= policy.maximumWait {
                retryIn = delay
                note = "retry \(attempt + 1) of \(maximumAttempts) in \(DurationText.format(delay))"
            }
        }
        guard let retryIn else {
            let report = Report(
                target: candidate.target,
                error: failure.error,
                next: next,
                keyNote: keyNote,
                keyIndex: checkout?.index
            )
            return nextCandidate(now: now, reports: [report])
        }
        attempt += 1
        let report = Report(
            target: candidate.target,
            error: failure.error,
            next: note,
            keyNote: keyNote,
            keyIndex: checkout?.index
        )
        if retryIn == .zero { return beginAttempt(now: now, reports: [report]) }
        phase = .waitingToRetry
        return Step(reports: [report], action: .wait(retryIn, .retry))
    }

    // MARK: - Internals

    private mutating func nextCandidate(now: ContinuousClock.Instant, reports: [Report]) -> Step {
        index += 1
        return beginCandidate(now: now, reports: reports)
    }

    private mutating func beginCandidate(now: ContinuousClock.Instant, reports: [Report]) -> Step {
        var reports = reports
        while index < candidates.count {
            let candidate = candidates[index]
            if !candidate.configured {
                lastError = APIError(.api, "provider \"\(candidate.target.provider)\" is not configured")
                index += 1
                continue
            }
            if candidate.keys.keys.isEmpty, let variable = candidate.missingKeyVariable {
                let error = APIError(
                    .authentication,
                    "provider \"\(candidate.target.provider)\" has no API key: set the environment variable \(variable) and restart Switchboard",
                    status: APIError.providerProblemStatus
                )
                reports.append(Report(target: candidate.target, error: error, next: next, keyNote: ""))
                lastError = error
                index += 1
                continue
            }
            attempt = 0
            return beginAttempt(now: now, reports: reports)
        }
        phase = .done
        return Step(reports: reports, action: .fail(lastError))
    }

    private mutating func beginAttempt(now: ContinuousClock.Instant, reports: [Report]) -> Step {
        if let limiter = candidates[index].limiter {
            let (slot, wait) = limiter.reserveSlot(now: now)
            if wait > .zero {
                phase = .waitingForBudget(slot: slot)
                return Step(
                    reports: reports,
                    action: .wait(wait, .budget(slot: slot, requestsPerMinute: limiter.requestsPerMinute))
                )
            }
        }
        var step = checkoutKey(now: now)
        step.reports = reports + step.reports
        return step
    }

    private mutating func checkoutKey(now: ContinuousClock.Instant) -> Step {
        let candidate = candidates[index]
        guard let checkout = candidate.keys.checkout(now: now) else {
            phase = .sending(nil)
            return Step(action: .send(candidate: index, key: nil))
        }
        guard checkout.wait > .zero else {
            phase = .sending(checkout)
            return Step(action: .send(candidate: index, key: checkout))
        }
        guard checkout.wait <= policy.maximumWait else {
            let keyCount = candidate.keys.keys.count
            let error = APIError(
                .rateLimit,
                "\(candidate.target.provider): all \(keyCount) keys are resting after 429s (next free in \(DurationText.format(checkout.wait)))",
                retryAfter: Int(checkout.wait.components.seconds) + 1
            )
            lastError = error
            return nextCandidate(
                now: now,
                reports: [Report(target: candidate.target, error: error, next: next, keyNote: "")]
            )
        }
        phase = .waitingForKey(checkout)
        return Step(action: .wait(checkout.wait, .key))
    }
}

/// Durations as the logs and messages write them: `750 ms`, `2 s`, `1.5 s`.
enum DurationText {
    static func format(_ duration: Duration) -> String {
        let milliseconds = duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
        if milliseconds < 1000 { return "\(milliseconds) ms" }
        if milliseconds % 1000 == 0 { return "\(milliseconds / 1000) s" }
        return String(format: "%.1f s", Double(milliseconds) / 1000)
    }
}
