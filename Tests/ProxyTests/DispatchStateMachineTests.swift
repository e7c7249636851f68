import Foundation
import NIOHTTP1
import Testing

@testable import Proxy

/// The dispatch decisions, driven with made-up instants and a fixed jitter: no sockets, no
/// sleeps, each case in microseconds.
struct DispatchStateMachineTests {
    static let t0 = ContinuousClock.now
    static func at(_ seconds: Double) -> ContinuousClock.Instant { t0 + .milliseconds(Int(seconds * 1000)) }

    static let primary = ModelRef(provider: "p", model: "one")
    static let backup = ModelRef(provider: "q", model: "two")

    static func machine(
        _ candidates: [DispatchStateMachine.Candidate],
        retries: Int = 2,
        jitter: Double = 1
    ) -> DispatchStateMachine {
        var policy = RetryPolicy()
        policy.retries = retries
        return DispatchStateMachine(candidates: candidates, policy: policy, jitter: { jitter })
    }

    static func candidate(
        _ target: ModelRef = primary,
        keys: [String] = ["k1"],
        limiter: RateLimiter? = nil
    ) -> DispatchStateMachine.Candidate {
        .init(target: target, keys: KeyPool(keys: keys), limiter: limiter)
    }

    static func failure(_ status: Int?, retryAfter: Int? = nil) -> DispatchStateMachine.Failure {
        .init(
            error: APIError(.api, "failed \(status ?? 0)"),
            retryable: status.map(RetryPolicy.isRetryable(status:)) ?? true,
            retryAfter: retryAfter,
            status: status
        )
    }

    static func sentKey(_ step: DispatchStateMachine.Step) -> Int? {
        if case .send(_, let key) = step.action { return key?.index }
        return nil
    }

    @Test func aSuccessAtOnceSendsOnceAndClearsTheKeysStrikes() {
        let pool = KeyPool(keys: ["a", "b"])
        pool.rest(0, retryAfter: 0, now: Self.at(0))
        var machine = Self.machine([.init(target: Self.primary, keys: pool)])
        let step = machine.start(now: Self.at(1))
        #expect(step.action == .send(candidate: 0, key: .init(index: 0, key: "a", wait: .zero)))
        #expect(step.reports.isEmpty)
        machine.opened()
        // The strike is gone: the next rest starts from the base again (5 s, not 10 s).
        #expect(pool.rest(0, retryAfter: nil, now: Self.at(2)) == .seconds(5))
    }

    @Test func a5xxIsRetriedTwiceWithDoublingBackoffThenFallsBack() {
        var machine = Self.machine([Self.candidate(), Self.candidate(Self.backup)])
        var step = machine.start(now: Self.at(0))
        step = machine.failed(Self.failure(500), now: Self.at(0))
        #expect(step.action == .wait(.milliseconds(500), .retry))
        #expect(step.reports.map(\.next) == ["retry 1 of 2 in 500 ms"])
        step = machine.waited(now: Self.at(0.5))
        #expect(step.action == .send(candidate: 0, key: .init(index: 0, key: "k1", wait: .zero)))
        step = machine.failed(Self.failure(503), now: Self.at(0.6))
        #expect(step.action == .wait(.seconds(1), .retry))
        step = machine.waited(now: Self.at(1.6))
        step = machine.failed(Self.failure(502), now: Self.at(1.7))
        #expect(step.reports.map(\.next) == ["fall back to q,two"])
        #expect(step.action == .send(candidate: 1, key: .init(index: 0, key: "k1", wait: .zero)))
    }

    @Test func theJitterScalesTheBackoff() {
        var machine = Self.machine([Self.candidate()], jitter: 0.8)
        _ = machine.start(now: Self.at(0))
        #expect(machine.failed(Self.failure(500), now: Self.at(0)).action == .wait(.milliseconds(400), .retry))
    }

    @Test func retryAfterWinsOverTheBackoff() {
        var machine = Self.machine([Self.candidate()])
        _ = machine.start(now: Self.at(0))
        #expect(machine.failed(Self.failure(429, retryAfter: 3), now: Self.at(0)).action == .wait(.seconds(3), .retry))
    }

    @Test func aRetryAfterLongerThanTheLongestWaitIsNotWaitedFor() {
        var machine = Self.machine([Self.candidate(), Self.candidate(Self.backup)])
        _ = machine.start(now: Self.at(0))
        let step = machine.failed(Self.failure(429, retryAfter: 30), now: Self.at(0))
        #expect(step.reports.first?.next == "fall back to q,two")
        #expect(step.action == .send(candidate: 1, key: .init(index: 0, key: "k1", wait: .zero)))
    }

    @Test func clientErrorsAreNotRetried() {
        for status in [400, 401, 403, 404, 422] {
            var machine = Self.machine([Self.candidate()])
            _ = machine.start(now: Self.at(0))
            let step = machine.failed(Self.failure(status), now: Self.at(0))
            #expect(step.action == .fail(APIError(.api, "failed \(status)")), "\(status)")
            #expect(step.reports.map(\.next) == ["give up"])
        }
    }

    @Test func connectionFailuresAreRetried() {
        var machine = Self.machine([Self.candidate()])
        _ = machine.start(now: Self.at(0))
        #expect(machine.failed(Self.failure(nil), now: Self.at(0)).action == .wait(.milliseconds(500), .retry))
    }

    @Test func a429OnOneKeyOfSeveralRestsItAndTriesTheNextAtOnce() {
        let pool = KeyPool(keys: ["a", "b", "c"])
        var machine = Self.machine([.init(target: Self.primary, keys: pool)], retries: 0)
        var step = machine.start(now: Self.at(0))
        #expect(Self.sentKey(step) == 0)
        step = machine.failed(Self.failure(429, retryAfter: 40), now: Self.at(0))
        #expect(step.reports.map(\.next) == ["key 1/3 rests 40 s; retry with the next key"])
        #expect(step.reports.map(\.keyNote) == [" (key 1/3)"])
        #expect(Self.sentKey(step) == 1, "no wait: the next key at once")
        step = machine.failed(Self.failure(429, retryAfter: 12), now: Self.at(0.1))
        #expect(Self.sentKey(step) == 2)
        // Three keys, no retries: three attempts, then the route gives up.
        step = machine.failed(Self.failure(429, retryAfter: 25), now: Self.at(0.2))
        #expect(step.action == .fail(APIError(.api, "failed 429")))
        // The pool remembers: the key free soonest is key 2 (12 s).
        #expect(pool.checkout(now: Self.at(1))?.index == 1)
    }

    @Test func restingKeysAreWaitedForWhenSoonEnoughElseTheRouteFallsBack() {
        let pool = KeyPool(keys: ["a"])
        pool.rest(0, retryAfter: 3, now: Self.at(0))
        var machine = Self.machine([.init(target: Self.primary, keys: pool)])
        var step = machine.start(now: Self.at(1))
        #expect(step.action == .wait(.seconds(2), .key))
        step = machine.waited(now: Self.at(3))
        #expect(Self.sentKey(step) == 0)

        let tired = KeyPool(keys: ["a", "b"])
        tired.rest(0, retryAfter: 60, now: Self.at(0))
        tired.rest(1, retryAfter: 90, now: Self.at(0))
        var fallback = Self.machine([.init(target: Self.primary, keys: tired), Self.candidate(Self.backup)])
        step = fallback.start(now: Self.at(0))
        #expect(step.reports.first?.error.kind == .rateLimit)
        #expect(step.reports.first?.error.message.contains("all 2 keys are resting") == true)
        #expect(step.reports.first?.error.retryAfter == 61)
        #expect(step.action == .send(candidate: 1, key: .init(index: 0, key: "k1", wait: .zero)))
    }

    @Test func theRPMBudgetQueuesAndAnAbandonedSlotIsGivenBack() {
        let limiter = RateLimiter(requestsPerMinute: 2)
        var first = Self.machine([Self.candidate(limiter: limiter)])
        var second = Self.machine([Self.candidate(limiter: limiter)])
        #expect(Self.sentKey(first.start(now: Self.at(0))) == 0)
        #expect(Self.sentKey(second.start(now: Self.at(1))) == 0)
        var third = Self.machine([Self.candidate(limiter: limiter)])
        let step = third.start(now: Self.at(10))
        guard case .wait(let wait, .budget(_, let rpm)) = step.action else {
            Issue.record("the third request in a minute did not queue: \(step.action)")
            return
        }
        #expect(wait == .seconds(50))
        #expect(rpm == 2)
        #expect(limiter.queued(now: Self.at(10)) == 1)
        third.clientLeft()
        #expect(limiter.queued(now: Self.at(10)) == 0, "the slot went back")
        var fourth = Self.machine([Self.candidate(limiter: limiter)])
        guard case .wait(let fourthWait, _) = fourth.start(now: Self.at(10)).action else {
            Issue.record("the fourth did not queue")
            return
        }
        #expect(fourthWait == .seconds(50), "it takes the freed slot, not one behind it")
        #expect(Self.sentKey(fourth.waited(now: Self.at(60))) == 0)
    }

    @Test func unconfiguredProvidersAndMissingKeysFallThrough() {
        var machine = Self.machine([
            .init(target: ModelRef(provider: "ghost", model: "m"), configured: false),
            .init(target: Self.backup, missingKeyVariable: "Q_KEY"),
            Self.candidate(),
        ])
        let step = machine.start(now: Self.at(0))
        #expect(step.reports.count == 1)
        #expect(step.reports[0].error.message.contains("set the environment variable Q_KEY"))
        #expect(step.reports[0].error.status == 424)
        #expect(step.reports[0].next == "fall back to p,one")
        #expect(step.action == .send(candidate: 2, key: .init(index: 0, key: "k1", wait: .zero)))
    }

    @Test func theLastErrorIsWhatTheClientGets() {
        var machine = Self.machine([.init(target: Self.primary, missingKeyVariable: "P_KEY")])
        guard case .fail(let error) = machine.start(now: Self.at(0)).action else {
            Issue.record("did not fail")
            return
        }
        #expect(error.message.contains("P_KEY"))
    }

    @Test func retryAfterReadsSecondsAndHTTPDates() {
        let now = Date(timeIntervalSince1970: 784_111_777)  // Sun, 06 Nov 1994 08:49:37 GMT
        #expect(RetryPolicy.retryAfter("7", now: now) == 7)
        #expect(RetryPolicy.retryAfter("1.2", now: now) == 2)
        #expect(RetryPolicy.retryAfter("Sun, 06 Nov 1994 08:50:07 GMT", now: now) == 30)
        #expect(RetryPolicy.retryAfter("Sunday, 06-Nov-94 08:50:07 GMT", now: now) == 30)
        #expect(RetryPolicy.retryAfter("Sun Nov  6 08:50:07 1994", now: now) == 30)
        #expect(RetryPolicy.retryAfter("Sun, 06 Nov 1994 08:40:00 GMT", now: now) == 0, "a past date: now")
        #expect(RetryPolicy.retryAfter("soon", now: now) == nil)
        var headers = HTTPHeaders()
        headers.add(name: "Retry-After", value: "Sun, 06 Nov 1994 08:49:47 GMT")
        #expect(RetryPolicy.retryAfter(headers, now: now) == 10)
    }
}

/// Time-outs, pings and the drain, from made-up instants.
struct StreamTimerTests {
    static let t0 = ContinuousClock.now
    static func at(_ milliseconds: Int) -> ContinuousClock.Instant { t0 + .milliseconds(milliseconds) }

    @Test func beforeTheFirstByteOnlyTheTimeoutCounts() {
        var timer = StreamTimer(timeout: .milliseconds(700), pingInterval: nil, now: Self.at(0))
        #expect(timer.tick(at: Self.at(700), canPing: true) == .none, "exactly the time-out is still in time")
        #expect(timer.tick(at: Self.at(701), canPing: true) == .timedOut)
        timer.upstreamActivity(at: Self.at(650))
        #expect(timer.tick(at: Self.at(1300), canPing: true) == .none, "headers restart the wait")
        #expect(timer.tick(at: Self.at(1351), canPing: true) == .timedOut)
    }

    @Test func pingsWhileTheProviderPausesOnlyAtFrameBoundaries() {
        var timer = StreamTimer(timeout: .seconds(10), pingInterval: .milliseconds(200), now: Self.at(0))
        #expect(timer.tick(at: Self.at(199), canPing: true) == .none)
        #expect(timer.tick(at: Self.at(200), canPing: false) == .none, "never inside a frame")
        #expect(timer.tick(at: Self.at(200), canPing: true) == .ping)
        timer.wrote(at: Self.at(200))
        #expect(timer.tick(at: Self.at(300), canPing: true) == .none)
        #expect(timer.tick(at: Self.at(400), canPing: true) == .ping)
    }

    @Test func silenceMidStreamTimesOutEvenWhilePinging() {
        var timer = StreamTimer(timeout: .milliseconds(700), pingInterval: .milliseconds(200), now: Self.at(0))
        timer.upstreamActivity(at: Self.at(100))
        timer.wrote(at: Self.at(700))
        #expect(timer.tick(at: Self.at(801), canPing: true) == .timedOut, "pings do not count as the provider")
    }

    @Test func theDrainAfterTheAnswerIsBounded() {
        var timer = StreamTimer(timeout: .milliseconds(700), pingInterval: .milliseconds(200), now: Self.at(0))
        timer.startDraining(at: Self.at(100))
        #expect(timer.isDraining)
        #expect(timer.tick(at: Self.at(1500), canPing: true) == .none, "no time-out and no ping while draining")
        #expect(timer.tick(at: Self.at(2100), canPing: true) == .none)
        #expect(timer.tick(at: Self.at(2101), canPing: true) == .drainOver)
    }
}
