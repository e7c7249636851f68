import Synchronization
import TestSupport
import Testing

@testable import Proxy

/// Memory goes back to the system when the proxy goes idle, and only then.
struct IdleMemoryTrimmerTests {
    final class Trims: Sendable {
        private let count = Mutex(0)
        func record() { count.withLock { $0 += 1 } }
        var value: Int { count.withLock { $0 } }

        /// Waits (up to 10 s) until `expected` trims were made; the count then. The wait runs in
        /// a detached task, at the trimmer's own task's priority: the tests' tasks run at a higher
        /// one, and while the parallel suites keep the cooperative pool busy, a waiter at the
        /// tests' priority kept being served while the trimmer's task sat in the queue for the
        /// whole timeout (seen under load: one trim of two after 15 s).
        func wait(for expected: Int) async -> Int {
            await Task.detached {
                _ = await eventually(timeout: .seconds(10), every: .milliseconds(10)) { self.value >= expected }
                return self.value
            }.value
        }
    }

    @Test func anIdlePeriodIsTrimmedAtEachSettlePoint() async {
        let trims = Trims()
        let trimmer = IdleMemoryTrimmer(settle: [.milliseconds(10), .milliseconds(40)]) { trims.record() }
        trimmer.requestStarted()
        trimmer.requestStarted()
        trimmer.requestEnded()
        #expect(trimmer.inFlight == 1)
        trimmer.requestEnded()
        #expect(await trims.wait(for: 2) == 2, "a trim soon after going idle and one once the stragglers are gone")
        // Nothing more happens in this idle period.
        try? await Task.sleep(for: .milliseconds(200))
        #expect(trims.value == 2)
    }

    @Test func noTrimWhileARequestIsInFlight() async {
        let trims = Trims()
        let trimmer = IdleMemoryTrimmer(settle: [.milliseconds(5)]) { trims.record() }
        trimmer.requestStarted()
        trimmer.requestStarted()
        trimmer.requestEnded()
        // One request is still in flight: however long this waits, nothing may be trimmed.
        try? await Task.sleep(for: .milliseconds(100))
        #expect(trims.value == 0)
        trimmer.requestEnded()
        #expect(await trims.wait(for: 1) == 1)
    }

    @Test func aRequestStartedDuringTheSettleEndsThatIdlePeriod() async {
        let trims = Trims()
        let trimmer = IdleMemoryTrimmer(settle: [.milliseconds(50), .milliseconds(60)]) { trims.record() }
        trimmer.requestStarted()
        trimmer.requestEnded()
        // Busy again before the first settle point: that period's trims are dropped...
        trimmer.requestStarted()
        try? await Task.sleep(for: .milliseconds(200))
        #expect(trims.value == 0)
        // ...and the next idle period schedules its own.
        trimmer.requestEnded()
        #expect(await trims.wait(for: 2) == 2)
    }
}
