import Foundation
import Proxy

/// What the dashboard shows from the usage ledger: read every few seconds by ``LedgerFeed``
/// (off the render loop) and folded into ``DashboardState`` with ``DashboardState/applyLedger(_:)``.
struct LedgerSnapshot: Equatable, Sendable {
    /// Today's totals (every run of today, not only this one); `nil` until the file could be read.
    var today: StatsRow?
    /// Today's totals per route (the route's name as the ledger stores it).
    var routes: [String: StatsRow] = [:]
    /// Tokens per minute per route over the last ``LedgerFeed/sparklineMinutes`` minutes, oldest first.
    var tokensPerMinute: [String: [Int]] = [:]
    /// The writer's state: rows waiting, why it cannot write, the budgets.
    var status: LedgerStatus?
    /// Why the file could not be read (the header says so rather than showing stale totals as today's).
    var readError: String?
    /// The requests of earlier runs, newest first: read once, at start.
    var past: [UsageQuery.PastRequest]?
    /// The History view's data, read while the view is open.
    var history: LedgerHistory?
}

/// The History view's data: the last 24 hours by hour and the last 14 days by day, by route and
/// by model, and the models' latency and errors over the 14 days.
struct LedgerHistory: Equatable, Sendable {
    /// Read at (the view says how old it is).
    var readAt: Date
    var hoursByRoute: [UsageQuery.HistoryBucket]
    var hoursByModel: [UsageQuery.HistoryBucket]
    var daysByRoute: [UsageQuery.HistoryBucket]
    var daysByModel: [UsageQuery.HistoryBucket]
    /// Per model (`provider,model`), the last 14 days: TTFT and duration percentiles, errors.
    var models: [StatsRow]

    static let days = 14
}
