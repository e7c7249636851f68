import Foundation

/// `stats` output: a table like ccusage's, one JSON object, or CSV.
public enum StatsFormat {
    static func isoDate(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: date)
    }

    /// `{"since": …, "until": …, "totals": {…}, "rows": [{"key": …, …}]}`.
    public static func json(_ report: StatsReport) -> String {
        var writer = JSONWriter()
        writer.raw(#"{"since":"#)
        writer.string(isoDate(report.since))
        writer.raw(#","until":"#)
        writer.string(isoDate(report.until))
        writer.raw(#","by":"#)
        writer.string(report.grouping.rawValue)
        writer.raw(#","totals":"#)
        object(report.totals, key: false, into: &writer)
        writer.raw(#","rows":["#)
        for (index, row) in report.rows.enumerated() {
            if index > 0 { writer.raw(",") }
            object(row, key: true, into: &writer)
        }
        writer.raw("]}")
        return String(decoding: writer.bytes, as: UTF8.self)
    }

    private static func object(_ row: StatsRow, key: Bool, into writer: inout JSONWriter) {
        writer.raw("{")
        if key {
            writer.raw(#""key":"#)
            writer.string(row.key)
            writer.raw(",")
        }
        writer.raw(#""requests":\#(row.requests),"errors":\#(row.errors),"input_tokens":\#(row.inputTokens),"#)
        writer.raw(#""output_tokens":\#(row.outputTokens),"cache_read_tokens":\#(row.cacheReadTokens),"#)
        writer.raw(#""cost_usd":\#(number(row.costUSD)),"saved_usd":\#(number(row.savedUSD)),"#)
        writer.raw(#""ttft_p50_ms":\#(number(row.ttftP50)),"ttft_p95_ms":\#(number(row.ttftP95)),"#)
        writer.raw(#""duration_p50_ms":\#(number(row.durationP50)),"duration_p95_ms":\#(number(row.durationP95))}"#)
    }

    static func number(_ value: Double?) -> String {
        guard let value, value.isFinite else { return "null" }
        return String(format: "%.6f", value)
    }

    static func number(_ value: Int?) -> String { value.map(String.init) ?? "null" }

    static let csvHeader =
        "key,requests,errors,input_tokens,output_tokens,cache_read_tokens,cost_usd,saved_usd,ttft_p50_ms,ttft_p95_ms,duration_p50_ms,duration_p95_ms"

    /// A header line, one line per group, and a `total` line.
    public static func csv(_ report: StatsReport) -> String {
        var lines = [csvHeader]
        for row in report.rows + [report.totals] {
            let fields: [String] = [
                csvField(row.key), "\(row.requests)", "\(row.errors)", "\(row.inputTokens)", "\(row.outputTokens)",
                "\(row.cacheReadTokens)", row.costUSD.map { String(format: "%.6f", $0) } ?? "",
                row.savedUSD.map { String(format: "%.6f", $0) } ?? "", row.ttftP50.map(String.init) ?? "",
                row.ttftP95.map(String.init) ?? "", row.durationP50.map(String.init) ?? "",
                row.durationP95.map(String.init) ?? "",
            ]
            lines.append(fields.joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static func csvField(_ text: String) -> String {
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// The table: one line per group, a rule, the total. Unknown costs show `-`; a cost that
    /// leaves out unpriced requests ends in `+`.
    public static func table(_ report: StatsReport) -> String {
        let header = [
            report.grouping.rawValue.uppercased(), "REQ", "ERR", "IN", "OUT", "CACHE", "COST", "SAVED", "TTFT p50/95",
            "TIME p50/95",
        ]
        var body: [[String]] = report.rows.map(cells)
        let total = cells(report.totals)
        let widths = header.indices.map { column in
            ([header[column], total[column]] + body.map { $0[column] }).map(\.count).max() ?? 0
        }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { column, text in
                column == 0
                    ? text.padding(toLength: widths[column], withPad: " ", startingAt: 0)
                    : String(repeating: " ", count: widths[column] - text.count) + text
            }.joined(separator: "  ")
        }
        var output = [
            "Usage \(display(report.since)) – \(display(report.until)) by \(report.grouping.rawValue)", line(header),
        ]
        if body.isEmpty { body = [] }
        output += body.map(line)
        output.append(String(repeating: "─", count: widths.reduce(0, +) + 2 * (widths.count - 1)))
        output.append(line(total))
        return output.joined(separator: "\n") + "\n"
    }

    static func cells(_ row: StatsRow) -> [String] {
        let key = row.key.count > 48 ? "…" + row.key.suffix(47) : row.key
        return [
            key, "\(row.requests)", "\(row.errors)", tokens(row.inputTokens), tokens(row.outputTokens),
            tokens(row.cacheReadTokens), usd(row.costUSD, partial: row.unpriced > 0 && row.costUSD != nil),
            usd(row.savedUSD, partial: false), pair(row.ttftP50, row.ttftP95, seconds: false),
            pair(row.durationP50, row.durationP95, seconds: true),
        ]
    }

    static func tokens(_ value: Int) -> String {
        switch value {
        case ..<1_000: return "\(value)"
        case ..<1_000_000: return String(format: "%.1fk", Double(value) / 1_000)
        case ..<1_000_000_000: return String(format: "%.1fM", Double(value) / 1_000_000)
        default: return String(format: "%.1fG", Double(value) / 1_000_000_000)
        }
    }

    static func usd(_ value: Double?, partial: Bool) -> String {
        guard let value else { return "-" }
        return String(format: "$%.2f", value) + (partial ? "+" : "")
    }

    static func pair(_ p50: Int?, _ p95: Int?, seconds: Bool) -> String {
        guard let p50, let p95 else { return "-" }
        if seconds { return String(format: "%.1f/%.1fs", Double(p50) / 1000, Double(p95) / 1000) }
        return "\(p50)/\(p95)ms"
    }

    /// A moment as the report's header shows it: `2026-11-24 17:14`, local time.
    public static func display(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.dateFormat = "yyyy-MM-dd HH:mm"
        return formatter.string(from: date)
    }
}
