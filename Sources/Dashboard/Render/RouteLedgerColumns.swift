import Proxy

/// The Routes pane's columns from the usage ledger: today's cost (every run of today) and a
/// sparkline of the route's tokens per minute over the last 30 minutes.
enum RouteLedgerColumns {
    static let cost = "COST"
    static let sparkline = "TOK 30m"

    /// The columns for a pane `width` columns wide (no sparkline below 56).
    static func columns(width: Int, wide: Bool) -> [TableLayout.Column] {
        let cells = wide ? (width >= 120 ? 15 : 10) : (width >= 72 ? 10 : (width >= 56 ? 8 : 0))
        let cost = TableLayout.Column.right(Self.cost, wide ? 7 : 6)
        return cells > 0 ? [cost, .left(sparkline, cells)] : [cost]
    }

    /// The cells of `route`'s row: `-` for a cost not known (no request today, or no price).
    static func values(_ route: RouteKind, state: DashboardState, columns: TableLayout, theme: Theme) -> [String] {
        let today = state.ledger?.routes[route.rawValue]
        let cost = Format.usd(today?.costUSD, partial: today.map { $0.costUSD != nil && $0.unpriced > 0 } ?? false)
        let cells = columns.width(of: sparkline)
        guard cells > 0 else { return [cost] }
        let minutes = state.ledger?.tokensPerMinute[route.rawValue] ?? []
        let values = BlockChart.resample(minutes, cells: cells).map(Double.init)
        return [cost, BlockChart.sparkline(values, theme: theme)]
    }
}
