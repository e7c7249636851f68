/// Which arrangement fits the terminal: side by side, stacked, one pane at a time with tabs,
/// or a "too small" notice. Steps down with the pane, as htop and btop do.
enum Layout: Equatable, Sendable {
    /// ≥ 120×30: routes on top, the request list and the selected request's detail side by side.
    case wide
    /// ≥ 80×20: routes above requests; the detail replaces the list when opened.
    case stacked
    /// ≥ 40×10: one pane at a time, with tabs.
    case single
    /// Below 40×10.
    case tooSmall

    static let minimumWidth = 40
    static let minimumHeight = 10

    static func choose(width: Int, height: Int) -> Layout {
        if width < minimumWidth || height < minimumHeight { return .tooSmall }
        if width < 80 || height < 20 { return .single }
        if width >= 120 && height >= 30 { return .wide }
        return .stacked
    }
}
