import Foundation
import Testing

@testable import Proxy

/// `stats` and the dashboard's queries over the ledger.
struct UsageQueryTests {
    static let now = Date()

    /// A store with rows on two models and routes, one unpriced, one failed.
    static func store() throws -> UsageStore {
        let store = try UsageStore(path: try UsageStoreTests.directory() + "/usage.sqlite")
        func row(
            _ minutesAgo: Double,
            route: String,
            model: String,
            cost: Double?,
            status: Int = 200,
            ttft: Int,
            duration: Int,
            session: String = "s1"
        ) -> UsageRow {
            UsageRow(
                startedAt: now.addingTimeInterval(-minutesAgo * 60),
                instance: "h",
                client: "claude-code",
                sessionID: session,
                project: "/p",
                requestedModel: "claude-sonnet-4-5",
                route: route,
                provider: "prov",
                model: model,
                status: status,
                inputTokens: 100,
                outputTokens: 10,
                cacheReadTokens: 50,
                ttftMilliseconds: ttft,
                durationMilliseconds: duration,
                costUSD: cost,
                anthropicUSD: cost.map { _ in 1.0 }
            )
        }
        var rows: [UsageRow] = []
        for index in 1...20 {
            rows.append(
                row(Double(index), route: "default", model: "a", cost: 0.01, ttft: index * 10, duration: index * 100)
            )
        }
        rows.append(row(5, route: "think", model: "b", cost: nil, ttft: 500, duration: 5000, session: "s2"))
        rows.append(
            row(6, route: "think", model: "b", cost: 0.5, status: 429, ttft: 700, duration: 7000, session: "s2")
        )
        // Outside the window.
        rows.append(row(60 * 30, route: "default", model: "a", cost: 9, ttft: 1, duration: 1))
        try store.insert(rows)
        return store
    }

    @Test func groupsByModelWithPercentilesCostAndSaved() throws {
        let query = UsageQuery(store: try Self.store())
        let report = try query.stats(since: Self.now.addingTimeInterval(-3600), until: Self.now, by: .model)
        #expect(report.rows.map(\.key) == ["prov,a", "prov,b"])
        let a = report.rows[0]
        #expect(a.requests == 20 && a.errors == 0)
        #expect(a.inputTokens == 2000 && a.outputTokens == 200 && a.cacheReadTokens == 1000)
        #expect(abs((a.costUSD ?? -1) - 0.2) < 1e-9)
        #expect(abs((a.savedUSD ?? -1) - (20 - 0.2)) < 1e-9)
        // Nearest rank: p50 of 10…200 is the 10th value, p95 the 19th.
        #expect(a.ttftP50 == 100 && a.ttftP95 == 190)
        #expect(a.durationP50 == 1000 && a.durationP95 == 1900)
        let b = report.rows[1]
        #expect(b.requests == 2 && b.errors == 1 && b.unpriced == 1)
        // The priced one only; the unknown price is not counted as 0 and is flagged.
        #expect(b.costUSD == 0.5)
        #expect(report.totals.requests == 22 && report.totals.errors == 1)
        #expect(abs((report.totals.costUSD ?? -1) - 0.7) < 1e-9)
    }

    @Test func everyGrouping() throws {
        let query = UsageQuery(store: try Self.store())
        let since = Self.now.addingTimeInterval(-3600)
        var keys: [StatsGrouping: [String]] = [:]
        for grouping in StatsGrouping.allCases {
            let report = try query.stats(since: since, until: Self.now, by: grouping)
            #expect(report.totals.requests == 22, "\(grouping)")
            #expect(report.rows.map(\.requests).reduce(0, +) == 22, "\(grouping)")
            keys[grouping] = report.rows.map(\.key)
        }
        #expect(keys[.route] == ["default", "think"])
        #expect(keys[.provider] == ["prov"])
        #expect(keys[.session] == ["s1", "s2"])
        #expect(keys[.project] == ["/p"])
        #expect(keys[.client] == ["claude-code"])
        #expect(keys[.day]?.allSatisfy { $0.count == 10 } == true)
        #expect(keys[.hour]?.allSatisfy { $0.hasSuffix(":00") } == true)
    }

    @Test func groupWithOnlyUnknownPricesHasNoCost() throws {
        let store = try UsageStore(path: try UsageStoreTests.directory() + "/usage.sqlite")
        try store.insert([UsageRow(startedAt: Self.now, requestedModel: "x", provider: "p", model: "m", costUSD: nil)])
        let report = try UsageQuery(store: store).stats(
            since: Self.now.addingTimeInterval(-60),
            until: Self.now.addingTimeInterval(1),
            by: .model
        )
        #expect(report.rows.first?.costUSD == nil)
        #expect(StatsFormat.cells(try #require(report.rows.first))[6] == "-")
        #expect(StatsFormat.json(report).contains(#""cost_usd":null"#))
    }

    @Test func windows() {
        let now = Date(timeIntervalSince1970: 1_790_000_000)
        #expect(StatsTime.parse("24h", now: now) == now.addingTimeInterval(-86_400))
        #expect(StatsTime.parse("7d", now: now) == now.addingTimeInterval(-7 * 86_400))
        #expect(StatsTime.parse("30m", now: now) == now.addingTimeInterval(-1800))
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        #expect(
            StatsTime.parse("2026-11-01", now: now, calendar: calendar) == Date(timeIntervalSince1970: 1_793_491_200)
        )
        #expect(StatsTime.parse("yesterday", now: now) == nil)
        #expect(StatsTime.parse("now", now: now) == now)
    }

    @Test func formats() throws {
        let query = UsageQuery(store: try Self.store())
        let report = try query.stats(since: Self.now.addingTimeInterval(-3600), until: Self.now, by: .route)
        let json = try JSONParser.parse(StatsFormat.json(report))
        #expect(json["totals"]?["requests"]?.intValue == 22)
        let rows = try #require(json["rows"]?.arrayValue)
        #expect(rows.count == 2)
        let keys = Set(rows[0].objectValue?.keys ?? [])
        #expect(
            keys == [
                "key", "requests", "errors", "input_tokens", "output_tokens", "cache_read_tokens", "cost_usd",
                "saved_usd",
                "ttft_p50_ms", "ttft_p95_ms", "duration_p50_ms", "duration_p95_ms",
            ]
        )
        #expect(json["since"]?.stringValue != nil && json["until"]?.stringValue != nil)
        let csv = StatsFormat.csv(report).split(separator: "\n")
        #expect(csv.first == Substring(StatsFormat.csvHeader))
        #expect(csv.count == 4 && csv.last?.hasPrefix("total,22,1,") == true)
        let table = StatsFormat.table(report)
        #expect(table.contains("ROUTE") && table.contains("default") && table.contains("total"))
        // think has an unpriced request: its cost is a lower bound.
        #expect(table.contains("$0.50+"))
    }

    // MARK: - Dashboard queries

    @Test func todayAndCostPerRoute() throws {
        let query = UsageQuery(store: try Self.store())
        let now = Self.now
        let today = try query.today(now: now)
        let startOfDay = Calendar.current.startOfDay(for: now)
        let expected =
            (1...20).filter { now.addingTimeInterval(-Double($0) * 60) >= startOfDay }.count
            + [5.0, 6.0].filter { now.addingTimeInterval(-$0 * 60) >= startOfDay }.count
            + (now.addingTimeInterval(-1800 * 60) >= startOfDay ? 1 : 0)
        #expect(today.requests == expected)
        let costs = try query.costTodayByRoute(now: now)
        if expected == 23 {
            #expect(abs(((costs["default"] ?? nil) ?? -1) - 9.2) < 1e-9)
        }
    }

    @Test func tokensPerMinutePerRoute() throws {
        let query = UsageQuery(store: try Self.store())
        let series = try query.tokensPerMinute(minutes: 30, now: Self.now)
        let defaultSeries = try #require(series["default"])
        #expect(defaultSeries.count == 30)
        // 20 requests, one per minute 1…20 minutes ago, 160 tokens each.
        #expect(defaultSeries.reduce(0, +) == 20 * 160)
        #expect(defaultSeries.last == 0)
        #expect(series["think"]?.reduce(0, +) == 320)
    }

    @Test func histories() throws {
        let store = try Self.store()
        let query = UsageQuery(store: store)
        let hours = try query.last24Hours(by: .route, now: Self.now)
        #expect(hours.map(\.requests).reduce(0, +) == 22)
        let days = try query.lastDays(14, by: .model, now: Self.now)
        #expect(days.map(\.requests).reduce(0, +) == 23)
        #expect(Set(days.map(\.key)) == ["prov,a", "prov,b"])
        // Daily totals outlive pruned rows.
        try store.prune(olderThanDays: 0, now: Self.now.addingTimeInterval(1))
        #expect(try query.lastDays(14, by: .route, now: Self.now).map(\.requests).reduce(0, +) == 23)
    }
}

/// Percentiles by selection agree with sorting.
struct PercentileTests {
    @Test func selectionMatchesSorting() {
        var generator = SystemRandomNumberGenerator()
        for count in [1, 2, 3, 10, 101, 1000] {
            let values = (0..<count).map { _ in Int32.random(in: 0...50, using: &generator) }
            let sorted = values.sorted()
            for fraction in [0.5, 0.95, 0.99, 1.0] {
                var copy = values
                let rank = Int((fraction * Double(count)).rounded(.up))
                #expect(
                    StatsAccumulator.percentile(&copy, fraction) == Int(sorted[max(0, rank - 1)]),
                    "\(count) \(fraction)"
                )
            }
        }
    }
}
