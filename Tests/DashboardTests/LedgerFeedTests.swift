import Foundation
import Testing

@testable import Dashboard
@testable import Proxy

/// What the dashboard reads from a real ledger file (written as the proxy writes it).
@Suite struct LedgerFeedTests {
    /// Noon today, so "today" and "the last 24 hours" never straddle midnight whenever the test runs.
    static let noon = Calendar.current.date(bySettingHour: 12, minute: 0, second: 0, of: Date())!

    static func directory() throws -> String {
        let path = NSTemporaryDirectory() + "switchboard-feed-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    static func row(_ offset: TimeInterval, number: Int64, route: String, status: Int = 200, cost: Double?) -> UsageRow
    {
        UsageRow(
            startedAt: noon.addingTimeInterval(offset),
            instance: "test",
            requestID: number,
            requestedModel: "claude-sonnet-4-5",
            route: route,
            provider: "p",
            model: route == "think" ? "slow" : "fast",
            status: status,
            errorType: status == 200 ? nil : "rate_limit_error",
            inputTokens: 1_000,
            outputTokens: 100,
            cacheReadTokens: 10,
            ttftMilliseconds: 300,
            durationMilliseconds: 2_000,
            costUSD: cost
        )
    }

    @Test func readsTodaysTotalsPastRequestsAndHistory() throws {
        let directory = try Self.directory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/usage.sqlite"
        // Yesterday's and this morning's runs, then this run (started a minute before noon).
        try UsageStore(path: path).insert([
            Self.row(-26 * 3_600, number: 5, route: "default", cost: 1.0),
            Self.row(-2 * 3_600, number: 9, route: "think", status: 429, cost: nil),
            Self.row(-30, number: 1, route: "default", cost: 0.5),
        ])
        let startedAt = Self.noon.addingTimeInterval(-60)

        let light = LedgerFeed.read(path: path, now: Self.noon, startedAt: startedAt, past: false, history: false)
        #expect(light.readError == nil)
        #expect(light.today?.requests == 2, "this morning's run and this one")
        #expect(light.today?.costUSD == 0.5)
        #expect(light.today?.unpriced == 1)
        #expect(light.routes["default"]?.costUSD == 0.5)
        #expect(light.routes["think"]?.costUSD == nil, "unknown, not 0")
        #expect(light.routes["think"]?.requests == 1)
        #expect(light.tokensPerMinute["default"]?.count == LedgerFeed.sparklineMinutes)
        #expect(light.tokensPerMinute["default"]?.reduce(0, +) == 1_110)
        #expect(light.tokensPerMinute["think"] == nil, "two hours ago is outside the 30 minutes")
        #expect(light.past == nil && light.history == nil, "read only when asked")

        let full = LedgerFeed.read(path: path, now: Self.noon, startedAt: startedAt, past: true, history: true)
        #expect(full.past?.map(\.row.requestID) == [9, 5], "the earlier runs' requests, newest first")
        let history = try #require(full.history)
        #expect(Set(history.hoursByRoute.map(\.key)) == ["default", "think"], "yesterday's is not in the 24 hours")
        #expect(history.daysByRoute.map(\.requests).reduce(0, +) == 3)
        #expect(Set(history.hoursByModel.map(\.key)) == ["p,fast", "p,slow"])
        let slow = try #require(history.models.first { $0.key == "p,slow" })
        #expect(slow.errors == 1 && slow.requests == 1)
    }

    @Test func aMissingFileReadsAsAnEmptyLedgerAForeignOneAsAnErrorAndIsLeftAlone() throws {
        let directory = try Self.directory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let missing = LedgerFeed.read(
            path: directory + "/usage.sqlite",
            now: Self.noon,
            startedAt: Self.noon,
            past: true,
            history: true
        )
        #expect(missing.readError == nil)
        #expect(missing.today?.requests == 0)
        #expect(missing.past?.isEmpty == true)
        #expect(!FileManager.default.fileExists(atPath: directory + "/usage.sqlite"), "reading creates nothing")

        // Created by the writer, tables not yet: an empty ledger, not an error in the header.
        #expect(FileManager.default.createFile(atPath: directory + "/new.sqlite", contents: Data()))
        let new = LedgerFeed.read(
            path: directory + "/new.sqlite",
            now: Self.noon,
            startedAt: Self.noon,
            past: true,
            history: false
        )
        #expect(new.readError == nil)
        #expect(new.today?.requests == 0)

        let foreign = directory + "/notes.sqlite"
        let text = String(repeating: "not a database. ", count: 400)
        try text.write(toFile: foreign, atomically: true, encoding: .utf8)
        let read = LedgerFeed.read(path: foreign, now: Self.noon, startedAt: Self.noon, past: true, history: false)
        #expect(read.readError != nil)
        #expect(read.today == nil, "no figure passed off as today's")
        #expect(try String(contentsOfFile: foreign, encoding: .utf8) == text, "the user's file is untouched")
    }

    @Test func theInboxKeepsWhatOnlyAnUntakenReadCarried() {
        let inbox = LedgerInbox()
        inbox.post(LedgerSnapshot(today: StatsRow(key: "total"), past: [], history: LedgerHistory(readAt: Self.noon)))
        var later = LedgerSnapshot(today: StatsRow(key: "total"))
        later.today?.requests = 7
        inbox.post(later)
        let taken = inbox.take()
        #expect(taken?.today?.requests == 7)
        #expect(taken?.past == [])
        #expect(taken?.history == LedgerHistory(readAt: Self.noon))
        #expect(inbox.take() == nil)
    }
}
