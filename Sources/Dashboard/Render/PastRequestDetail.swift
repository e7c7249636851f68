import Foundation
import Proxy

/// How a request of an earlier run (read back from the ledger) is shown: its time with the day
/// when it is not today's, and a detail made of its ledger row, saying that its output was
/// never stored.
extension Renderer {
    /// The Requests pane's TIME: the time of day, or the date (`11-29`) for an earlier day's request.
    func listTime(_ record: RequestRecord) -> String {
        guard record.isPast else { return Format.time(record.startedAt, zone: timeZone) }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        guard !calendar.isDate(record.startedAt, inSameDayAs: now) else {
            return Format.time(record.startedAt, zone: timeZone)
        }
        let parts = calendar.dateComponents([.month, .day, .hour, .minute], from: record.startedAt)
        return String(format: "%02d-%02d", parts.month ?? 0, parts.day ?? 0)
    }

    /// The detail pane's lines for a past request, wrapped to `width`.
    static func pastDetailLines(
        _ record: RequestRecord,
        row: UsageRow,
        width: Int,
        theme: Theme,
        timeZone: TimeZone,
        now: Date
    ) -> [(String, CellGrid.Style)] {
        var lines: [(String, CellGrid.Style)] = []
        func add(_ text: String, _ style: CellGrid.Style = .plain) {
            for line in wrap(text, width: width) { lines.append((line, style)) }
        }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let day = calendar.dateComponents([.year, .month, .day], from: record.startedAt)
        let date = String(format: "%04d-%02d-%02d", day.year ?? 0, day.month ?? 0, day.day ?? 0)
        add("Request \(record.label) at \(date) \(Format.time(record.startedAt, zone: timeZone))", .bold)
        add("From an earlier run, read back from the usage ledger.", .dim)
        let target = record.target?.description ?? "-"
        add("Route: \(row.route ?? "-") \(theme.arrow) \(target)  (asked for \(row.requestedModel))")
        if let reason = row.routeReason { add("  why: \(reason)", .dim) }
        var tries = "Attempts: \(row.attempts)"
        if row.retries > 0 { tries += ", \(row.retries) retries" }
        if row.fallbacks > 0 { tries += ", \(row.fallbacks) fallbacks" }
        if let key = row.keyIndex { tries += ", key #\(key + 1)" }
        add(tries)
        add("Client: \(row.client)" + (row.instance.isEmpty ? "" : " on \(row.instance)"))
        if let project = row.project { add("Project: \(project)") }
        if let session = row.sessionID { add("Session: \(session)", .dim) }
        add("Size: \(Format.bytes(row.requestBytes)) asked, \(Format.bytes(row.answerBytes)) answered")
        var tokens = "Tokens: in \(row.inputTokens + row.cacheReadTokens)"
        if row.cacheReadTokens > 0 { tokens += " (cache read \(row.cacheReadTokens))" }
        tokens += ", out \(row.outputTokens)"
        if row.estimated { tokens += " (estimated: the provider sent no usage)" }
        add(tokens)
        var cost = "Cost: \(Format.usd(row.costUSD))"
        if row.costUSD == nil { cost += " (no known price)" } else if row.free { cost += " (free)" }
        if let saved = row.savedUSD { cost += ", \(Format.usd(saved)) less than Anthropic's list price" }
        add(cost)
        var timing = "Time: TTFT \(Format.milliseconds(record.ttft?.milliseconds)), "
        timing += "total \(Format.milliseconds(record.duration?.milliseconds))"
        if let rate = record.tokensPerSecond { timing += ", \(Format.rate(rate)) tok/s" }
        add(timing)
        if row.isError {
            add("Error: \(row.status) \(row.errorType ?? "-")", .color(.red, bold: true))
        } else {
            add("Status: \(row.status), stop_reason \(row.stopReason ?? "-")", .color(.green))
        }
        lines.append(("", .plain))
        add("Output", .bold)
        add("(not stored: the ledger keeps each request's figures, never its text)", .dim)
        return lines
    }
}
