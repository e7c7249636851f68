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
            status: 529,
            errorType: "overloaded_error",
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
        // Every optional empty, the booleans the other way, a price known.
        let sparse = UsageRow(
            startedAt: Date(timeIntervalSince1970: 1_790_000_001),
            instance: "h2",
            requestID: 8,
            client: "other",
            requestedModel: "claude-haiku-4-5",
            attempts: 1,
            retries: 0,
            fallbacks: 0,
            status: 499,
            inputTokens: 10,
            outputTokens: 0,
            cacheReadTokens: 0,
            estimated: false,
            durationMilliseconds: 9,
            requestBytes: 11,
            answerBytes: 0,
            costUSD: 0.125,
            anthropicUSD: nil,
            free: true
        )
        try store.insert([original, sparse])
        #expect(try store.allRows() == [original, sparse])
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

    @Test func oneBatchAcrossMidnightAddsToBothDays() throws {
        let path = try Self.directory() + "/usage.sqlite"
        let store = try UsageStore(path: path)
        let midnight = try #require(Calendar.current.dateInterval(of: .day, for: Date())).start
        let before = midnight.addingTimeInterval(-1)
        let after = midnight.addingTimeInterval(1)
        try store.insert([Self.row(before), Self.row(before), Self.row(after), Self.row(before)])
        let days = try store.read { db in
            try Row.fetchAll(db, sql: "SELECT day, requests FROM daily ORDER BY day").map {
                "\($0["day"] as String) \($0["requests"] as Int)"
            }
        }
        #expect(days == ["\(UsageStore.day(before)) 3", "\(UsageStore.day(after)) 1"])
    }

    @Test func dailyTotalsAreTheSumsOfTheirRows() throws {
        let path = try Self.directory() + "/usage.sqlite"
        let store = try UsageStore(path: path)
        let now = Date()
        var rows: [UsageRow] = []
        for n in 0..<60 {
            var row = Self.row(
                now.addingTimeInterval(-Double(n % 3) * 86_400),
                cost: n % 5 == 0 ? nil : Double(n) / 8,
                provider: n % 2 == 0 ? "deepseek" : "nim",
                status: n % 7 == 0 ? 500 : 200
            )
            row.route = n % 4 == 0 ? "background" : "default"
            row.inputTokens = n * 11
            row.outputTokens = n * 3
            row.cacheReadTokens = n
            row.anthropicUSD = Double(n) / 4
            rows.append(row)
        }
        // Two batches, so groups are both created and added to.
        try store.insert(Array(rows[..<25]))
        try store.insert(Array(rows[25...]))
        var expected: [String: [Double]] = [:]
        for row in rows {
            let key = "\(UsageStore.day(row.startedAt)) \(row.route ?? "") \(row.provider ?? "")"
            let add: [Double] = [
                1, row.isError ? 1 : 0, Double(row.inputTokens), Double(row.outputTokens), Double(row.cacheReadTokens),
                row.costUSD ?? 0, row.costUSD == nil ? 1 : 0, row.anthropicUSD ?? 0,
            ]
            expected[key] = zip(expected[key] ?? Array(repeating: 0, count: 8), add).map { $0 + $1 }
        }
        let stored = try store.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT day, route, provider, requests, errors, input_tokens, output_tokens, cache_read_tokens,
                    cost_usd, unpriced, anthropic_usd FROM daily
                    """
            )
        }
        #expect(stored.count == expected.count && expected.count == 9)
        for row in stored {
            let key = "\(row["day"] as String) \(row["route"] as String) \(row["provider"] as String)"
            let got: [Double] = (3..<11).map { row[$0] as Double }
            let want = try #require(expected[key])
            #expect(zip(got, want).allSatisfy { abs($0 - $1) < 1e-9 }, "\(key): \(got) != \(want)")
        }
    }

    @Test func dayKeysAgreeWithTheCalendarAcrossDaysAndClockChanges() throws {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = try #require(TimeZone(identifier: "Europe/Berlin"))
        var keys = DayKeys(calendar: calendar)
        // Every 7 minutes through both 2026 clock changes (a 23-hour and a 25-hour day), forwards,
        // then a few dates out of order, as rows of a spilled batch can be.
        var dates: [Date] = []
        for start in [1_774_652_400.0, 1_792_792_800.0] {  // 2026-03-28 00:00 CET, 2026-10-24 00:00 CEST
            dates += stride(from: start, to: start + 3 * 86_400 - 3_600, by: 420).map {
                Date(timeIntervalSince1970: $0)
            }
        }
        dates += [dates[900], dates[3], dates[1_100], dates[0], dates[700]]
        var seen: Set<String> = []
        for date in dates {
            let key = keys.key(for: date)
            #expect(key == UsageStore.day(date, calendar: calendar))
            seen.insert(key)
        }
        #expect(seen == ["2026-03-28", "2026-03-29", "2026-03-30", "2026-10-24", "2026-10-25", "2026-10-26"])
        // Zero-padded as `yyyy-MM-dd`.
        var utc = Calendar(identifier: .gregorian)
        utc.timeZone = try #require(TimeZone(identifier: "UTC"))
        #expect(UsageStore.day(Date(timeIntervalSince1970: 1_788_220_800), calendar: utc) == "2026-09-01")
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
