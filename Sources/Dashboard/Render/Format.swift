import Foundation

/// Compact number and time formats for narrow columns.
enum Format {
    /// 999, 1.2k, 45k, 1.2M.
    static func count(_ value: Int) -> String {
        let magnitude = abs(value)
        switch magnitude {
        case ..<1_000: return "\(value)"
        case ..<10_000: return String(format: "%.1fk", Double(value) / 1_000)
        case ..<1_000_000: return "\(value / 1_000)k"
        case ..<10_000_000: return String(format: "%.1fM", Double(value) / 1_000_000)
        default: return "\(value / 1_000_000)M"
        }
    }

    /// 850ms, 1.2s, 45s, 3m05s, 1h02m.
    static func milliseconds(_ value: Double?) -> String {
        guard let value else { return "-" }
        switch value {
        case ..<1_000: return "\(Int(value.rounded()))ms"
        case ..<10_000: return String(format: "%.1fs", value / 1_000)
        case ..<60_000: return "\(Int((value / 1_000).rounded()))s"
        default: return duration(seconds: value / 1_000)
        }
    }

    /// 45s, 3m05s, 1h02m, 2d03h.
    static func duration(seconds: Double) -> String {
        let total = Int(seconds.rounded(.down))
        if total < 60 { return "\(total)s" }
        if total < 3_600 { return String(format: "%dm%02ds", total / 60, total % 60) }
        if total < 86_400 { return String(format: "%dh%02dm", total / 3_600, (total % 3_600) / 60) }
        return String(format: "%dd%02dh", total / 86_400, (total % 86_400) / 3_600)
    }

    /// p50/p95 pair: "0.8/2.1s" style when both are known.
    static func pair(_ low: Double?, _ high: Double?) -> String {
        guard let low, let high else { return "-" }
        let first = milliseconds(low)
        // Both in ms, or both in plain seconds: say the unit once ("381/420ms", "2.1/6.2s").
        if let unit = unit(low), unit == self.unit(high) {
            return "\(first.dropLast(unit.count))/\(milliseconds(high))"
        }
        return "\(first)/\(milliseconds(high))"
    }

    /// The unit ``milliseconds(_:)`` ends `value` with, when it is a bare number and a unit.
    private static func unit(_ value: Double) -> String? {
        switch value {
        case ..<1_000: return "ms"
        case ..<60_000: return "s"
        default: return nil
        }
    }

    /// 12.3 tokens per second → "12"; small values keep a decimal.
    static func rate(_ value: Double?) -> String {
        guard let value else { return "-" }
        return value < 10 ? String(format: "%.1f", value) : "\(Int(value.rounded()))"
    }

    /// Bytes as 512B, 12KB, 3.4MB.
    static func bytes(_ value: Int) -> String {
        switch value {
        case ..<1_024: return "\(value)B"
        case ..<(1_024 * 1_024): return "\(value / 1_024)KB"
        default: return String(format: "%.1fMB", Double(value) / 1_048_576)
        }
    }

    /// Wall-clock time of day, in UTC unless a zone is given (tests pin it).
    static func time(_ date: Date, zone: TimeZone = .current) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let parts = calendar.dateComponents([.hour, .minute, .second], from: date)
        return String(format: "%02d:%02d:%02d", parts.hour ?? 0, parts.minute ?? 0, parts.second ?? 0)
    }
}

extension Format {
    /// US dollars for a narrow column: `$0.42`, `$12.30`, `$145`, `$1.2k`; `<$0.01` for a
    /// fraction of a cent; `-` when unknown (never `$0` for an unknown price). `partial`: some
    /// requests had no known price, so the sum is a lower bound (`$1.20+`).
    static func usd(_ value: Double?, partial: Bool = false) -> String {
        guard let value, value.isFinite else { return "-" }
        let text: String
        switch abs(value) {
        case 0: text = "$0.00"
        case ..<0.01: text = "<$0.01"
        case ..<100: text = String(format: "$%.2f", value)
        case ..<1_000: text = String(format: "$%.0f", value)
        default: text = String(format: "$%.1fk", value / 1_000)
        }
        return partial ? text + "+" : text
    }
}
