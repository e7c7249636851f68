import Foundation

/// How the terminal can draw: colour or not (`NO_COLOR`), Unicode glyphs or ASCII (when the
/// locale is not UTF-8).
struct Theme: Equatable, Sendable {
    var color: Bool
    var unicode: Bool

    static let plainASCII = Theme(color: false, unicode: false)
    static let full = Theme(color: true, unicode: true)

    var horizontal: String { unicode ? "─" : "-" }
    var vertical: String { unicode ? "│" : "|" }
    var ellipsis: String { unicode ? "…" : "~" }
    var arrow: String { unicode ? "→" : "->" }
    var upDown: String { unicode ? "↑↓" : "up/down" }
    var enterKey: String { unicode ? "⏎" : "Enter" }
    var bullet: String { unicode ? "•" : "*" }
    var switchedMark: String { "*" }
    var selectionMark: String { unicode ? "▶" : ">" }

    /// What a scrolled pane says lies beyond it (`↑ 3 more  ↓ 12 more`; ASCII `^`, `v`), or
    /// `nil` when everything is shown.
    func scrollHint(above: Int, below: Int) -> String? {
        var parts: [String] = []
        if above > 0 { parts.append("\(unicode ? "↑" : "^") \(above) more") }
        if below > 0 { parts.append("\(unicode ? "↓" : "v") \(below) more") }
        return parts.isEmpty ? nil : parts.joined(separator: "  ")
    }

    /// A key's name as drawn: the key table writes `↑↓` and `⏎`, spelt out without Unicode.
    func keyLabel(_ text: String) -> String {
        guard !unicode else { return text }
        return text.replacingOccurrences(of: "↑↓", with: upDown).replacingOccurrences(of: "⏎", with: enterKey)
            .replacingOccurrences(of: "←→", with: "left/right")
    }

    /// A style, reduced to what the theme allows (NO_COLOR keeps bold/reverse, drops colour).
    func style(_ style: CellGrid.Style) -> CellGrid.Style {
        guard !color else { return style }
        var plain = style
        plain.color = nil
        return plain
    }
}
