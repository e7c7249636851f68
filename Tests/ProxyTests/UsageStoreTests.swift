import Foundation
import GRDB
import Logging
import Testing

@testable import Proxy

/// The ledger's SQLite file: rows, retention, daily totals, a corrupt or locked file.
struct UsageStoreTests {
    static func directory() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("usage-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    static func row(_ at: Date, cost: Double? = 0.5, provider: String = "deepseek", status: Int = 200) -> UsageRow {
        UsageRow(
            startedAt: at,
            instance: "h",
            requestID: 1,
            client: "claude-code",
            requestedModel: "claude-sonnet-4-5",
            route: "default",
            provider: provider,
            model: "deepseek-chat",
            status: status,
            inputTokens: 100,
            outputTokens: 10,
            cacheReadTokens: 5,
            ttftMilliseconds: 100,
            durationMilliseconds: 1000,
            costUSD: cost,
            anthropicUSD: 1
        )
    }

    @Test func rowsRoundTrip() throws {
        let path = try Self.directory() + "/usage.sqlite"
        let store = try UsageStore(path: path)
        let original = UsageRow(
            startedAt: Date(timeIntervalSince1970: 1_790_000_000.123),
            instance: "h",
            requestID: 7,
            messageID: "msg_x",
            client: "vscode",
            sessionID: "s",
            project: "/p",
            requestedModel: "claude-opus-4-5",
            route: "think",
            routeReason: "thinking requested",
            provider: "p",
            model: "m",
            attempts: 3,
            retries: 1,
            fallbacks: 1,
            keyIndex: 2,
            status: 200,
            stopReason: "end_turn",
            inputTokens: 1,
            outputTokens: 2,
            cacheReadTokens: 3,
            estimated: true,
            ttftMilliseconds: 4,
            durationMilliseconds: 5,
            requestBytes: 6,
            answerBytes: 7,
            costUSD: nil,
            anthropicUSD: 0.25,
            free: false
        )
        try store.insert([original])
        #expect(try store.allRows() == [original])
        // WAL, as the issue asks.
        let mode = try store.read { db in try String.fetchOne(db, sql: "PRAGMA journal_mode") }
        #expect(mode == "wal")
    }

    @Test func retentionDeletesOldRowsButKeepsDailyTotals() throws {
        let path = try Self.directory() + "/usage.sqlite"
        let store = try UsageStore(path: path)
        let now = Date()
        try store.insert([
            Self.row(now.addingTimeInterval(-100 * 86_400)), Self.row(now.addingTimeInterval(-100 * 86_400)),
            Self.row(now.addingTimeInterval(-3600)),
        ])
        #expect(try store.prune(olderThanDays: 90, now: now) == 2)
        #expect(try store.allRows().count == 1)
        let days = try store.read { db in try Int.fetchOne(db, sql: "SELECT sum(requests) FROM daily") }
        #expect(days == 3)
        let old = UsageStore.day(now.addingTimeInterval(-100 * 86_400))
        #expect(try store.spending(sinceDay: old)["deepseek"] == 1.5)
    }

    @Test func unshippedRowsAreNotPruned() throws {
        let path = try Self.directory() + "/usage.sqlite"
        let store = try UsageStore(path: path)
        try store.insert([Self.row(Date().addingTimeInterval(-200 * 86_400))], shipped: false)
        #expect(try store.prune(olderThanDays: 90) == 0)
        #expect(try store.waitingCount() == 1)
        let waiting = try store.unshipped(limit: 10)
        try store.markShipped(waiting.map(\.id))
        #expect(try store.waitingCount() == 0)
        #expect(try store.prune(olderThanDays: 90) == 1)
    }

    @Test func corruptFileIsSetAsideNotDeleted() throws {
        let directory = try Self.directory()
        let path = directory + "/usage.sqlite"
        let garbage = Data((0..<8192).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) })
        try garbage.write(to: URL(fileURLWithPath: path))
        let store = try UsageStore(path: path)
        let moved = try #require(store.setAside)
        #expect(moved.hasPrefix(path + ".corrupt-"))
        #expect(try Data(contentsOf: URL(fileURLWithPath: moved)) == garbage)
        try store.insert([Self.row(Date())])
        #expect(try store.allRows().count == 1)
    }

    @Test func ledgerWritesInBatchesOffTheRequestPath() async throws {
        let path = try Self.directory() + "/usage.sqlite"
        let ledger = UsageLedger(
            path: path,
            store: ConfigStore(try UsageFoldingTests.config(UsageFoldingTests.configText)),
            logger: Logger(label: "test"),
            flushDelay: .milliseconds(50)
        )
        ledger.start()
        ledger.enqueue((0..<500).map { _ in Self.row(Date()) })
        // Nothing was written on the caller's thread.
        #expect(ledger.status.waiting == 500)
        await ledger.flush()
        #expect(ledger.status.waiting == 0)
        #expect(try UsageStore(path: path).allRows().count == 500)
    }

    @Test func lockedDatabaseWarnsKeepsRowsAndRecovers() async throws {
        let path = try Self.directory() + "/usage.sqlite"
        _ = try UsageStore(path: path)
        let ledger = UsageLedger(
            path: path,
            store: ConfigStore(try UsageFoldingTests.config(UsageFoldingTests.configText)),
            logger: Logger(label: "test"),
            flushDelay: .milliseconds(10)
        )
        ledger.start()
        await ledger.flush()
        // Another program holds the write lock.
        var configuration = Configuration()
        configuration.journalMode = .wal
        configuration.allowsUnsafeTransactions = true
        let other = try DatabaseQueue(path: path, configuration: configuration)
        let lock = try await other.writeWithoutTransaction { db in
            try db.execute(sql: "BEGIN EXCLUSIVE")
            return true
        }
        #expect(lock)
        ledger.enqueue([Self.row(Date())])
        await ledger.flush()
        let status = ledger.status
        #expect(status.warning?.contains("locked") == true)
        #expect(status.writeProblem == "the database is locked by another program", "the header's short form")
        #expect(status.waiting == 1)
        try await other.writeWithoutTransaction { db in try db.execute(sql: "ROLLBACK") }
        await ledger.flush()
        #expect(ledger.status.warning == nil)
        #expect(ledger.status.writeProblem == nil)
        #expect(ledger.status.waiting == 0)
        #expect(try UsageStore(path: path).allRows().count == 1)
    }

    /// A database that stays locked past the in-memory cap and through shutdown loses no row: the
    /// overflow and what is left at the end go to the spill file, and the next ledger adds them.
    @Test func rowsTheDatabaseCannotTakeAreSpilledAndAddedLater() async throws {
        let path = try Self.directory() + "/usage.sqlite"
        _ = try UsageStore(path: path)
        let config = try UsageFoldingTests.config(UsageFoldingTests.configText)
        let ledger = UsageLedger(
            path: path,
            store: ConfigStore(config),
            logger: Logger(label: "test"),
            flushDelay: .milliseconds(10),
            maximumPending: 5
        )
        ledger.start()
        await ledger.flush()
        var configuration = Configuration()
        configuration.journalMode = .wal
        configuration.allowsUnsafeTransactions = true
        let other = try DatabaseQueue(path: path, configuration: configuration)
        try await other.writeWithoutTransaction { db in try db.execute(sql: "BEGIN EXCLUSIVE") }
        ledger.enqueue(
            (0..<12).map { index in
                var row = Self.row(Date())
                row.requestID = Int64(index)
                return row
            }
        )
        await ledger.flush()
        // Seven went past the cap of five: on disk, not dropped; five wait in memory.
        #expect(ledger.status.waiting == 5)
        let spilled = try String(contentsOfFile: ledger.spillPath, encoding: .utf8)
        #expect(spilled.split(separator: "\n").count == 7)
        // Shutdown while still locked: the five go to the file too.
        await ledger.flush(final: true)
        #expect(ledger.status.waiting == 0)
        #expect(try String(contentsOfFile: ledger.spillPath, encoding: .utf8).split(separator: "\n").count == 12)
        try await other.writeWithoutTransaction { db in try db.execute(sql: "ROLLBACK") }

        // The next run adds them when it opens the database, and the file goes.
        let next = UsageLedger(path: path, store: ConfigStore(config), logger: Logger(label: "test"))
        next.start()
        await next.flush()
        let rows = try UsageStore(path: path).allRows()
        #expect(rows.map(\.requestID).sorted() == Array(0..<12))
        #expect(
            rows.first
                == {
                    var row = Self.row(rows[0].startedAt)
                    row.requestID = rows[0].requestID
                    return row
                }()
        )
        #expect(!FileManager.default.fileExists(atPath: ledger.spillPath))
    }

    @Test func ledgerSeedsBudgetsFromEarlierRuns() async throws {
        let path = try Self.directory() + "/usage.sqlite"
        try UsageStore(path: path).insert([Self.row(Date(), cost: 4.5)])
        let config = try UsageFoldingTests.config(
            #"{"Providers":[{"name":"deepseek","api_base_url":"https://api.deepseek.com/v1","models":["deepseek-chat"]}],"Router":{"default":"deepseek,deepseek-chat"},"budget":{"daily_usd":5,"enforce":true}}"#
        )
        let ledger = UsageLedger(path: path, store: ConfigStore(config), logger: Logger(label: "test"))
        ledger.start()
        await ledger.flush()
        #expect(ledger.status.budget.level == .warning)
        #expect(ledger.budgetRefusal(provider: "deepseek") == nil)
        ledger.enqueue([])
        #expect(abs(ledger.status.budget.spentToday - 4.5) < 1e-9)
    }
}
