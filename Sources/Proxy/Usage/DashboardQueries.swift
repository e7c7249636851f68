import Foundation
import GRDB

/// What the dashboard reads from the ledger, every few seconds, off its render loop: today's
/// totals and routes, the routes' tokens per minute, past requests, and the History view.
extension UsageQuery {
    /// One request read back from the ledger, with the ledger's own row id (unique across runs,
    /// unlike the request number, which starts again at 1 in every run).
    public struct PastRequest: Sendable, Equatable {
        /// The ledger's row id.
        public var ledgerID: Int64
        /// The request as the ledger keeps it.
        public var row: UsageRow
    }

    /// The newest `limit` requests started before `before`, newest first. The dashboard asks for
    /// those before its own start: the rows of earlier runs.
    public func recentRequests(limit: Int, before: Date) throws -> [PastRequest] {
        try store.read { db in
            let names = try UsageStore.names(db)
            return try Row.fetchAll(
                db,
                sql: "SELECT * FROM request WHERE started_at < ? ORDER BY id DESC LIMIT ?",
                arguments: [Self.milliseconds(before), max(0, limit)]
            ).map { PastRequest(ledgerID: $0["id"], row: UsageStore.row($0, names: names)) }
        }
    }

    /// Today's totals (since local midnight) and one row per route, in one pass.
    public func todayByRoute(now: Date = Date(), calendar: Calendar = .current) throws -> (
        totals: StatsRow, routes: [StatsRow]
    ) {
        let report = try stats(since: calendar.startOfDay(for: now), until: now.addingTimeInterval(1), by: .route)
        return (report.totals, report.rows)
    }
}
