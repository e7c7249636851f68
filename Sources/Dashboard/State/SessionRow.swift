import Foundation
import Proxy

/// One row of the Sessions view: a Claude Code session as this run saw it (requests, tokens,
/// models) and as its files and the ledger describe it.
struct SessionRow: Equatable {
    var id: String
    /// The working directory, or `session <short id>` when no request or file names it.
    var project: String
    /// The working directory when known.
    var projectPath: String?
    var entrypoint: String
    var requests: Int
    var tokens: Int
    var costUSD: Double?
    var models: [String]
    var lastActivity: Date
    var live: Bool
    /// The session on disk (archive and resume need it); `nil`: only the proxy has seen it.
    var disk: SessionSummary?

    /// A live session goes quiet after this long without a request or a write.
    static let liveWindow: TimeInterval = 300

    /// Sessions seen live first (this run's requests in the last few minutes, or live on disk),
    /// newest first; then the others from disk, newest first. `records` are this run's requests.
    static func rows(records: [RequestRecord], disk: [SessionSummary], now: Date, limit: Int = 500) -> [SessionRow] {
        var seen: [String: SessionRow] = [:]
        var modelCounts: [String: [String: Int]] = [:]
        for record in records {
            guard let id = record.sessionID else { continue }
            var row =
                seen[id]
                ?? SessionRow(
                    id: id,
                    project: record.project ?? "session \(id.prefix(8))",
                    projectPath: record.project,
                    entrypoint: record.client ?? "-",
                    requests: 0,
                    tokens: 0,
                    models: [],
                    lastActivity: record.startedAt,
                    live: false
                )
            row.requests += 1
            row.tokens += record.inputTokens + record.cacheReadTokens + record.outputTokens
            row.lastActivity = max(row.lastActivity, record.startedAt)
            if let model = record.model?.description { modelCounts[id, default: [:]][model, default: 0] += 1 }
            seen[id] = row
        }
        for (id, counts) in modelCounts {
            seen[id]?.models = counts.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.map(\.key)
        }
        var rows: [SessionRow] = []
        var onDisk = Set<String>()
        for summary in disk {
            onDisk.insert(summary.id)
            let traffic = summary.traffic
            var row = SessionRow(
                id: summary.id,
                project: summary.project,
                projectPath: summary.project,
                entrypoint: summary.entrypoint ?? "-",
                requests: traffic?.requests ?? 0,
                tokens: traffic.map { $0.inputTokens + $0.cacheReadTokens + $0.outputTokens } ?? 0,
                costUSD: traffic?.costUSD,
                models: traffic?.models ?? [],
                lastActivity: summary.lastActivity,
                live: summary.live,
                disk: summary
            )
            if let live = seen[summary.id] {
                // The ledger's totals include this run's once written; this run's are the floor.
                row.requests = max(row.requests, live.requests)
                row.tokens = max(row.tokens, live.tokens)
                if row.models.isEmpty { row.models = live.models }
                row.lastActivity = max(row.lastActivity, live.lastActivity)
            }
            rows.append(row)
        }
        for (id, row) in seen where !onDisk.contains(id) { rows.append(row) }
        for index in rows.indices where now.timeIntervalSince(rows[index].lastActivity) < liveWindow {
            if seen[rows[index].id] != nil { rows[index].live = true }
        }
        rows.sort { left, right in
            if left.live != right.live { return left.live }
            return left.lastActivity != right.lastActivity ? left.lastActivity > right.lastActivity : left.id < right.id
        }
        return Array(rows.prefix(limit))
    }

    /// What the Requests pane's session column shows: the project's folder name when it fits
    /// `width`, else the short id.
    static func label(id: String, project: String?, width: Int) -> String {
        if let project, let name = project.split(separator: "/").last, name.count <= width, !name.isEmpty {
            return String(name)
        }
        return String(id.prefix(width))
    }
}
