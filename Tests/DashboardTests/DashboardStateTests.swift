import Foundation
import Testing

@testable import Dashboard
@testable import Proxy

struct DashboardStateTests {
    let t0 = Events.t0

    // MARK: - Config reloads

    @Test func theHeaderShowsAConfigUnderHomeAsTilde() {
        var state = DashboardState(startedAt: t0)
        let cases: [(home: String, config: String, shown: String)] = [
            ("/home/ada", "/home/ada/.config/switchboard/config.json", "~/.config/switchboard/config.json"),
            ("/home/ada/", "/home/ada/.claude-code-router/config.json", "~/.claude-code-router/config.json"),
            ("/home/ada", "/home/adam/config.json", "/home/adam/config.json"),
            ("/home/ada", "/srv/switchboard/config.json", "/srv/switchboard/config.json"),
            ("", "/home/ada/config.json", "/home/ada/config.json"),
            ("/home/ada", "built-in default (no config file found)", "built-in default (no config file found)"),
        ]
        for (home, config, shown) in cases {
            state.homeDirectory = home
            state.configDescription = config
            #expect(state.configShown == shown, "home \(home), config \(config)")
        }
    }

    @Test func aRefusedEditKeepsItsReasonWithoutThePathAndTail() throws {
        var state = DashboardState(startedAt: t0)
        state.configDescription = "/home/ada/.config/switchboard/config.json"
        let generation = state.generation
        state.noteReload(
            ConfigStore.ReloadStatus(
                time: t0,
                error:
                    "/home/ada/.config/switchboard/config.json: not valid JSON5: line 3, column 18: expected ',' or '}' in object; still serving the previous config"
            )
        )
        #expect(state.configRefusal == "not valid JSON5: line 3, column 18: expected ',' or '}' in object")
        #expect(state.generation != generation, "a redraw follows")
        state.noteReload(
            ConfigStore.ReloadStatus(
                time: t0,
                error:
                    "/home/ada/.config/switchboard/config.json: Router.default: provider \"nope\" is not configured; still serving the previous config"
            )
        )
        #expect(state.configRefusal == "Router.default: provider \"nope\" is not configured")
        #expect(state.configReloadedAt == nil)
        let good = t0.addingTimeInterval(5)
        state.noteReload(ConfigStore.ReloadStatus(time: good, error: nil))
        #expect(state.configRefusal == nil, "a good edit ends the banner")
        #expect(state.configReloadedAt == good)
    }

    // MARK: - Tokens, totals, errors

    @Test func finishedRequestsCountInputAndOutputFailedOnesOnlyOutput() throws {
        var state = DashboardState(startedAt: t0)
        state.apply(Events.request(1, input: 100, output: 20))
        state.apply([
            Events.started(2), Events.routed(2, .default, "nim,glm-4.7"),
            Events.finished(2, "nim,glm-4.7", input: 50, output: 10, cacheRead: 30),
        ])
        state.apply([
            Events.started(3, estimated: 4_000), Events.routed(3, .think, "ds,reasoner"),
            Events.progress(3, tokens: 5, [.text("partial")]),
            Events.failed(3, "ds,reasoner", APIError(.overloaded, "upstream overloaded"), output: 7),
        ])
        #expect(state.totalRequests == 3)
        #expect(state.totalErrors == 1)
        // 100 + (50 + 30 cache read); the failed request's 4,000 estimated input is not counted.
        #expect(state.totalInputTokens == 180)
        #expect(state.totalOutputTokens == 37)
        #expect(state.inFlight.isEmpty)

        let record = try #require(state.request(RequestID(2)))
        #expect(record.inputTokens == 80)
        #expect(record.cacheReadTokens == 30)
        #expect(record.statusCode == 200)
        let failed = try #require(state.request(RequestID(3)))
        #expect(failed.isError)
        #expect(failed.statusCode == 529)
        #expect(failed.outputTokens == 7)
    }

    @Test func aFailureKeepsTheLargerOfStreamedAndReportedOutput() throws {
        var state = DashboardState(startedAt: t0)
        state.apply([
            Events.started(1), Events.routed(1, .default, "nim,glm-4.7"), Events.progress(1, tokens: 40, [.text("x")]),
            Events.failed(1, "nim,glm-4.7", APIError(.api, "stream broke"), output: 12),
        ])
        #expect(state.request(RequestID(1))?.outputTokens == 40)
        #expect(state.totalOutputTokens == 40)
    }

    @Test func inFlightRequestsCountAsRequestsButNotYetAsTokens() throws {
        var state = DashboardState(startedAt: t0)
        state.apply([Events.started(1, estimated: 900), Events.routed(1, .default, "nim,glm-4.7")])
        state.apply(Events.progress(1, tokens: 33, [.text("so far")]), now: t0)
        #expect(state.totalRequests == 1)
        #expect(state.inFlight.count == 1)
        #expect(state.totalInputTokens == 0)
        #expect(state.totalOutputTokens == 0)
        let record = try #require(state.request(RequestID(1)))
        #expect(record.isInFlight)
        #expect(record.inputTokens == 900, "the estimate stands in until usage arrives")
        #expect(record.outputTokens == 33)
        #expect(record.statusCode == nil)
    }

    @Test func perRouteStatsSplitByRouteAndUnroutedRequestsCountAsDefault() throws {
        var state = DashboardState(startedAt: t0)
        state.apply(Events.request(1, route: .default, input: 100, output: 10))
        state.apply(Events.request(2, route: .default, input: 200, output: 20))
        state.apply(Events.request(3, route: .background, target: "nim,small", input: 7, output: 3))
        state.apply([
            Events.started(4), Events.routed(4, .think, "ds,reasoner"),
            Events.failed(4, "ds,reasoner", APIError(.rateLimit, "slow down"), output: 2),
        ])
        // Failed before routing (e.g. a bad request): counted under default.
        state.apply([Events.started(5), Events.failed(5, nil, APIError(.invalidRequest, "bad body"))])

        let main = state.stats(for: .default)
        #expect(main.requests == 3)
        #expect(main.inputTokens == 300)
        #expect(main.outputTokens == 30)
        #expect(main.errors == 1)
        let background = state.stats(for: .background)
        #expect(background.requests == 1)
        #expect(background.inputTokens == 7)
        #expect(background.outputTokens == 3)
        #expect(background.errors == 0)
        let think = state.stats(for: .think)
        #expect(think.requests == 1)
        #expect(think.inputTokens == 0)
        #expect(think.outputTokens == 2)
        #expect(think.errors == 1)
        #expect(state.stats(for: .image).requests == 0)
        #expect(state.totalErrors == 2)
    }

    @Test func explicitAndSubagentRoutesAppearOnlyOnceUsed() throws {
        var state = DashboardState(startedAt: t0)
        #expect(state.routeRows == RouteKind.configurable)
        state.apply([Events.started(1), Events.routed(1, .subagent, "nim,glm-4.7")])
        #expect(state.routeRows == RouteKind.configurable + [.subagent], "in flight is enough")
        state.apply(Events.request(2, route: .explicit))
        #expect(state.routeRows == RouteKind.configurable + [.explicit, .subagent])
    }

    @Test func attemptsAndTheAnsweringModelAreRecorded() throws {
        var state = DashboardState(startedAt: t0)
        state.apply([
            Events.started(1), Events.routed(1, .default, "nim,glm-4.7"),
            Events.attemptFailed(1, "nim,glm-4.7", APIError(.overloaded, "busy"), next: "fall back to ds,chat"),
            Events.firstToken(1, "ds,chat", ttftMs: 900),
        ])
        let record = try #require(state.request(RequestID(1)))
        #expect(record.attempts == ["nim,glm-4.7: busy → fall back to ds,chat"])
        #expect(record.answeredBy == Events.ref("ds,chat"))
        #expect(record.model == Events.ref("ds,chat"), "the list shows who answered, not who was asked")
        #expect(record.ttft == .milliseconds(900))
    }

    // MARK: - Percentiles

    @Test func percentilesMatchKnownSamplesWithinHistogramPrecision() throws {
        var state = DashboardState(startedAt: t0)
        // TTFT 10, 20, … 1000 ms; duration ten times that. Shuffled, so order cannot matter.
        var values = Array(1...100)
        var generator = SplitMix(seed: 7)
        values.shuffle(using: &generator)
        for (index, value) in values.enumerated() {
            state.apply(
                Events.request(UInt64(index + 1), ttftMs: value * 10, durationMs: value * 100),
                now: t0.addingTimeInterval(Double(index))
            )
        }
        let now = t0.addingTimeInterval(100)
        let stats = state.stats(for: .default)
        try expectClose(stats.ttft.percentile(50, now: now), 500)
        try expectClose(stats.ttft.percentile(95, now: now), 950)
        try expectClose(stats.ttft.percentile(100, now: now), 1_000)
        try expectClose(stats.duration.percentile(50, now: now), 5_000)
        try expectClose(stats.duration.percentile(95, now: now), 9_500)
        #expect(state.stats(for: .think).ttft.percentile(50, now: now) == nil)
    }

    @Test func samplesOlderThanTheWindowDropOut() throws {
        var state = DashboardState(startedAt: t0)
        for id in 1...10 { state.apply(Events.request(UInt64(id), ttftMs: 5_000), now: t0) }
        let later = t0.addingTimeInterval(200)
        for id in 11...20 { state.apply(Events.request(UInt64(id), ttftMs: 100), now: later) }

        let stats = state.stats(for: .default)
        // Both batches are inside the 5-minute window at +200 s.
        try expectClose(stats.ttft.percentile(95, now: later), 5_000)
        try expectClose(stats.ttft.percentile(25, now: later), 100)
        // At +400 s the first batch is older than five minutes; only the second remains.
        try expectClose(stats.ttft.percentile(95, now: t0.addingTimeInterval(400)), 100)
        // At +600 s nothing is left.
        #expect(stats.ttft.percentile(50, now: t0.addingTimeInterval(600)) == nil)
        #expect(stats.requests == 20, "counts are for the whole run; only percentiles roll")
    }

    @Test func percentilesFollowTheWindowAsTimeMovesOn() throws {
        var histogram = RollingHistogram()
        // One sample a minute for an hour: the 50 slow early ones must not show at the end.
        for minute in 0..<60 {
            histogram.record(milliseconds: minute < 50 ? 9_000 : 10, now: t0.addingTimeInterval(Double(minute * 60)))
        }
        try expectClose(histogram.percentile(100, now: t0.addingTimeInterval(59 * 60)), 10)
    }

    // MARK: - Throughput

    @Test func tokensPerSecondCountsGenerationTimeAfterTheFirstToken() throws {
        var state = DashboardState(startedAt: t0)
        // 100 tokens over 2 s of generation, then 300 over 2 s: 400 / 4 = 100 tok/s for the route.
        state.apply(Events.request(1, output: 100, ttftMs: 500, durationMs: 2_500))
        state.apply(Events.request(2, output: 300, ttftMs: 1_000, durationMs: 3_000))
        let first = try #require(state.request(RequestID(1))?.tokensPerSecond)
        #expect(abs(first - 50) < 0.001)
        let route = try #require(state.stats(for: .default).tokensPerSecond(now: t0))
        #expect(abs(route - 100) < 0.001)
        // Samples leave the 5-minute window a 30-second bucket at a time, as the histograms' do.
        #expect(state.stats(for: .default).tokensPerSecond(now: t0.addingTimeInterval(280)) != nil)
        #expect(state.stats(for: .default).tokensPerSecond(now: t0.addingTimeInterval(331)) == nil)
    }

    @Test func tokensPerSecondIsUnknownWithoutAFirstTokenOrOutput() throws {
        var state = DashboardState(startedAt: t0)
        state.apply([Events.started(1), Events.finished(1, "nim,glm-4.7", input: 10, output: 40, ttftMs: nil)])
        state.apply(Events.request(2, output: 0))
        #expect(state.request(RequestID(1))?.tokensPerSecond == nil)
        #expect(state.request(RequestID(2))?.tokensPerSecond == nil)
        #expect(state.stats(for: .default).tokensPerSecond(now: t0) == nil)
    }

    // MARK: - The list

    @Test func theRingKeepsTheNewestFinishedRequests() throws {
        var state = DashboardState(startedAt: t0)
        let capacity = DashboardState.recentCapacity
        for id in 1...(capacity + 5) { state.apply(Events.request(UInt64(id))) }
        #expect(state.recent.count == capacity)
        #expect(state.request(RequestID(5)) == nil, "the oldest five were evicted")
        #expect(state.request(RequestID(6)) != nil)
        #expect(state.totalRequests == capacity + 5, "totals outlive the ring")
        let list = state.requestsForList.map(\.id.rawValue)
        #expect(list.first == UInt64(capacity + 5))
        #expect(list.last == 6)
        #expect(list == list.sorted(by: >))
    }

    @Test func theListShowsInFlightOldestFirstThenFinishedNewestFirst() throws {
        var state = DashboardState(startedAt: t0)
        state.apply(Events.request(1))
        state.apply([Events.started(2), Events.started(3)])
        state.apply(Events.request(4))
        state.apply(Events.started(5))
        state.apply(Events.finished(3, "nim,glm-4.7", input: 1, output: 1))
        #expect(state.requestsForList.map(\.id.rawValue) == [2, 5, 3, 4, 1])
    }

    @Test func progressForAnUnknownRequestCreatesARecord() throws {
        var state = DashboardState(startedAt: t0)
        let now = t0.addingTimeInterval(3)
        state.apply(Events.progress(77, tokens: 12, [.text("hello")]), now: now)
        let record = try #require(state.request(RequestID(77)))
        #expect(record.isInFlight)
        #expect(record.requestedModel == "?")
        #expect(record.startedAt == now)
        #expect(record.outputTokens == 12)
        #expect(record.output == [.text("hello")])
        // Its end still lands, and counts.
        state.apply(Events.finished(77, "nim,glm-4.7", input: 10, output: 20), now: now)
        #expect(state.inFlight.isEmpty)
        #expect(state.request(RequestID(77))?.outputTokens == 20)
        #expect(state.totalOutputTokens == 20)
        // A finish for a request never seen at all is not lost either.
        state.apply(Events.failed(78, nil, APIError(.api, "boom")), now: now)
        #expect(state.request(RequestID(78))?.isError == true)
        #expect(state.totalErrors == 1)
    }

    @Test func requestRateCountsStartsInTheLastThirtySeconds() throws {
        var state = DashboardState(startedAt: t0)
        let now = t0.addingTimeInterval(100)
        var id: UInt64 = 0
        for (offset, count) in [(-45.0, 3), (-20.0, 6), (-1.0, 3)] {
            for _ in 0..<count {
                id += 1
                state.apply(Events.started(id, at: now.addingTimeInterval(offset)), now: now)
            }
        }
        #expect(abs(state.requestRate(now: now) - 9.0 / 30) < 1e-9)
        #expect(abs(state.requestRate(now: now.addingTimeInterval(25)) - 3.0 / 30) < 1e-9)
        #expect(state.requestRate(now: now.addingTimeInterval(40)) == 0)
    }

    @Test func everyEventBumpsTheGeneration() throws {
        var state = DashboardState(startedAt: t0)
        var seen: Set<UInt64> = [state.generation]
        for event in Events.request(1) {
            state.apply(event, now: t0)
            #expect(seen.insert(state.generation).inserted)
        }
    }

    // MARK: - Output

    @Test func outputPiecesOfTheSameKindMerge() throws {
        var state = DashboardState(startedAt: t0)
        state.apply(Events.started(1))
        state.apply(Events.progress(1, tokens: 2, [.text("Hel"), .text("lo")]), now: t0)
        state.apply(
            Events.progress(
                1,
                tokens: 9,
                [
                    .text(" world"), .thinking("hmm"), .thinking("…"), .toolCall(name: "Read"),
                    .toolArguments(#"{"path""#),
                    .toolArguments(#":"a.txt"}"#), .toolCall(name: "Bash"), .text("done"),
                ]
            ),
            now: t0
        )
        let record = try #require(state.request(RequestID(1)))
        #expect(
            record.output == [
                .text("Hello world"), .thinking("hmm…"), .toolCall(name: "Read"), .toolArguments(#"{"path":"a.txt"}"#),
                .toolCall(name: "Bash"), .text("done"),
            ]
        )
        #expect(record.outputTokens == 9)
        #expect(!record.outputTruncated)
    }

    @Test func outputIsCutAtTheLimit() throws {
        var record = RequestRecord(id: RequestID(1), now: t0)
        let limit = RequestRecord.outputLimit
        record.append([.text(String(repeating: "a", count: limit - 10))])
        #expect(!record.outputTruncated)
        // One piece straddling the limit: only what fits is kept; later pieces are not.
        record.append([.text(String(repeating: "b", count: 100))])
        record.append([.toolCall(name: "Read"), .text("more")])
        #expect(record.outputTruncated)
        #expect(record.outputCharacters == limit)
        #expect(record.output.count == 1)
        guard case .text(let text)? = record.output.first else {
            Issue.record("expected one text piece")
            return
        }
        #expect(text.count == limit)
        #expect(text.hasSuffix("a" + String(repeating: "b", count: 10)))
    }

    @Test func aHugeSinglePieceIsCutToo() throws {
        var record = RequestRecord(id: RequestID(1), now: t0)
        record.append([
            .toolCall(name: "Write"), .toolArguments(String(repeating: "x", count: RequestRecord.outputLimit * 4)),
        ])
        #expect(record.outputTruncated)
        #expect(record.outputCharacters == RequestRecord.outputLimit)
        #expect(record.output.count == 2)
        if case .toolArguments(let json)? = record.output.last {
            #expect(json.count == RequestRecord.outputLimit - "Write".count)
        } else {
            Issue.record("expected the arguments, cut")
        }
    }
}

/// Fails unless `value` is within HdrHistogram's precision (two significant digits: 1%) of `expected`.
func expectClose(_ value: Double?, _ expected: Double, sourceLocation: SourceLocation = #_sourceLocation) throws {
    let value = try #require(value, sourceLocation: sourceLocation)
    #expect(
        abs(value - expected) <= max(1, expected * 0.01),
        "\(value) is not within 1% of \(expected)",
        sourceLocation: sourceLocation
    )
}

/// A seeded generator, so shuffles are the same on every run.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

struct OutputRetentionTests {
    @Test func onlyTheNewestRequestsKeepTheirOutput() throws {
        var state = DashboardState(startedAt: Events.t0)
        let total = DashboardState.outputKept + 2
        for id in 1...UInt64(total) {
            state.apply(Events.started(id), now: Events.t0)
            state.apply(Events.routed(id, .default, "p,m"), now: Events.t0)
            state.apply(Events.progress(id, tokens: 3, [.text("answer \(id)")]), now: Events.t0)
            state.apply(Events.finished(id, "p,m", input: 1, output: 3), now: Events.t0)
        }
        let oldest = try #require(state.request(RequestID(1)))
        #expect(oldest.output.isEmpty)
        #expect(oldest.outputDropped)
        let kept = try #require(state.request(RequestID(UInt64(total - DashboardState.outputKept + 1))))
        #expect(kept.output == [.text("answer \(total - DashboardState.outputKept + 1)")])
        #expect(!kept.outputDropped)
        let lines = Renderer.detailLines(oldest, width: 80, theme: .plainASCII, timeZone: .gmt, now: Events.t0)
        #expect(lines.contains { $0.0.contains("output not kept") })
    }
}
