import Testing

@testable import Proxy

/// Key rotation with 429 cooldowns, and the per-provider RPM queue (clock injected).
struct KeyPoolAndRateLimiterTests {
    static let start = ContinuousClock.now

    static func at(_ seconds: Double) -> ContinuousClock.Instant { start + .milliseconds(Int(seconds * 1_000)) }

    static func indices(_ pool: KeyPool, count: Int, at seconds: Double) -> [Int] {
        (0..<count).compactMap { _ in pool.checkout(now: at(seconds))?.index }
    }

    // MARK: - KeyPool

    @Test func keysAreUsedInTurn() throws {
        let pool = KeyPool(keys: ["k1", "k2", "k3"])
        #expect(Self.indices(pool, count: 5, at: 0) == [0, 1, 2, 0, 1])
        let checkout = try #require(pool.checkout(now: Self.at(0)))
        #expect(checkout.key == "k3")
        #expect(checkout.wait == .zero)
    }

    @Test func anEmptyPoolHasNothingToGive() {
        #expect(KeyPool(keys: []).checkout() == nil)
    }

    @Test func aKeyThatGot429RestsForItsRetryAfterWhileTheOthersServe() {
        let pool = KeyPool(keys: ["k1", "k2", "k3"])
        #expect(pool.checkout(now: Self.at(0))?.index == 0)
        #expect(pool.rest(0, retryAfter: 30, now: Self.at(0)) == .seconds(30))
        #expect(pool.availableCount(now: Self.at(1)) == 2)
        #expect(Self.indices(pool, count: 4, at: 1) == [1, 2, 1, 2])
        #expect(Self.indices(pool, count: 4, at: 29.9) == [1, 2, 1, 2])
        #expect(Self.indices(pool, count: 3, at: 30) == [0, 1, 2], "back in turn once rested")
        #expect(pool.availableCount(now: Self.at(30)) == 3)
    }

    @Test func withoutRetryAfterTheRestDoublesWithEachStrike() {
        let pool = KeyPool(keys: ["k1", "k2"])
        #expect(pool.rest(0, retryAfter: nil, now: Self.at(0)) == .seconds(5))
        #expect(pool.rest(0, retryAfter: nil, now: Self.at(5)) == .seconds(10))
        #expect(pool.rest(0, retryAfter: nil, now: Self.at(15)) == .seconds(20))
        pool.succeeded(0)
        #expect(pool.rest(0, retryAfter: nil, now: Self.at(40)) == .seconds(5), "a success clears the strikes")
        #expect(pool.rest(1, retryAfter: nil, now: Self.at(40)) == .seconds(5), "strikes are per key")
    }

    @Test func theBackoffStopsGrowingAtFiveMinutes() {
        let pool = KeyPool(keys: ["k1"])
        var rest = Duration.zero
        for strike in 0..<12 { rest = pool.rest(0, retryAfter: nil, now: Self.at(Double(strike))) }
        #expect(rest == .seconds(300))
    }

    @Test func retryAfterWinsOverTheBackoff() {
        let pool = KeyPool(keys: ["k1", "k2"])
        pool.rest(0, retryAfter: nil, now: Self.at(0))
        #expect(pool.rest(0, retryAfter: 2, now: Self.at(0)) == .seconds(2))
        #expect(pool.checkout(now: Self.at(2.5))?.index == 0)
    }

    @Test func whenEveryKeyRestsTheSoonestFreeIsOfferedWithItsWait() throws {
        let pool = KeyPool(keys: ["k1", "k2", "k3"])
        pool.rest(0, retryAfter: 40, now: Self.at(0))
        pool.rest(1, retryAfter: 12, now: Self.at(0))
        pool.rest(2, retryAfter: 25, now: Self.at(0))
        #expect(pool.availableCount(now: Self.at(2)) == 0)
        let checkout = try #require(pool.checkout(now: Self.at(2)))
        #expect(checkout.index == 1)
        #expect(checkout.key == "k2")
        #expect(checkout.wait == .seconds(10))
    }

    // MARK: - RateLimiter

    @Test func requestsWithinTheBudgetStartAtOnce() {
        let limiter = RateLimiter(requestsPerMinute: 3)
        #expect(limiter.reserve(now: Self.at(0)) == .zero)
        #expect(limiter.reserve(now: Self.at(1)) == .zero)
        #expect(limiter.reserve(now: Self.at(2)) == .zero)
        #expect(limiter.queued(now: Self.at(2)) == 0)
    }

    @Test func theRequestOverTheBudgetWaitsUntilTheFirstFallsOutOfTheMinute() {
        let limiter = RateLimiter(requestsPerMinute: 2)
        #expect(limiter.reserve(now: Self.at(0)) == .zero)
        #expect(limiter.reserve(now: Self.at(20)) == .zero)
        #expect(limiter.reserve(now: Self.at(30)) == .seconds(30), "the first started at 0 and leaves the window at 60")
        #expect(limiter.queued(now: Self.at(30)) == 1)
        #expect(limiter.queued(now: Self.at(60)) == 0)
    }

    @Test func queuedRequestsStartFirstComeFirstServed() {
        let limiter = RateLimiter(requestsPerMinute: 1)
        let waits = (0..<4).map { offset in limiter.reserve(now: Self.at(Double(offset) * 0.1)) }
        // Start times 0, 60, 120, 180: each later arrival gets a strictly later slot.
        let starts = waits.enumerated().map { offset, wait in Self.at(Double(offset) * 0.1) + wait }
        #expect(starts == [Self.at(0), Self.at(60), Self.at(120), Self.at(180)])
        #expect(limiter.queued(now: Self.at(1)) == 3)
    }

    @Test func slotsFreeAgainOnceTheMinuteHasPassed() {
        let limiter = RateLimiter(requestsPerMinute: 2)
        _ = limiter.reserve(now: Self.at(0))
        _ = limiter.reserve(now: Self.at(1))
        #expect(limiter.reserve(now: Self.at(61)) == .zero)
        #expect(limiter.reserve(now: Self.at(62)) == .zero)
        #expect(limiter.reserve(now: Self.at(63)) == .seconds(58))
    }

    @Test func aBudgetBelowOneMeansOne() {
        #expect(RateLimiter(requestsPerMinute: 0).requestsPerMinute == 1)
    }
}

struct RateLimiterReleaseTests {
    @Test func aReleasedSlotIsTakenByTheNextRequest() {
        let limiter = RateLimiter(requestsPerMinute: 1)
        let start = ContinuousClock.now
        #expect(limiter.reserveSlot(now: start).wait == .zero)
        let second = limiter.reserveSlot(now: start)
        #expect(second.wait == .seconds(60))
        limiter.release(second.slot)
        #expect(limiter.reserveSlot(now: start).wait == .seconds(60), "not 120 s: the abandoned slot came back")
    }
}
