import Foundation
import Proxy

/// The History view, drawn in place of the panes (the header and footer stay): from the usage
/// ledger, the last 24 hours (a column an hour) and the last 14 days (a column a day) as bar
/// charts of requests, tokens or cost by route or by model, then the slowest and the most
/// failing models. Pure: the lines depend on the state, the view's choices and the clock given.
enum HistoryView {
    typealias Line = (String, CellGrid.Style)

    /// How many models each of the two tables lists.
    static let modelRows = 5

    /// The pane's title: what the charts show.
    static func title(_ history: HistoryState) -> String {
        "History: \(history.metric.title.lowercased()) by \(history.grouping.title)"
    }

    /// The view's lines for a screen `width` columns wide.
    static func lines(
        _ state: DashboardState,
        _ history: HistoryState,
        theme: Theme,
        width: Int,
        now: Date,
        timeZone: TimeZone
    ) -> [Line] {
        let inner = max(1, width - 2)
        func wrapped(_ text: String, _ style: CellGrid.Style) -> [Line] {
            Renderer.wrap(text, width: inner).map { ($0, style) }
        }
        guard state.ledgerEnabled else {
            return wrapped(
                "The usage ledger is off (\"USAGE_DB\": false in the config): nothing is recorded, so there is no history.",
                .dim
            )
        }
        if let error = state.ledger?.readError { return wrapped("The ledger cannot be read: \(error)", .color(.red)) }
        guard let data = state.ledger?.history else { return wrapped("Reading the ledger…", .dim) }
        var lines: [Line] = []
        let byRoute = history.grouping == .route
        lines += chart(
            "Last 24 hours, a column an hour",
            slots: hourKeys(now: now, timeZone: timeZone),
            buckets: byRoute ? data.hoursByRoute : data.hoursByModel,
            axis: { key in key.hasSuffix(":00") && Int(key.dropLast(3).suffix(2)).map { $0 % 6 == 0 } == true },
            axisLabel: { String($0.dropLast(3).suffix(2)) },
            history: history,
            theme: theme,
            width: inner
        )
        lines.append(("", .plain))
        lines += chart(
            "Last \(LedgerHistory.days) days, a column a day",
            slots: dayKeys(now: now, timeZone: timeZone),
            buckets: byRoute ? data.daysByRoute : data.daysByModel,
            axis: { _ in true },
            axisLabel: { String($0.suffix(5)) },
            history: history,
            theme: theme,
            width: inner
        )
        if history.metric == .cost {
            lines += wrapped(
                "Requests with no known price are not in the cost; a total ending in + is a lower bound.",
                .dim
            )
        }
        lines.append(("", .plain))
        lines += slowest(data.models, theme: theme, width: inner)
        lines.append(("", .plain))
        lines += failing(data.models, theme: theme, width: inner)
        return lines
    }

    /// The rows the view has on a `height`-row screen: under the header, its banners and the
    /// view's title, above the footer (as ``Renderer`` lays it out).
    static func rows(_ state: DashboardState, height: Int) -> Int {
        let top = 2 + (state.configRefusal == nil ? 0 : 1) + (LedgerHeader.banner(state) == nil ? 0 : 1)
        return max(0, height - 1 - top - 1)
    }

    /// How far the view scrolls at this size (lines beyond the screen).
    static func overflow(
        _ state: DashboardState,
        _ history: HistoryState,
        theme: Theme,
        width: Int,
        height: Int,
        now: Date = Date(),
        timeZone: TimeZone = .current
    ) -> Int {
        let count = lines(state, history, theme: theme, width: width, now: now, timeZone: timeZone).count
        let rows = rows(state, height: height)
        guard count > rows else { return 0 }
        return count - max(1, rows - 1)
    }

    // MARK: - Charts

    /// The 24 local hours up to now, oldest first, as the ledger labels them (`yyyy-MM-dd HH:00`).
    static func hourKeys(now: Date, timeZone: TimeZone) -> [String] {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        return (0..<24).reversed().map { back in
            let date = now.addingTimeInterval(-Double(back) * 3_600)
            let parts = calendar.dateComponents([.year, .month, .day, .hour], from: date)
            return String(
                format: "%04d-%02d-%02d %02d:00",
                parts.year ?? 0,
                parts.month ?? 0,
                parts.day ?? 0,
                parts.hour ?? 0
            )
        }
    }

    /// The last 14 local days, oldest first (`yyyy-MM-dd`).
    static func dayKeys(now: Date, timeZone: TimeZone) -> [String] {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let today = calendar.startOfDay(for: now)
        return (0..<LedgerHistory.days).reversed().map { back in
            let date = calendar.date(byAdding: .day, value: -back, to: today) ?? today
            let parts = calendar.dateComponents([.year, .month, .day], from: date)
            return String(format: "%04d-%02d-%02d", parts.year ?? 0, parts.month ?? 0, parts.day ?? 0)
        }
    }

    /// One group's series in a chart: a value per slot, and its total.
    struct Series {
        var name: String
        var values: [Double]
        var cost: Double?
        var unpriced = false

        var total: Double { values.reduce(0, +) }
    }

    static func value(_ bucket: UsageQuery.HistoryBucket, _ metric: HistoryState.Metric) -> Double {
        switch metric {
        case .requests: return Double(bucket.requests)
        case .tokens: return Double(bucket.tokens)
        case .cost: return bucket.costUSD ?? 0
        }
    }

    /// A chart: a heading, a row per group (name, a column per slot, a bar of its share, its
    /// total), a row for all of them when there are several, and an axis.
    static func chart(
        _ heading: String,
        slots: [String],
        buckets: [UsageQuery.HistoryBucket],
        axis: (String) -> Bool,
        axisLabel: (String) -> String,
        history: HistoryState,
        theme: Theme,
        width: Int
    ) -> [Line] {
        let index = Dictionary(slots.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
        var groups: [String: Series] = [:]
        var all = Series(name: "all", values: Array(repeating: 0, count: slots.count))
        for bucket in buckets {
            guard let slot = index[bucket.bucket] else { continue }
            let name = bucket.key.isEmpty || bucket.key == "," ? "-" : bucket.key
            var series = groups[name] ?? Series(name: name, values: Array(repeating: 0, count: slots.count))
            let amount = value(bucket, history.metric)
            series.values[slot] += amount
            all.values[slot] += amount
            if let cost = bucket.costUSD {
                series.cost = (series.cost ?? 0) + cost
                all.cost = (all.cost ?? 0) + cost
            }
            if bucket.costUSD == nil, bucket.requests > 0 {
                series.unpriced = true
                all.unpriced = true
            }
            groups[name] = series
        }
        var lines: [Line] = [("\(heading): \(history.metric.title.lowercased()) by \(history.grouping.title)", .bold)]
        guard !groups.isEmpty else {
            lines.append(("  (nothing recorded)", .dim))
            return lines
        }
        var rows = groups.values.sorted { $0.total != $1.total ? $0.total > $1.total : $0.name < $1.name }
        if rows.count > 1 { rows.append(all) }
        let nameWidth = min(max(4, rows.map { DisplayWidth.of($0.name) }.max() ?? 4), max(8, width / 4))
        let valueWidth = 7
        let barWidth = width - nameWidth - 1 - slots.count - 2 - valueWidth - 1
        let peak = all.values.max() ?? 0
        let largest = rows.map(\.total).max() ?? 0
        for series in rows {
            var text = DisplayWidth.pad(series.name, to: nameWidth, ellipsis: theme.ellipsis) + " "
            text += BlockChart.sparkline(series.values, maximum: peak, theme: theme)
            let shown = total(series, history.metric)
            if barWidth >= 4 {
                let bar = BlockChart.bar(series.total, maximum: largest, width: barWidth, theme: theme)
                text += "  " + DisplayWidth.pad(bar, to: barWidth)
            } else {
                text += " "
            }
            text += DisplayWidth.pad(shown, to: valueWidth, alignRight: true, ellipsis: theme.ellipsis)
            let style: CellGrid.Style = series.name == "all" && rows.count > 1 ? .bold : .color(.cyan)
            lines.append((text, style))
        }
        var ticks = Array(repeating: Character(" "), count: slots.count)
        var next = 0
        for (position, slot) in slots.enumerated() where axis(slot) && position >= next {
            let label = Array(axisLabel(slot))
            guard position + label.count <= ticks.count else { continue }
            for (offset, character) in label.enumerated() { ticks[position + offset] = character }
            next = position + label.count + 1
        }
        lines.append((String(repeating: " ", count: nameWidth + 1) + String(ticks), .dim))
        return lines
    }

    static func total(_ series: Series, _ metric: HistoryState.Metric) -> String {
        switch metric {
        case .requests, .tokens: return Format.count(Int(series.total))
        case .cost: return Format.usd(series.cost, partial: series.cost != nil && series.unpriced)
        }
    }

    // MARK: - Models

    /// The models whose answers start slowest (TTFT p95, then duration p95).
    static func slowest(_ models: [StatsRow], theme: Theme, width: Int) -> [Line] {
        var lines: [Line] = [("Slowest models, last \(LedgerHistory.days) days (by TTFT p95)", .bold)]
        let ranked = models.filter { $0.ttftP95 != nil || $0.durationP95 != nil }.sorted {
            ($0.ttftP95 ?? -1, $0.durationP95 ?? -1) > ($1.ttftP95 ?? -1, $1.durationP95 ?? -1)
        }
        guard !ranked.isEmpty else { return lines + [("  (nothing recorded)", .dim)] }
        let table = TableLayout(
            [.left("MODEL", 0), .right("TTFT p50/95", 11), .right("TIME p50/95", 11), .right("REQ", 5)],
            flexible: "MODEL",
            minimum: 8,
            width: width,
            ellipsis: theme.ellipsis
        )
        lines.append((table.header, .dim))
        for row in ranked.prefix(modelRows) {
            lines.append(
                (
                    table.row([
                        row.key, Format.pair(row.ttftP50.map(Double.init), row.ttftP95.map(Double.init)),
                        Format.pair(row.durationP50.map(Double.init), row.durationP95.map(Double.init)),
                        Format.count(row.requests),
                    ]),
                    .plain
                )
            )
        }
        return lines
    }

    /// The models with the highest share of failed requests.
    static func failing(_ models: [StatsRow], theme: Theme, width: Int) -> [Line] {
        var lines: [Line] = [("Most failing models, last \(LedgerHistory.days) days (by error rate)", .bold)]
        func rate(_ row: StatsRow) -> Double { Double(row.errors) / Double(max(1, row.requests)) }
        let ranked = models.filter { $0.errors > 0 }.sorted {
            rate($0) != rate($1) ? rate($0) > rate($1) : $0.errors > $1.errors
        }
        guard !ranked.isEmpty else { return lines + [("  (no failed requests)", .dim)] }
        let table = TableLayout(
            [.left("MODEL", 0), .right("ERRORS", 6), .right("REQ", 5), .right("RATE", 5)],
            flexible: "MODEL",
            minimum: 8,
            width: width,
            ellipsis: theme.ellipsis
        )
        lines.append((table.header, .dim))
        for row in ranked.prefix(modelRows) {
            let percent = "\(Int((rate(row) * 100).rounded()))%"
            lines.append(
                (
                    table.row([row.key, Format.count(row.errors), Format.count(row.requests), percent]),
                    .color(.red)
                )
            )
        }
        return lines
    }
}

extension Renderer {
    /// The History view in the rows `top..<bottom`: its title, then its lines, scrolled.
    func drawHistory(_ grid: inout CellGrid, _ history: HistoryState, top: Int, bottom: Int) {
        guard bottom > top else { return }
        paneTitle(&grid, HistoryView.title(history), x: 0, y: top, width: grid.width, focused: true)
        let lines = HistoryView.lines(state, history, theme: theme, width: grid.width, now: now, timeZone: timeZone)
        let rows = bottom - top - 1
        var window = Self.window(count: lines.count, rows: rows, keeping: 0)
        if lines.count > rows {
            let shown = window.range.count
            let first = min(history.scroll, lines.count - shown)
            window = Window(range: first..<(first + shown), above: first, below: lines.count - first - shown)
        }
        var y = top + 1
        for (text, style) in lines[window.range] {
            grid.write(text, x: 1, y: y, style: theme.style(style), limit: grid.width - 1)
            y += 1
        }
        drawScrollHint(&grid, window, x: 0, y: y, width: grid.width)
    }
}
