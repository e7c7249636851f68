import Hummingbird
import NIOCore
import Synchronization
import TestSupport
import Testing

@testable import Proxy

/// A streamed answer ends exactly once, whether or not the server ever writes its body.
struct StreamOnceTests {
    /// What the answer saw: each write's outcome, once it has ended.
    final class Seen: Sendable {
        private let state = Mutex<(writes: [Bool], runs: Int)>(([], 0))

        func produce(_ write: (ByteBuffer) async throws -> Void) async {
            var outcome = true
            do { try await write(ByteBuffer(string: "event: message_start\n\n")) } catch { outcome = false }
            state.withLock {
                $0.writes.append(outcome)
                $0.runs += 1
            }
        }

        var runs: Int { state.withLock { $0.runs } }
        var writes: [Bool] { state.withLock { $0.writes } }

        /// Waits (up to 10 s) for `count` runs.
        func wait(for count: Int) async -> Int {
            _ = await eventually(timeout: .seconds(10), every: .milliseconds(10)) { runs >= count }
            return runs
        }
    }

    @Test func anAnswerRunsOnceIntoTheServersWriter() async {
        let seen = Seen()
        let once = StreamOnce { write in await seen.produce(write) }
        let written = Mutex(0)
        await once.run { _ in written.withLock { $0 += 1 } }
        await once.run { _ in written.withLock { $0 += 1 } }
        #expect(seen.runs == 1 && seen.writes == [true] && written.withLock { $0 } == 1)
    }

    @Test func anAnswerNobodyWroteRunsIntoAWriterThatFails() async {
        let seen = Seen()
        do {
            let once = StreamOnce { write in await seen.produce(write) }
            _ = once
        }
        #expect(await seen.wait(for: 1) == 1)
        #expect(seen.writes == [false], "the answer ends as cancelled: its client is gone")
    }

    @Test func anAnswerThatRanIsNotRunAgainWhenDropped() async {
        let seen = Seen()
        do {
            let once = StreamOnce { write in await seen.produce(write) }
            await once.run { _ in }
        }
        try? await Task.sleep(for: .milliseconds(100))
        #expect(seen.runs == 1 && seen.writes == [true])
    }

    /// The responder's stream responses go through it: a response dropped before its head was
    /// written (the client hung up) still ends its answer.
    @Test func aStreamResponseWhoseHeadWasNeverWrittenStillEnds() async {
        let seen = Seen()
        do {
            let response = ProxyResponder.response(.stream { write in await seen.produce(write) })
            #expect(response.status == .ok)
        }
        #expect(await seen.wait(for: 1) == 1)
        #expect(seen.writes == [false])
    }
}
