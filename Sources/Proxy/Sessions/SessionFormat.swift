import Foundation

/// `sessions` output: a table, one JSON object per session (JSON lines), and `show`'s page.
public enum SessionFormat {
    /// One JSON object per line, newest session first.
    public static func jsonLines(_ sessions: [SessionSummary]) -> String {
        sessions.map(json).joined(separator: "\n")
    }

    /// `{"id", "project", "first_prompt", "last_prompt", "messages", "bytes", "started",
    /// "last_activity", "live", "entrypoint", "git_branch", "requests", "errors", "input_tokens",
    /// "output_tokens", "cache_read_tokens", "cost_usd", "models", "transcript", "resume"}`.
    public static func json(_ session: SessionSummary) -> String {
        var writer = JSONWriter()
        func key(_ name: String, first: Bool = false) {
            if !first { writer.raw(",") }
            writer.string(name)
            writer.raw(":")
        }
        func optional(_ text: String?) {
            if let text { writer.string(text) } else { writer.raw("null") }
        }
        let traffic = session.traffic
        writer.raw("{")
        key("id", first: true)
        writer.string(session.id)
        key("project")
        writer.string(session.project)
        key("first_prompt")
        optional(session.firstPrompt)
        key("last_prompt")
        optional(session.lastPrompt)
        key("messages")
        writer.int(session.messages)
        key("bytes")
        writer.int(Int(session.bytes))
        key("started")
        optional(session.started.map(ISOTimestamp.format))
        key("last_activity")
        writer.string(ISOTimestamp.format(session.lastActivity))
        key("live")
        writer.raw(session.live ? "true" : "false")
        key("entrypoint")
        optional(session.entrypoint)
        key("git_branch")
        optional(session.gitBranch)
        key("requests")
        writer.int(traffic?.requests ?? 0)
        key("errors")
        writer.int(traffic?.errors ?? 0)
        key("input_tokens")
        writer.int(traffic?.inputTokens ?? 0)
        key("output_tokens")
        writer.int(traffic?.outputTokens ?? 0)
        key("cache_read_tokens")
        writer.int(traffic?.cacheReadTokens ?? 0)
        key("cost_usd")
        if let cost = traffic?.costUSD, cost.isFinite {
            writer.raw(String(format: "%.6f", cost))
        } else {
            writer.raw("null")
        }
        key("models")
        writer.raw("[")
        for (index, model) in (traffic?.models ?? []).enumerated() {
            if index > 0 { writer.raw(",") }
            writer.string(model)
        }
        writer.raw("]")
        key("transcript")
        writer.string(session.transcriptPath)
        key("resume")
        writer.string(session.resumeCommand)
        writer.raw("}")
        return writer.string
    }

    /// The listing as a table: short id, last activity, project, entrypoint, messages, size,
    /// requests, tokens, cost and the first prompt.
    public static func table(_ sessions: [SessionSummary], now: Date = Date()) -> String {
        var lines = [
            pad("SESSION", 9) + pad("LAST", 6) + pad("PROJECT", 24) + pad("ENTRY", 8) + pad("MSGS", 6, right: true)
                + pad("SIZE", 10, right: true) + pad("REQ", 6, right: true) + pad("TOKENS", 9, right: true)
                + pad("COST", 9, right: true) + "  FIRST PROMPT"
        ]
        for session in sessions {
            let traffic = session.traffic
            let tokens = traffic.map { $0.inputTokens + $0.cacheReadTokens + $0.outputTokens }
            var line = pad(String(session.id.prefix(8)), 9)
            line += pad((session.live ? "*" : "") + age(session.lastActivity, now: now), 6)
            line += pad(shortProject(session.project, width: 23), 24)
            line += pad(session.entrypoint ?? "-", 8)
            line += pad("\(session.messages)", 6, right: true)
            line += pad(bytes(session.bytes), 10, right: true)
            line += pad(traffic.map { "\($0.requests)" } ?? "-", 6, right: true)
            line += pad(tokens.map(count) ?? "-", 9, right: true)
            line += pad(cost(traffic?.costUSD), 9, right: true)
            line += "  " + String((session.firstPrompt ?? "").prefix(60))
            lines.append(line)
        }
        let live = sessions.filter(\.live).count
        lines.append(
            "\(sessions.count) session\(sessions.count == 1 ? "" : "s"), \(bytes(sessions.reduce(0) { $0 + $1.bytes })) on disk"
                + (live > 0 ? ", \(live) live (*)" : "")
        )
        return lines.joined(separator: "\n")
    }

    /// `show`: the summary, every turn with the model that answered, and the resume command.
    public static func show(_ session: SessionSummary, turns: SessionTurns, now: Date = Date()) -> String {
        var lines: [String] = []
        lines.append("session     \(session.id)\(session.live ? "  (live)" : "")")
        lines.append("project     \(session.project)")
        if let branch = session.gitBranch { lines.append("git branch  \(branch)") }
        lines.append("entrypoint  \(session.entrypoint ?? "-")\(session.version.map { "  (Claude Code \($0))" } ?? "")")
        lines.append(
            "activity    \(session.started.map(ISOTimestamp.format) ?? "-") → \(ISOTimestamp.format(session.lastActivity))"
        )
        lines.append("on disk     \(session.messages) messages, \(bytes(session.bytes))  \(session.transcriptPath)")
        if let traffic = session.traffic {
            lines.append(
                "traffic     \(traffic.requests) requests (\(traffic.errors) failed), "
                    + "\(count(traffic.inputTokens + traffic.cacheReadTokens)) in, \(count(traffic.outputTokens)) out, "
                    + "cost \(cost(traffic.costUSD))"
            )
            if !traffic.models.isEmpty { lines.append("models      \(traffic.models.joined(separator: ", "))") }
        } else {
            lines.append("traffic     none in the ledger")
        }
        lines.append("")
        lines.append("turns")
        for (number, turn) in turns.turns.enumerated() {
            let time = turn.time.map { String(ISOTimestamp.format($0).dropFirst(11).prefix(8)) } ?? "--:--:--"
            lines.append(
                "  \(number + 1). \(time)  \(turn.prompt.isEmpty ? "(no prompt)" : String(turn.prompt.prefix(90)))"
            )
            for answer in turn.answers {
                let model = answer.servedBy ?? answer.model.map { "\($0) (not in the ledger)" } ?? "-"
                var line = "       → \(model)"
                if let requested = answer.requestedModel, requested != answer.model { line += "  for \(requested)" }
                line += "  \(count(answer.inputTokens)) in, \(count(answer.outputTokens)) out"
                if answer.servedBy != nil { line += ", \(cost(answer.costUSD))" }
                lines.append(line)
            }
        }
        if turns.malformedLines + turns.unknownRecords > 0 {
            lines.append(
                "  (skipped \(turns.malformedLines) malformed line(s) and \(turns.unknownRecords) record(s) of unknown type)"
            )
        }
        lines.append("")
        lines.append("resume      \(session.resumeCommand)")
        return lines.joined(separator: "\n")
    }

    static func pad(_ text: String, _ width: Int, right: Bool = false) -> String {
        let clipped = text.count > width - 1 ? String(text.prefix(width - 1)) : text
        let fill = String(repeating: " ", count: max(0, width - clipped.count))
        return right ? fill + clipped : clipped + fill
    }

    /// The last path components that fit, `…/app/sub`.
    public static func shortProject(_ project: String, width: Int) -> String {
        if project.count <= width { return project }
        var parts = project.split(separator: "/").map(String.init)
        while parts.count > 1, parts.joined(separator: "/").count + 2 > width { parts.removeFirst() }
        let joined = "…/" + parts.joined(separator: "/")
        return joined.count <= width ? joined : "…" + String(joined.suffix(width - 1))
    }

    /// `45s`, `12m`, `3h`, `9d`.
    public static func age(_ date: Date, now: Date) -> String {
        let seconds = max(0, Int(now.timeIntervalSince(date)))
        if seconds < 60 { return "\(seconds)s" }
        if seconds < 3600 { return "\(seconds / 60)m" }
        if seconds < 86_400 { return "\(seconds / 3600)h" }
        return "\(seconds / 86_400)d"
    }

    /// `812 B`, `14.2 KB`, `3.1 MB`, `1.2 GB`.
    public static func bytes(_ value: Int64) -> String {
        let number = Double(value)
        if number < 1000 { return "\(value) B" }
        if number < 1e6 { return String(format: "%.1f KB", number / 1e3) }
        if number < 1e9 { return String(format: "%.1f MB", number / 1e6) }
        return String(format: "%.1f GB", number / 1e9)
    }

    /// `812`, `14.2k`, `3.1M`.
    public static func count(_ value: Int) -> String {
        if value < 1000 { return "\(value)" }
        if value < 1_000_000 { return String(format: "%.1fk", Double(value) / 1e3) }
        return String(format: "%.1fM", Double(value) / 1e6)
    }

    /// `$0.0123`, `$0.00` for free, `-` when unknown.
    public static func cost(_ value: Double?) -> String {
        guard let value, value.isFinite else { return "-" }
        return value == 0 ? "$0.00" : String(format: value < 1 ? "$%.4f" : "$%.2f", value)
    }

    /// `50MB`, `1.5GB`, `800k`, `1024` (bytes); `nil` when not a size.
    public static func parseBytes(_ text: String) -> Int64? {
        let trimmed = text.trimmingCharacters(in: .whitespaces).uppercased()
        let units: [(String, Double)] = [
            ("GIB", 1_073_741_824), ("MIB", 1_048_576), ("KIB", 1024), ("GB", 1e9), ("MB", 1e6), ("KB", 1e3),
            ("G", 1e9), ("M", 1e6), ("K", 1e3), ("B", 1),
        ]
        for (unit, scale) in units where trimmed.hasSuffix(unit) {
            guard let number = Double(trimmed.dropLast(unit.count).trimmingCharacters(in: .whitespaces)),
                number >= 0, number.isFinite
            else { return nil }
            return Int64(number * scale)
        }
        guard let number = Int64(trimmed), number >= 0 else { return nil }
        return number
    }
}
