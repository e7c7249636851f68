import Testing

@testable import Proxy

/// `"max_concurrent"`: calls in flight per provider, in arrival order.
struct CallLimiterTests {
    @Test func callsBeyondTheLimitWaitInArrivalOrder() {
        let limiter = CallLimiter(limit: 2)
        let (a, b, c, d) = (limiter.ticket(), limiter.ticket(), limiter.ticket(), limiter.ticket())
        #expect(limiter.tryEnter(a))
        #expect(!limiter.tryEnter(c), "not its turn: b is ahead")
        #expect(limiter.tryEnter(b))
        #expect(!limiter.tryEnter(c), "both calls taken")
        #expect(limiter.active == 2)
        limiter.leave()
        #expect(!limiter.tryEnter(d), "c is ahead of d")
        #expect(limiter.tryEnter(c))
        #expect(!limiter.tryEnter(d))
    }

    @Test func aClientThatLeavesTheLineDoesNotHoldUpThoseBehind() {
        let limiter = CallLimiter(limit: 1)
        let (first, leaving, last) = (limiter.ticket(), limiter.ticket(), limiter.ticket())
        #expect(limiter.tryEnter(first))
        limiter.abandon(leaving)
        limiter.leave()
        #expect(limiter.tryEnter(last), "the abandoned place is skipped")
    }

    @Test func aSlotIsGivenBackWhenItsLastHolderGoes() {
        let limiter = CallLimiter(limit: 1)
        #expect(limiter.tryEnter(limiter.ticket()))
        do {
            let slot = CallSlot(limiter)
            withExtendedLifetime(slot) { #expect(limiter.active == 1) }
        }
        #expect(limiter.active == 0)
        #expect(limiter.tryEnter(limiter.ticket()), "the next call gets it")
    }
}
