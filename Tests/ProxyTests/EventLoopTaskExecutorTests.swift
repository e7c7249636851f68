import NIOCore
import NIOPosix
import Testing

@testable import Proxy

/// A request's work stays on its client connection's loop, wherever it is resumed from.
struct EventLoopTaskExecutorTests {
    @Test func jobsRunOnTheLoopWhereverTheTaskIsResumedFrom() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
        let home = group.next()
        let other = group.next()
        #expect(home !== other)
        let executor = EventLoopTaskExecutor(home)
        let onHome = await withTaskExecutorPreference(executor) {
            var seen: [Bool] = [home.inEventLoop]
            for round in 0..<20 {
                // Resumed from the other loop (as a provider connection's bytes resume a stream).
                let promise = other.makePromise(of: Int.self)
                other.scheduleTask(in: .milliseconds(1)) { promise.succeed(round) }
                let value = try? await promise.futureResult.get()
                seen.append(home.inEventLoop && !other.inEventLoop && value == round)
                // A child task prefers the same executor.
                async let child = home.inEventLoop
                seen.append(await child)
            }
            return seen
        }
        #expect(onHome.count == 41 && onHome.allSatisfy { $0 })
        try await group.shutdownGracefully()
    }
}
