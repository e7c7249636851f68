import Foundation

@testable import Dashboard
@testable import Proxy

/// The fixture dashboard with the usage ledger on and read: today's totals from several runs,
/// today's cost per route (one route without a known price, one free), the last 30 minutes'
/// tokens per minute, three requests of earlier runs, and the History view's data. Times are
/// relative to ``DashboardFixture/now`` (15:06:40 UTC); the zone is UTC.
enum LedgerFixture {
    static let now = DashboardFixture.now

    static func row(_ key: String, requests: Int, cost: Double?, unpriced: Int = 0) -> StatsRow {
        var row = StatsRow(key: key)
        row.requests = requests
        row.inputTokens = requests * 9_000
        row.outputTokens = requests * 400
        row.costUSD = cost
        row.unpriced = unpriced
        return row
    }

    static var today: StatsRow {
        var today = row("total", requests: 48, cost: 3.41)
        today.inputTokens = 1_100_000
        today.cacheReadTokens = 50_000
        today.outputTokens = 40_000
        return today
    }

    static var status: LedgerStatus {
        LedgerStatus(
            path: "/home/ada/.local/state/switchboard/usage.sqlite",
            warning: nil,
            waiting: 0,
            budget: BudgetStatus(level: .ok, spentToday: 3.41, spentThisMonth: 20, message: nil)
        )
    }

    static func pastRow(
        minutesAgo: Double,
        number: Int64,
        route: String,
        model: String,
        status: Int = 200,
        cost: Double? = 0.012
    ) -> UsageRow {
        UsageRow(
            startedAt: now.addingTimeInterval(-minutesAgo * 60),
            instance: "ada-laptop",
            requestID: number,
            client: "claude-code",
            requestedModel: "claude-sonnet-4-5",
            route: route,
            routeReason: "no other rule matched",
            provider: String(model.split(separator: ",")[0]),
            model: String(model.split(separator: ",")[1]),
            status: status,
            errorType: status == 200 ? nil : "rate_limit_error",
            stopReason: status == 200 ? "end_turn" : nil,
            inputTokens: 12_000,
            outputTokens: status == 200 ? 640 : 0,
            ttftMilliseconds: status == 200 ? 450 : nil,
            durationMilliseconds: 5_200,
            requestBytes: 48_000,
            answerBytes: 3_100,
            costUSD: cost
        )
    }

    /// Newest first, as the ledger returns them: two this morning, one yesterday.
    static var past: [UsageQuery.PastRequest] {
        [
            .init(
                ledgerID: 41,
                row: pastRow(minutesAgo: 95, number: 17, route: "default", model: DashboardFixture.glm)
            ),
            .init(
                ledgerID: 40,
                row: pastRow(
                    minutesAgo: 130,
                    number: 16,
                    route: "think",
                    model: DashboardFixture.reasoner,
                    status: 429,
                    cost: nil
                )
            ),
            .init(
                ledgerID: 12,
                row: pastRow(minutesAgo: 24 * 60, number: 3, route: "background", model: DashboardFixture.minimax)
            ),
        ]
    }

    static func bucket(_ bucket: String, _ key: String, requests: Int, cost: Double?) -> UsageQuery.HistoryBucket {
        UsageQuery.HistoryBucket(bucket: bucket, key: key, requests: requests, tokens: requests * 9_400, costUSD: cost)
    }

    static var history: LedgerHistory {
        let hours = HistoryView.hourKeys(now: now, timeZone: DashboardFixture.utc)
        let days = HistoryView.dayKeys(now: now, timeZone: DashboardFixture.utc)
        var hoursByRoute: [UsageQuery.HistoryBucket] = []
        var hoursByModel: [UsageQuery.HistoryBucket] = []
        for (index, hour) in hours.enumerated() where index % 3 != 1 {
            let requests = 1 + (index * 7) % 11
            hoursByRoute.append(bucket(hour, "default", requests: requests, cost: Double(requests) * 0.05))
            hoursByModel.append(bucket(hour, DashboardFixture.glm, requests: requests, cost: 0))
            if index > 12 {
                hoursByRoute.append(bucket(hour, "think", requests: index % 4, cost: nil))
                hoursByModel.append(bucket(hour, DashboardFixture.reasoner, requests: index % 4, cost: nil))
            }
        }
        var daysByRoute: [UsageQuery.HistoryBucket] = []
        var daysByModel: [UsageQuery.HistoryBucket] = []
        for (index, day) in days.enumerated() where index != 5 {
            let requests = 20 + (index * 13) % 40
            daysByRoute.append(bucket(day, "default", requests: requests, cost: Double(requests) * 0.05))
            daysByRoute.append(bucket(day, "background", requests: requests / 3, cost: 0))
            daysByModel.append(bucket(day, DashboardFixture.glm, requests: requests, cost: Double(requests) * 0.05))
            daysByModel.append(bucket(day, DashboardFixture.minimax, requests: requests / 3, cost: 0))
        }
        var glm = row(DashboardFixture.glm, requests: 400, cost: 12)
        (glm.ttftP50, glm.ttftP95, glm.durationP50, glm.durationP95) = (420, 1_900, 5_100, 21_000)
        glm.errors = 4
        var reasoner = row(DashboardFixture.reasoner, requests: 30, cost: nil, unpriced: 30)
        (reasoner.ttftP50, reasoner.ttftP95, reasoner.durationP50, reasoner.durationP95) = (
            2_300, 9_800, 31_000, 64_000
        )
        reasoner.errors = 9
        var minimax = row(DashboardFixture.minimax, requests: 120, cost: 0)
        (minimax.ttftP50, minimax.ttftP95, minimax.durationP50, minimax.durationP95) = (300, 700, 900, 2_400)
        return LedgerHistory(
            readAt: now,
            hoursByRoute: hoursByRoute,
            hoursByModel: hoursByModel,
            daysByRoute: daysByRoute,
            daysByModel: daysByModel,
            models: [glm, reasoner, minimax]
        )
    }

    static var snapshot: LedgerSnapshot {
        LedgerSnapshot(
            today: today,
            routes: [
                "default": row("default", requests: 30, cost: 2.1),
                "background": row("background", requests: 10, cost: 0),
                "think": row("think", requests: 8, cost: nil, unpriced: 8),
            ],
            tokensPerMinute: [
                "default": (0..<30).map { $0 % 7 == 3 ? 0 : 1_000 + ($0 * 733) % 9_000 },
                "think": (0..<30).map { $0 > 24 ? 4_000 : 0 },
            ],
            status: status,
            past: past,
            history: history
        )
    }

    /// The fixture dashboard, ledger on, after `snapshot` was folded in.
    static func state(_ snapshot: LedgerSnapshot = LedgerFixture.snapshot) -> DashboardState {
        var state = DashboardFixture.state()
        state.ledgerEnabled = true
        state.applyLedger(snapshot)
        return state
    }
}
