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

    /// A style, reduced to what the theme allows (NO_COLOR keeps bold/reverse, drops colour).
    func style(_ style: CellGrid.Style) -> CellGrid.Style {
        guard !color else { return style }
        var plain = style
        plain.color = nil
        return plain
    }
}
