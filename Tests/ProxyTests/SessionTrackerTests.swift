import Foundation
import Synchronization
import Testing

@testable import Proxy

/// What `GET /switchboard/session` reports: each session's last model, context, totals and
/// provider trouble, this run's and earlier runs' (from the ledger).
struct SessionTrackerTests {
    typealias Fold = UsageFoldingTests

    final class Clock: Sendable {
        let now = Mutex(Fold.t0)
        func advance(_ seconds: TimeInterval) { now.withLock { $0 = $0.addingTimeInterval(seconds) } }
        var read: @Sendable () -> Date { { self.now.withLock { $0 } } }
    }

    static func tracker(ledger: String? = nil, clock: Clock = Clock(), runStarted: Date = Fold.t0) throws
        -> SessionTracker
    {
        SessionTracker(
            store: ConfigStore(try Fold.config(Fold.configText)),
            ledgerPath: ledger,
            runStarted: runStarted,
            clock: clock.read
        )
    }

    static func origin(_ session: String?) -> RequestOrigin {
        RequestOrigin(client: "claude-code", sessionID: session)
    }

    static func finished(_ id: UInt64, _ target: String, input: Int, output: Int, cacheRead: Int = 0) -> ProxyEvent {
        .finished(
            .init(
                id: RequestID(id),
                target: ModelRef(parsing: target)!,
                stopReason: .endTurn,
                usage: Usage(inputTokens: input, outputTokens: output, cacheReadInputTokens: cacheRead),
                ttft: .milliseconds(100),
                duration: .milliseconds(900)
            )
        )
    }

    static func request(
        _ tracker: SessionTracker,
        _ id: UInt64,
        session: String?,
        target: String,
        input: Int,
        output: Int,
        cacheRead: Int = 0
    ) {
        tracker.receive(Fold.started(id, origin: origin(session)))
        tracker.receive(Fold.routed(id, target))
        tracker.receive(finished(id, target, input: input, output: output, cacheRead: cacheRead))
    }

    @Test func lastRequestNamesTheModelThatAnsweredAndItsWindow() throws {
        let tracker = try Self.tracker()
        Self.request(tracker, 1, session: "s1", target: "deepseek,deepseek-chat", input: 1_000, output: 10)
        Self.request(tracker, 2, session: "s1", target: "nim,z-ai/glm4.7", input: 40_000, output: 500, cacheRead: 9_500)
        Self.request(tracker, 3, session: "s2", target: "deepseek,deepseek-chat", input: 7, output: 7)
        let status = tracker.status(session: "s1")
        #expect(status.known)
        #expect(status.last?.provider == "nim")
        #expect(status.last?.model == "z-ai/glm4.7")
        #expect(status.last?.route == "default")
        #expect(status.last?.contextTokens == 50_000)
        #expect(status.last?.contextWindow == 200_000)
        #expect(status.requests == 2)
        #expect(status.inputTokens == 41_000)
        #expect(status.outputTokens == 510)
        #expect(status.cacheReadTokens == 9_500)
        // DeepSeek is priced (built in), NIM's hosted model is free: the cost is the DeepSeek part.
        #expect(status.unpriced == 0)
        #expect((status.costUSD ?? 0) > 0)
        #expect(tracker.status(session: "s2").requests == 1)
    }

    @Test func unknownSessionGetsTheDefaultRoutesModel() throws {
        let status = try Self.tracker().status(session: "never-seen")
        #expect(!status.known)
        #expect(status.last == nil)
        #expect(status.requests == 0)
        #expect(status.defaultModel == "deepseek,deepseek-chat")
        #expect(status.defaultWindow == 131_072)
    }

    @Test func requestsWithoutASessionAreNotCounted() throws {
        let tracker = try Self.tracker()
        Self.request(tracker, 1, session: nil, target: "deepseek,deepseek-chat", input: 5, output: 5)
        #expect(!tracker.status(session: "").known)
    }

    @Test func aRefusalKeepsTheLastAnswersContextAndReportsTheError() throws {
        let tracker = try Self.tracker()
        Self.request(tracker, 1, session: "s1", target: "deepseek,deepseek-chat", input: 3_000, output: 100)
        tracker.receive(Fold.started(2, origin: Self.origin("s1")))
        tracker.receive(Fold.routed(2, "deepseek,deepseek-chat"))
        tracker.receive(
            .failed(
                .init(
                    id: RequestID(2),
                    target: nil,
                    error: APIError(.api, "boom"),
                    ttft: nil,
                    duration: .milliseconds(5),
                    outputTokens: 0
                )
            )
        )
        let status = tracker.status(session: "s1")
        #expect(status.requests == 2)
        #expect(status.errors == 1)
        #expect(status.last?.contextTokens == 3_100)
        #expect(status.last?.status == 500)
        #expect(status.last?.errorType == "api_error")
    }

    @Test func rateLimitsAndRPMWaitsWarnForTwoMinutes() throws {
        let clock = Clock()
        let tracker = try Self.tracker(clock: clock)
        tracker.receive(Fold.started(1, origin: Self.origin("s1")))
        tracker.receive(Fold.routed(1, "deepseek,deepseek-chat"))
        tracker.receive(
            .attemptFailed(
                .init(
                    id: RequestID(1),
                    target: ModelRef(parsing: "deepseek,deepseek-chat")!,
                    error: APIError(.rateLimit, "slow down"),
                    next: "retry",
                    keyIndex: 1
                )
            )
        )
        tracker.receive(
            .queued(.init(id: RequestID(1), target: ModelRef(parsing: "deepseek,deepseek-chat")!, wait: .seconds(3)))
        )
        clock.advance(12)
        tracker.receive(Self.finished(1, "deepseek,deepseek-chat", input: 10, output: 1))
        let warnings = tracker.status(session: "s1").warnings
        #expect(warnings.count == 2)
        #expect(warnings.contains("deepseek: rate-limited (429) 12 s ago, key 2 cooling down"))
        #expect(warnings.contains { $0.hasPrefix("deepseek: requests wait for its RPM limit") })
        // Another session on the same provider sees the trouble too (it will wait the same way).
        #expect(tracker.status(session: "fresh").warnings.count == 2)
        clock.advance(SessionTracker.troubleMemory)
        #expect(tracker.status(session: "s1").warnings.isEmpty)
    }

    @Test func sessionsAreBounded() throws {
        let clock = Clock()
        let tracker = try Self.tracker(clock: clock)
        for id in 0...UInt64(SessionTracker.maximumSessions) {
            clock.advance(1)
            Self.request(tracker, id, session: "s\(id)", target: "deepseek,deepseek-chat", input: 1, output: 1)
        }
        // The least recently active one went.
        #expect(!tracker.status(session: "s0").known)
        #expect(tracker.status(session: "s1").known)
        #expect(tracker.status(session: "s\(SessionTracker.maximumSessions)").known)
    }

    @Test func earlierRunsComeFromTheLedgerWithoutCountingThisRunTwice() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tracker-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("usage.sqlite").path
        let store = try UsageStore(path: path)
        // Yesterday's run: two requests of s1 (one on GLM), written by the ledger.
        var earlier = try Self.tracker()
        var folder = UsageFolder(instance: "a")
        let book = PriceBook(config: try Fold.config(Fold.configText))
        var rows: [UsageRow] = []
        for (id, target, input) in [(1 as UInt64, "deepseek,deepseek-chat", 100), (2, "nim,z-ai/glm4.7", 20_000)] {
            for event in [
                Fold.started(id, origin: Self.origin("s1")), Fold.routed(id, target),
                Self.finished(id, target, input: input, output: 50),
            ] {
                if let row = folder.apply(event, price: book.price) { rows.append(row) }
            }
        }
        try store.insert(rows)
        // This run started after them; the ledger also holds this run's rows (written as it goes).
        let runStarted = Fold.t0.addingTimeInterval(60)
        earlier = try Self.tracker(ledger: path, runStarted: runStarted)
        var now = UsageFolder(instance: "a")
        var thisRun: [UsageRow] = []
        for event in [
            Fold.started(3, origin: Self.origin("s1")), Fold.routed(3, "deepseek,deepseek-chat"),
            Self.finished(3, "deepseek,deepseek-chat", input: 1, output: 1),
        ] {
            earlier.receive(event)
            if var row = now.apply(event, price: book.price) {
                row.startedAt = runStarted.addingTimeInterval(1)
                thisRun.append(row)
            }
        }
        try store.insert(thisRun)
        let status = earlier.status(session: "s1")
        #expect(status.requests == 3)
        #expect(status.inputTokens == 20_101)
        #expect(status.last?.model == "deepseek-chat")

        // After a restart with no request yet, the last answer comes from the ledger.
        let restarted = try Self.tracker(ledger: path, runStarted: runStarted.addingTimeInterval(60))
        let after = restarted.status(session: "s1")
        #expect(after.requests == 3)
        #expect(after.last?.model == "deepseek-chat")
        #expect(after.last?.contextTokens == 2)
        #expect(!restarted.status(session: "other").known)
    }

    @Test func statusRoundTripsThroughItsJSON() throws {
        let tracker = try Self.tracker()
        Self.request(tracker, 1, session: "s1", target: "nim,z-ai/glm4.7", input: 1_000, output: 10)
        let status = tracker.status(session: "s1")
        let json = String(decoding: status.json, as: UTF8.self)
        #expect(json.contains(#""session_id":"s1""#))
        #expect(json.contains(#""context_window":200000"#))
        #expect(try SessionStatus.decode(status.json) == status)
    }
}
