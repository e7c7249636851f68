import Foundation
import Proxy

extension SessionsView {
    /// The Sessions box's lines for `width` columns and at most `height` lines: a header, then
    /// one line per session (live ones marked `*`), scrolled to keep the selection in view.
    static func lines(
        _ rows: [SessionRow],
        selected: Int,
        width: Int,
        height: Int,
        now: Date = Date(),
        ellipsis: String = "…"
    ) -> [(String, CellGrid.Style)] {
        let wide = width >= 70
        var columns: [TableLayout.Column] = [
            .left("LAST", 6), .left("PROJECT", 0), .right("REQ", 5), .right("TOKENS", 7), .right("COST", 8),
        ]
        if wide { columns.insert(.left("ENTRY", 8), at: 2) }
        if width >= 96 { columns.append(.left("MODELS", 24)) }
        let table = TableLayout(columns, flexible: "PROJECT", minimum: 8, width: max(20, width), ellipsis: ellipsis)
        var lines: [(String, CellGrid.Style)] = [(table.header, .dim)]
        if rows.isEmpty {
            lines.append(("No Claude Code sessions yet (reading the data directory…)", .dim))
            return lines
        }
        let room = max(1, height - 1)
        let first = max(0, min(selected - room / 2, rows.count - room))
        for (index, row) in rows.enumerated().dropFirst(first).prefix(room) {
            var values = [
                (row.live ? "*" : " ") + SessionFormat.age(row.lastActivity, now: now),
                SessionFormat.shortProject(row.project, width: 40),
                row.requests > 0 ? "\(row.requests)" : "-",
                row.tokens > 0 ? SessionFormat.count(row.tokens) : "-",
                SessionFormat.cost(row.costUSD),
            ]
            if wide { values.insert(row.entrypoint, at: 2) }
            if width >= 96 { values.append(row.models.joined(separator: " ")) }
            lines.append((table.row(values), index == selected ? .reverse : .plain))
        }
        return lines
    }
}
