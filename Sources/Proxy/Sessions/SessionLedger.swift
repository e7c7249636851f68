import Foundation
import GRDB

/// The usage ledger's side of sessions: each session's requests, tokens, cost and models.
extension UsageQuery {
    /// Totals per Claude Code session id over the ledger's per-request rows (requests without
    /// a session id are left out). One pass, grouped in SQLite.
    public func sessionTraffic(since: Date? = nil) throws -> [String: SessionTraffic] {
        try store.read { db in
            let names = try UsageStore.names(db)
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT session, provider, model, count(*),
                    sum(CASE WHEN status BETWEEN 200 AND 299 THEN 0 ELSE 1 END),
                    sum(input_tokens), sum(output_tokens), sum(cache_read_tokens), sum(cost_usd),
                    min(started_at), max(started_at), max(project), max(client)
                    FROM request WHERE session IS NOT NULL AND started_at >= ?
                    GROUP BY session, provider, model
                    """,
                arguments: [since.map(Self.milliseconds) ?? Int64.min]
            )
            var result: [String: SessionTraffic] = [:]
            var modelCounts: [String: [(String, Int)]] = [:]
            for row in rows {
                guard let session = (row[0] as Int64?).flatMap({ names[$0] }) else { continue }
                var traffic = result[session] ?? SessionTraffic()
                let requests: Int = row[3]
                traffic.requests += requests
                traffic.errors += row[4] as Int
                traffic.inputTokens += row[5] as Int
                traffic.outputTokens += row[6] as Int
                traffic.cacheReadTokens += row[7] as Int
                if let cost = row[8] as Double? { traffic.costUSD = (traffic.costUSD ?? 0) + cost }
                let first = Date(timeIntervalSince1970: Double(row[9] as Int64) / 1000)
                let last = Date(timeIntervalSince1970: Double(row[10] as Int64) / 1000)
                traffic.firstRequest = min(traffic.firstRequest ?? first, first)
                traffic.lastRequest = max(traffic.lastRequest ?? last, last)
                traffic.project = traffic.project ?? (row[11] as Int64?).flatMap { names[$0] }
                traffic.client = traffic.client ?? (row[12] as Int64?).flatMap { names[$0] }
                if let provider = (row[1] as Int64?).flatMap({ names[$0] }),
                    let model = (row[2] as Int64?).flatMap({ names[$0] })
                {
                    modelCounts[session, default: []].append((provider + "," + model, requests))
                }
                result[session] = traffic
            }
            for (session, counts) in modelCounts {
                result[session]?.models = counts.sorted { $0.1 != $1.1 ? $0.1 > $1.1 : $0.0 < $1.0 }.map(\.0)
            }
            return result
        }
    }

    /// The ledger's rows for one session, oldest first.
    public func rows(session: String) throws -> [UsageRow] {
        try store.read { db in
            guard let id = try Int64.fetchOne(db, sql: "SELECT id FROM name WHERE text = ?", arguments: [session])
            else { return [] }
            let names = try UsageStore.names(db)
            return try Row.fetchAll(db, sql: "SELECT * FROM request WHERE session = ? ORDER BY id", arguments: [id])
                .map { UsageStore.row($0, names: names) }
        }
    }
}

extension SessionTraffic {
    /// Totals of this run's rows (when there is no ledger), by session id.
    public static func fold(_ rows: [UsageRow]) -> [String: SessionTraffic] {
        var result: [String: SessionTraffic] = [:]
        var counts: [String: [String: Int]] = [:]
        for row in rows {
            guard let session = row.sessionID else { continue }
            var traffic = result[session] ?? SessionTraffic()
            traffic.requests += 1
            if row.isError { traffic.errors += 1 }
            traffic.inputTokens += row.inputTokens
            traffic.outputTokens += row.outputTokens
            traffic.cacheReadTokens += row.cacheReadTokens
            if let cost = row.costUSD { traffic.costUSD = (traffic.costUSD ?? 0) + cost }
            traffic.firstRequest = min(traffic.firstRequest ?? row.startedAt, row.startedAt)
            traffic.lastRequest = max(traffic.lastRequest ?? row.startedAt, row.startedAt)
            traffic.project = traffic.project ?? row.project
            traffic.client = traffic.client ?? row.client
            if let provider = row.provider, let model = row.model {
                counts[session, default: [:]][provider + "," + model, default: 0] += 1
            }
            result[session] = traffic
        }
        for (session, models) in counts {
            result[session]?.models = models.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
                .map(\.key)
        }
        return result
    }
}
