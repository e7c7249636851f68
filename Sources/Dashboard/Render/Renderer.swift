import Foundation
import Proxy

/// Draws the dashboard: state + interaction state + size → a grid of cells. Pure: no
/// terminal, no clock (``now`` is given), so every screen is snapshot-tested.
struct Renderer {
    let state: DashboardState
    let ui: UIState
    let theme: Theme
    let now: Date
    let timeZone: TimeZone
    /// The request list as shown, worked out once per frame (sorting and filtering every
    /// request was done several times a frame, which cost throughput under load).
    private let visible: [RequestRecord]

    init(state: DashboardState, ui: UIState, theme: Theme, now: Date, timeZone: TimeZone = .current) {
        self.state = state
        self.ui = ui
        self.theme = theme
        self.now = now
        self.timeZone = timeZone
        visible = Self.visibleRequests(state, filter: ui.filter, session: ui.sessionFilter)
    }

    /// The request list as shown (filter applied), shared with key handling.
    static func visibleRequests(_ state: DashboardState, filter: String, session: String? = nil) -> [RequestRecord] {
        var all = state.requestsForList
        if let session { all = all.filter { $0.sessionID == session } }
        let needle = filter.lowercased().trimmingCharacters(in: .whitespaces)
        guard !needle.isEmpty else { return all }
        return all.filter { record in
            searchText(record).contains(needle)
        }
    }

    static func searchText(_ record: RequestRecord) -> String {
        var parts = [record.route?.rawValue ?? "", record.model?.description ?? "", record.requestedModel]
        switch record.status {
        case .inFlight: parts.append("in flight live")
        case .finished(let stop): parts += ["200", "ok", stop?.rawValue ?? ""]
        case .failed(let error): parts += ["error", "\(error.status)", error.kind.rawValue, error.message]
        }
        if record.isPast { parts.append("past earlier") }
        return parts.joined(separator: " ").lowercased()
    }

    func render(width: Int, height: Int) -> CellGrid {
        var grid = CellGrid(width: width, height: height)
        let layout = Layout.choose(width: width, height: height)
        guard layout != .tooSmall else {
            drawTooSmall(&grid)
            return grid
        }
        drawHeader(&grid)
        let footerHeight = 1
        var top = 2
        if let refusal = state.configRefusal {
            drawBanner(&grid, refusal, y: top)
            top += 1
        }
        if let banner = LedgerHeader.banner(state) {
            let style = CellGrid.Style(color: LedgerHeader.color(banner.level), bold: true, reverse: !theme.color)
            let text = DisplayWidth.pad(banner.text, to: width, ellipsis: theme.ellipsis)
            grid.write(text, x: 0, y: top, style: theme.style(style))
            top += 1
        }
        if let missing = state.setupNeeded {
            let texts = [
                "\(missing): press S to run switchboard setup", "\(missing): press S for setup", "press S for setup",
            ]
            let text = texts.first { DisplayWidth.of($0) <= grid.width } ?? texts[texts.count - 1]
            let style = theme.style(CellGrid.Style(color: .yellow, bold: true, reverse: !theme.color))
            grid.write(DisplayWidth.pad(text, to: grid.width, ellipsis: theme.ellipsis), x: 0, y: top, style: style)
            top += 1
        }
        let bottom = height - footerHeight
        if let history = ui.history {
            drawHistory(&grid, history, top: top, bottom: bottom)
            drawFooter(&grid, y: height - 1)
            if ui.showHelp { drawHelp(&grid) }
            return grid
        }
        switch layout {
        case .wide:
            let routesHeight = min(2 + state.routeRows.count, (bottom - top) / 2)
            drawRoutes(&grid, x: 0, y: top, width: width, height: routesHeight, wide: true)
            let listWidth = min(width - 40, max(80, width * 11 / 20))
            let rest = bottom - top - routesHeight
            drawRequests(&grid, x: 0, y: top + routesHeight, width: listWidth, height: rest, wide: false)
            for row in (top + routesHeight)..<bottom {
                grid.write(theme.vertical, x: listWidth, y: row, style: theme.style(.dim))
            }
            let shown = ui.detail ?? selectedID
            drawDetail(
                &grid,
                id: shown,
                x: listWidth + 1,
                y: top + routesHeight,
                width: width - listWidth - 1,
                height: rest,
                preview: ui.detail == nil
            )
        case .stacked:
            let routesHeight = min(2 + state.routeRows.count, (bottom - top) / 2)
            drawRoutes(&grid, x: 0, y: top, width: width, height: routesHeight, wide: width >= 100)
            let rest = bottom - top - routesHeight
            // The open detail takes the list's place, unless the list has the focus (a resize
            // from the wide layout can leave it there): the focused pane is always on screen.
            if let detail = ui.detail, ui.focus != .requests {
                drawDetail(&grid, id: detail, x: 0, y: top + routesHeight, width: width, height: rest, preview: false)
            } else {
                drawRequests(&grid, x: 0, y: top + routesHeight, width: width, height: rest, wide: width >= 100)
            }
        case .single:
            drawTabs(&grid, y: top)
            let paneTop = top + 1
            switch ui.focus {
            case .routes:
                drawRoutes(&grid, x: 0, y: paneTop, width: width, height: bottom - paneTop, wide: false, compact: true)
            case .requests:
                drawRequests(
                    &grid,
                    x: 0,
                    y: paneTop,
                    width: width,
                    height: bottom - paneTop,
                    wide: false,
                    compact: true
                )
            case .detail:
                drawDetail(
                    &grid,
                    id: ui.detail ?? selectedID,
                    x: 0,
                    y: paneTop,
                    width: width,
                    height: bottom - paneTop,
                    preview: false
                )
            }
        case .tooSmall:
            break
        }
        drawFooter(&grid, y: height - 1)
        if ui.showHelp { drawHelp(&grid) }
        if ui.switcher != nil { drawSwitcher(&grid) }
        if let view = ui.sessions {
            let rows = SessionRow.rows(records: state.requestsForList, disk: state.diskSessions, now: now)
            let lines = SessionsView.lines(
                rows,
                selected: view.index,
                width: grid.width - 4,
                height: grid.height - 4,
                now: now,
                ellipsis: theme.ellipsis
            )
            box(
                &grid,
                title: "Sessions",
                lines: lines,
                minWidth: grid.width - 4,
                scroll: 0,
                hints: KeyTable.hints(.sessions)
            )
        }
        return grid
    }

    // MARK: - Header and footer

    private func drawHeader(_ grid: inout CellGrid) {
        let width = grid.width
        let title = grid.write("Switchboard", x: 0, y: 0, style: theme.style(.color(.cyan, bold: true)))
        let uptime = Format.duration(seconds: max(0, now.timeIntervalSince(state.startedAt)))
        var line = "  \(state.listenAddress)  up \(uptime)"
        if ui.paused { line = "  PAUSED" + line }
        // Before the config's path (which is often cut), so it shows at 80 columns.
        var notice = 0..<0
        if let reloaded = state.configReloadedAt, now.timeIntervalSince(reloaded) < Self.reloadNoticeSeconds {
            let text = "config reloaded at \(Format.time(reloaded, zone: timeZone))"
            let start = title + DisplayWidth.of(line) + 2
            notice = start..<(start + DisplayWidth.of(text))
            line += "  \(text)"
        }
        line += "  config: \(state.configShown)"
        let end =
            title + grid.write(DisplayWidth.truncate(line, to: width - title, ellipsis: theme.ellipsis), x: title, y: 0)
        if ui.paused { grid.style(x: 13, y: 0, count: 6, theme.style(.color(.yellow, bold: true))) }
        if !notice.isEmpty, notice.lowerBound < end {
            grid.style(
                x: notice.lowerBound,
                y: 0,
                count: min(end, notice.upperBound) - notice.lowerBound,
                theme.style(.color(.green))
            )
        }

        let inFlight = state.inFlight.count
        let queued = state.queuedCount(now: now)
        let flight = queued > 0 ? "\(inFlight) in flight, \(queued) queued" : "\(inFlight) in flight"
        let perSecond = state.requestRate(now: now)
        // Claude Code rarely sends one request a second; one decimal would read 0.0 while it works.
        let rate = String(format: perSecond > 0 && perSecond < 1 ? "%.2f" : "%.1f", perSecond)
        var parts = [
            "requests \(Format.count(state.totalRequests)) (\(flight))",
            "tokens in \(Format.count(state.totalInputTokens)) out \(Format.count(state.totalOutputTokens))",
            "errors \(state.totalErrors)",
            "\(rate) req/s",
        ]
        if state.droppedEvents > 0 { parts.append("dropped \(state.droppedEvents) display events") }
        // Narrow: short labels, errors before tokens, so the error count is never the part cut.
        var narrow = [
            "\(Format.count(state.totalRequests)) req, \(inFlight) live", "errors \(state.totalErrors)",
            "in \(Format.count(state.totalInputTokens)) out \(Format.count(state.totalOutputTokens))", "\(rate)/s",
        ]
        if state.droppedEvents > 0 { narrow.append("dropped \(state.droppedEvents)") }
        // This run's figures, then today's from the ledger (every run of today): the longest that fits.
        let today = LedgerHeader.today(state)
        var candidates = [parts.joined(separator: "  \(theme.bullet)  "), narrow.joined(separator: "  ")]
        if let today {
            let tokens = "\(Format.count(state.totalInputTokens))/\(Format.count(state.totalOutputTokens)) tok"
            let tiny = ["\(Format.count(state.totalRequests)) req", "errors \(state.totalErrors)", tokens]
            candidates = [
                candidates[0] + "  \(theme.bullet)  " + today,
                parts.joined(separator: "  ") + "  \(theme.vertical)  " + today,
                narrow.joined(separator: "  ") + "  \(theme.vertical)  " + today,
                narrow.joined(separator: "  ") + "  " + today,
                tiny.joined(separator: "  ") + "  " + today,
            ]
        }
        let stats = candidates.first { DisplayWidth.of($0) <= width } ?? candidates[candidates.count - 1]
        grid.write(DisplayWidth.truncate(stats, to: width, ellipsis: theme.ellipsis), x: 0, y: 1)
        if let today, let color = LedgerHeader.color(LedgerHeader.budgetLevel(state)),
            let range = stats.range(of: today, options: .backwards)
        {
            let start = DisplayWidth.of(String(stats[..<range.lowerBound]))
            grid.style(x: start, y: 1, count: DisplayWidth.of(today), theme.style(.color(color, bold: true)))
        }
        if state.totalErrors > 0, let range = stats.range(of: "errors \(state.totalErrors)") {
            let start = DisplayWidth.of(String(stats[..<range.lowerBound]))
            grid.style(
                x: start,
                y: 1,
                count: DisplayWidth.of(String(stats[range])),
                theme.style(.color(.red, bold: true))
            )
        }
    }

    /// How long the header says a good config edit was applied.
    static let reloadNoticeSeconds: TimeInterval = 10

    /// A refused config edit: one line under the header, in the warning colour, cut to fit.
    private func drawBanner(_ grid: inout CellGrid, _ reason: String, y: Int) {
        // The longest that fits; narrow, shorter words so the line and column stay in view.
        let short = reason.hasPrefix("not valid JSON5: ") ? String(reason.dropFirst(17)) : reason
        let texts = [
            "Config edit refused: \(reason) (the last good config keeps serving)", "Config edit refused: \(reason)",
            "Config refused: \(short)",
        ]
        let text = texts.first { DisplayWidth.of($0) <= grid.width } ?? texts[texts.count - 1]
        let style = theme.style(CellGrid.Style(color: .yellow, bold: true, reverse: !theme.color))
        grid.write(DisplayWidth.pad(text, to: grid.width, ellipsis: theme.ellipsis), x: 0, y: y, style: style)
    }

    private func drawTabs(_ grid: inout CellGrid, y: Int) {
        var x = 0
        let panes: [UIState.Pane] = [.routes, .requests, .detail]
        for (index, pane) in panes.enumerated() {
            let label = " \(index + 1) \(pane.title) "
            let style: CellGrid.Style = ui.focus == pane ? .reverse : .plain
            x += grid.write(label, x: x, y: y, style: style)
            if index < panes.count - 1 { x += grid.write(theme.vertical, x: x, y: y, style: theme.style(.dim)) }
        }
        grid.write(
            String(repeating: theme.horizontal, count: max(0, grid.width - x)),
            x: x,
            y: y,
            style: theme.style(.dim)
        )
    }

    private func drawFooter(_ grid: inout CellGrid, y: Int) {
        let width = grid.width
        if ui.editingFilter {
            let keys = KeyTable.hints(.filterEntry).map(theme.keyLabel).joined(separator: "  ")
            let text = "/\(ui.filter)_   \(keys)"
            grid.write(DisplayWidth.truncate(text, to: width, ellipsis: theme.ellipsis), x: 0, y: y, style: .bold)
            return
        }
        if let session = ui.sessions?.confirming {
            let keys = KeyTable.hints(.sessionsConfirm).map(theme.keyLabel).joined(separator: "  ")
            let text =
                "Archive \(session.id.prefix(8)) (\(session.project), \(SessionFormat.bytes(session.bytes)))? \(keys)"
            grid.write(DisplayWidth.truncate(text, to: width, ellipsis: theme.ellipsis), x: 0, y: y, style: .bold)
            return
        }
        if let notice = ui.notice {
            grid.write(
                DisplayWidth.truncate(notice, to: width, ellipsis: theme.ellipsis),
                x: 0,
                y: y,
                style: theme.style(.color(.green))
            )
            return
        }
        var hints = KeyTable.hints(ui.history == nil ? .main : .history, focus: ui.focus).map(theme.keyLabel)
        if !ui.filter.isEmpty { hints.insert("filter: \(ui.filter)", at: 0) }
        var text = ""
        for hint in hints {
            let next = text.isEmpty ? hint : text + "  " + hint
            if DisplayWidth.of(next) > width { break }
            text = next
        }
        grid.write(text, x: 0, y: y, style: theme.style(.dim))
    }

    // MARK: - Routes

    func paneTitle(_ grid: inout CellGrid, _ title: String, x: Int, y: Int, width: Int, focused: Bool) {
        let label = " \(title) "
        grid.write(theme.horizontal, x: x, y: y, style: theme.style(.dim))
        let used = grid.write(label, x: x + 1, y: y, style: focused ? theme.style(.color(.cyan, bold: true)) : .bold)
        let rest = max(0, width - used - 1)
        grid.write(String(repeating: theme.horizontal, count: rest), x: x + 1 + used, y: y, style: theme.style(.dim))
    }

    private func drawRoutes(
        _ grid: inout CellGrid,
        x: Int,
        y: Int,
        width: Int,
        height: Int,
        wide: Bool,
        compact: Bool = false
    ) {
        guard height > 0 else { return }
        var rowY = y
        if !compact {
            paneTitle(&grid, "Routes", x: x, y: rowY, width: width, focused: ui.focus == .routes)
            rowY += 1
        }
        // Columns: fixed numeric ones, the model takes what is left. The middle set's fixed
        // columns take 61; below 72 the model would be cut to nothing and the last columns (ERR
        // among them) pushed off the edge.
        let medium = width >= 72
        // With the ledger, COST and the sparkline take the room of TIME and TOK/S below 120 columns.
        let ledger = state.ledgerEnabled
        let timing = !ledger || width >= 120
        var columns: [TableLayout.Column] = [.left("ROUTE", 11), .left("MODEL", 0)]
        if wide {
            columns += [.right("REQ", 5), .right("IN", 6), .right("OUT", 6), .right("TTFT p50/95", 13)]
            if timing { columns += [.right("TIME p50/95", 13), .right("TOK/S", 6)] }
            columns.append(.right("ERR", 4))
        } else if medium {
            columns += [.right("REQ", 4), .right("IN/OUT", 9), .right("TTFT", 10)]
            if !ledger { columns += [.right("TIME", 10), .right("TOK/S", 5)] }
            columns.append(.right("ERR", 3))
        } else {
            columns += [.right("REQ", 4), .right("TTFT", 6), .right("ERR", 3)]
        }
        if ledger { columns += RouteLedgerColumns.columns(width: width, wide: wide) }
        let table = TableLayout(columns, flexible: "MODEL", minimum: 8, width: width, ellipsis: theme.ellipsis)
        if rowY < y + height {
            grid.write(table.header, x: x, y: rowY, style: theme.style(.dim), limit: width)
            rowY += 1
        }
        // More routes than rows: the last row says how many more, and the window keeps the
        // selected route in it.
        let routes = state.routeRows
        let window = Self.window(count: routes.count, rows: y + height - rowY, keeping: ui.routeIndex)
        for (index, route) in routes.enumerated() where window.range.contains(index) {
            let stats = state.stats(for: route)
            let entry = state.routeEntries[route]
            let unset = RouteKind.configurable.contains(route) ? "(default)" : "(the request's own)"
            var model = entry?.effective?.description ?? unset
            if entry?.isSwitched == true { model = theme.switchedMark + model }
            let ttftPercentiles = stats.ttft.percentiles(50, 95, now: now)
            let timePercentiles = stats.duration.percentiles(50, 95, now: now)
            let ttft = Format.pair(ttftPercentiles?.low, ttftPercentiles?.high)
            let time = Format.pair(timePercentiles?.low, timePercentiles?.high)
            var values = [route.rawValue, model, "\(stats.requests)"]
            if wide {
                values += [Format.count(stats.inputTokens), Format.count(stats.outputTokens), ttft]
                if timing { values += [time, Format.rate(stats.tokensPerSecond(now: now))] }
                values.append("\(stats.errors)")
            } else if medium {
                values += ["\(Format.count(stats.inputTokens))/\(Format.count(stats.outputTokens))", ttft]
                if !ledger { values += [time, Format.rate(stats.tokensPerSecond(now: now))] }
                values.append("\(stats.errors)")
            } else {
                values += [Format.milliseconds(ttftPercentiles?.low), "\(stats.errors)"]
            }
            if ledger { values += RouteLedgerColumns.values(route, state: state, columns: table, theme: theme) }
            let selected = ui.focus == .routes && index == ui.routeIndex
            grid.write(table.row(values), x: x, y: rowY, limit: width)
            if entry?.isSwitched == true {
                grid.style(
                    x: x + table.offset(of: "MODEL"),
                    y: rowY,
                    count: table.width(of: "MODEL"),
                    theme.style(.color(.magenta, bold: true))
                )
            }
            if entry?.effective == nil { grid.style(x: x, y: rowY, count: width, theme.style(.dim)) }
            if stats.errors > 0 {
                grid.style(
                    x: x + table.offset(of: "ERR"),
                    y: rowY,
                    count: table.width(of: "ERR"),
                    theme.style(.color(.red))
                )
            }
            if ledger {
                grid.style(
                    x: x + table.offset(of: RouteLedgerColumns.sparkline),
                    y: rowY,
                    count: table.width(of: RouteLedgerColumns.sparkline),
                    theme.style(.color(.cyan))
                )
            }
            if selected { grid.style(x: x, y: rowY, count: width, .reverse) }
            rowY += 1
        }
        drawScrollHint(&grid, window, x: x, y: rowY, width: width)
    }

    /// Which rows of a list of `count` fit in `rows` screen rows, keeping row `keeping` in view.
    /// When they do not all fit, the last screen row is kept for the scroll hint.
    struct Window {
        var range: Range<Int>
        var above: Int
        var below: Int
    }

    static func window(count: Int, rows: Int, keeping selected: Int, centred: Bool = false) -> Window {
        guard rows > 0 else { return Window(range: 0..<0, above: 0, below: count) }
        guard count > rows else { return Window(range: 0..<count, above: 0, below: 0) }
        // One row only: no room for a hint.
        let shown = rows > 1 ? rows - 1 : rows
        let wanted = centred ? selected - shown / 2 : selected - shown + 1
        let first = max(0, min(wanted, count - shown))
        let end = first + shown
        guard rows > 1 else { return Window(range: first..<end, above: 0, below: 0) }
        return Window(range: first..<end, above: first, below: count - end)
    }

    /// The scroll hint on the row under a window's rows (dim, right-aligned), when it needs one.
    func drawScrollHint(_ grid: inout CellGrid, _ window: Window, x: Int, y: Int, width: Int) {
        guard let hint = theme.scrollHint(above: window.above, below: window.below), width > 2 else { return }
        let text = DisplayWidth.truncate(hint, to: width - 2, ellipsis: theme.ellipsis)
        grid.write(text, x: x + width - 1 - DisplayWidth.of(text), y: y, style: theme.style(.dim))
    }

    // MARK: - Requests

    private var selectedID: RequestID? {
        if let selected = ui.selectedRequest, visible.contains(where: { $0.id == selected }) { return selected }
        return visible.first?.id
    }

    private func drawRequests(
        _ grid: inout CellGrid,
        x: Int,
        y: Int,
        width: Int,
        height: Int,
        wide: Bool,
        compact: Bool = false
    ) {
        guard height > 0 else { return }
        var rowY = y
        if !compact {
            var title = "Requests"
            if let session = ui.sessionFilter { title += " of session \(session.prefix(8))" }
            if !ui.filter.isEmpty { title += " (filter: \(ui.filter), \(visible.count) shown)" }
            paneTitle(&grid, title, x: x, y: rowY, width: width, focused: ui.focus == .requests)
            rowY += 1
        } else if !ui.filter.isEmpty {
            grid.write("filter: \(ui.filter) (\(visible.count) shown)", x: x, y: rowY, style: .bold, limit: width)
            rowY += 1
        }
        let columns: [TableLayout.Column] =
            width >= 70
            ? [
                .left("TIME", 8), .left("ROUTE", 11), .left("MODEL", 0), .right("ST", 3), .right("TTFT", 6),
                .right("DUR", 6), .right("IN", 6), .right("OUT", 6), .right("TOK/S", 5),
            ]
            : [.left("TIME", 8), .left("MODEL", 0), .right("ST", 3), .right("DUR", 6), .right("OUT", 5)]
        // The session column, once a request names its Claude Code session.
        let sessions = visible.contains { $0.sessionID != nil }
        let table = TableLayout(
            sessions ? [columns[0], .left("SESSION", 9)] + columns.dropFirst() : columns,
            flexible: "MODEL",
            minimum: 6,
            width: width,
            ellipsis: theme.ellipsis
        )
        if rowY < y + height {
            grid.write(table.header, x: x, y: rowY, style: theme.style(.dim), limit: width)
            rowY += 1
        }
        let rows = y + height - rowY
        guard rows > 0 else { return }
        if visible.isEmpty {
            // The command on a line of its own, wrapped rather than cut: it is meant to be copied.
            let lines =
                ui.filter.isEmpty
                ? Self.wrap("No requests yet. Point Claude Code here:", width: width - 2)
                    + Self.wrap(state.envCommand, width: width - 2) : ["Nothing matches the filter."]
            for line in lines.prefix(rows) {
                grid.write(line, x: x + 1, y: rowY, style: theme.style(.dim), limit: width - 1)
                rowY += 1
            }
            return
        }
        let selected = selectedID
        let selectedIndex = visible.firstIndex { $0.id == selected } ?? 0
        let window = Self.window(count: visible.count, rows: rows, keeping: selectedIndex, centred: true)
        defer { drawScrollHint(&grid, window, x: x, y: y + height - 1, width: width) }
        for record in visible[window.range] {
            let elapsed = record.duration?.milliseconds ?? now.timeIntervalSince(record.startedAt) * 1000
            let status = statusLabel(record)
            let model = record.model?.description ?? record.requestedModel
            var values: [String]
            if width >= 70 {
                values = [
                    listTime(record), record.route?.rawValue ?? "-", model, status,
                    Format.milliseconds(record.ttft?.milliseconds), Format.milliseconds(elapsed),
                    Format.count(record.inputTokens), Format.count(record.outputTokens),
                    Format.rate(record.tokensPerSecond),
                ]
            } else {
                values = [
                    listTime(record), model, status, Format.milliseconds(elapsed),
                    Format.count(record.outputTokens),
                ]
            }
            if sessions {
                let label = record.sessionID.map { SessionRow.label(id: $0, project: record.project, width: 8) }
                values.insert(label ?? "-", at: 1)
            }
            grid.write(table.row(values), x: x, y: rowY, limit: width)
            if record.isPast {
                let style = CellGrid.Style(color: record.isError ? .red : nil, dim: true)
                grid.style(x: x, y: rowY, count: width, theme.style(style))
            } else if record.isInFlight {
                grid.style(x: x, y: rowY, count: width, theme.style(.color(.cyan)))
            } else if record.isError {
                grid.style(x: x, y: rowY, count: width, theme.style(.color(.red, bold: true)))
            }
            if record.id == selected, ui.focus == .requests || ui.focus == .detail {
                var style = CellGrid.Style.reverse
                if record.isError { style.color = theme.color ? .red : nil }
                grid.style(x: x, y: rowY, count: width, style)
            }
            rowY += 1
        }
    }

    /// The ST column: `q` while queued for an RPM budget, `…` in flight, else the status code.
    // A separate function: Swift 6.3.1's optimiser crashed (CopyPropagation) on this switch
    // written inline in `drawRequests`.
    private func statusLabel(_ record: RequestRecord) -> String {
        guard record.isInFlight else { return record.statusCode.map(String.init) ?? "-" }
        if let until = record.queuedUntil, until > now { return "q" }
        return theme.unicode ? "…" : ".."
    }

    // MARK: - Detail

    /// The detail pane's lines for a request, wrapped to `width`.
    static func detailLines(_ record: RequestRecord, width: Int, theme: Theme, timeZone: TimeZone, now: Date) -> [(
        String, CellGrid.Style
    )] {
        if let past = record.past {
            return pastDetailLines(record, row: past, width: width, theme: theme, timeZone: timeZone, now: now)
        }
        var lines: [(String, CellGrid.Style)] = []
        func add(_ text: String, _ style: CellGrid.Style = .plain) {
            for line in wrap(text, width: width) { lines.append((line, style)) }
        }
        let kind = record.stream ? "stream" : "non-stream"
        add("Request \(record.id) at \(Format.time(record.startedAt, zone: timeZone)) (\(kind))", .bold)
        let requested = "asked for \(record.requestedModel)"
        if let route = record.route {
            add("Route: \(route) \(theme.arrow) \(record.target?.description ?? "-")  (\(requested))")
            if let reason = record.reason { add("  why: \(reason)", .dim) }
        } else {
            add("Route: -  (\(requested))")
        }
        if record.candidates.count > 1 {
            add("  fallbacks: \(record.candidates.dropFirst().map(\.description).joined(separator: ", "))", .dim)
        }
        for attempt in record.attempts { add("  attempt failed: \(attempt)", .color(.yellow)) }
        if let answered = record.answeredBy, answered != record.target {
            add("Answered by: \(answered)", .color(.yellow))
        }
        add(
            "Size: \(Format.bytes(record.bodyBytes)), \(record.messageCount) messages, \(record.toolCount) tools, max_tokens \(record.maxTokens)"
        )
        var tokens = "Tokens: in \(record.inputTokens)"
        if record.cacheReadTokens > 0 { tokens += " (cache read \(record.cacheReadTokens))" }
        tokens += ", out \(record.outputTokens)"
        if record.isInFlight { tokens += " so far" }
        tokens += "  (estimated in: \(record.estimatedInputTokens))"
        add(tokens)
        let elapsed = record.duration?.milliseconds ?? now.timeIntervalSince(record.startedAt) * 1000
        var timing = "Time: TTFT \(Format.milliseconds(record.ttft?.milliseconds)), "
        timing +=
            record.isInFlight ? "running \(Format.milliseconds(elapsed))" : "total \(Format.milliseconds(elapsed))"
        if let rate = record.tokensPerSecond { timing += ", \(Format.rate(rate)) tok/s" }
        add(timing)
        switch record.status {
        case .inFlight: add("Status: in flight", .color(.cyan))
        case .finished(let stop): add("Status: 200, stop_reason \(stop?.rawValue ?? "-")", .color(.green))
        case .failed(let error):
            add("Error: \(error.status) \(error.kind.rawValue)", .color(.red, bold: true))
            add(error.message, .color(.red))
        }
        lines.append(("", .plain))
        add("Output", .bold)
        if record.output.isEmpty { add(record.isInFlight ? "(waiting for the first token)" : "(none)", .dim) }
        for piece in record.output {
            switch piece {
            case .thinking(let text): add("[thinking] " + text, .dim)
            case .text(let text): add(text)
            case .toolCall(let name): add("[tool call] \(name)", .color(.magenta, bold: true))
            case .toolArguments(let json): add(json, .color(.magenta))
            }
        }
        if record.outputTruncated { add("(output truncated for display)", .dim) }
        if record.outputDropped {
            add("(output not kept: only the last \(DashboardState.outputKept) requests keep theirs)", .dim)
        }
        return lines
    }

    /// Splits on newlines and wraps at `width` columns, at spaces where it can.
    static func wrap(_ text: String, width: Int) -> [String] {
        guard width > 0 else { return [] }
        var result: [String] = []
        for paragraph in text.split(separator: "\n", omittingEmptySubsequences: false) {
            var line: [Character] = []
            var used = 0
            var lastSpace: Int?
            for raw in paragraph {
                let character: Character = raw == "\t" ? " " : raw
                let columns = DisplayWidth.of(character)
                if used + columns > width {
                    if let space = lastSpace, space > 0 {
                        // Break at the last space; carry the rest of the word over.
                        result.append(String(line[..<space]))
                        line = Array(line[(space + 1)...])
                    } else {
                        result.append(String(line))
                        line = []
                    }
                    used = line.reduce(0) { $0 + DisplayWidth.of($1) }
                    lastSpace = nil
                }
                if character == " " { lastSpace = line.count }
                line.append(character)
                used += columns
            }
            result.append(String(line))
        }
        return result
    }

    private func drawDetail(
        _ grid: inout CellGrid,
        id: RequestID?,
        x: Int,
        y: Int,
        width: Int,
        height: Int,
        preview: Bool
    ) {
        guard height > 0 else { return }
        var rowY = y
        let title =
            id.map { id in
                let label = state.request(id)?.label ?? id.description
                return preview ? "Detail \(label) (selected)" : "Detail \(label)"
            } ?? "Detail"
        if Layout.choose(width: grid.width, height: grid.height) != .single {
            paneTitle(&grid, title, x: x, y: rowY, width: width, focused: ui.focus == .detail)
            rowY += 1
        }
        guard let id, let record = state.request(id) else {
            grid.write(
                "Select a request and press \(theme.enterKey).",
                x: x + 1,
                y: rowY,
                style: theme.style(.dim),
                limit: width - 1
            )
            return
        }
        let lines = Self.detailLines(record, width: width - 2, theme: theme, timeZone: timeZone, now: now)
        let rows = y + height - rowY
        var window = Self.window(count: lines.count, rows: rows, keeping: 0)
        if !preview, lines.count > rows {
            // Scrolled by ui.detailScroll, at most to where the last line shows.
            let shown = window.range.count
            let first = min(ui.detailScroll, lines.count - shown)
            window = Window(range: first..<(first + shown), above: first, below: lines.count - first - shown)
        }
        for (text, style) in lines[window.range] {
            grid.write(text, x: x + 1, y: rowY, style: theme.style(style), limit: width - 1)
            rowY += 1
        }
        drawScrollHint(&grid, window, x: x, y: rowY, width: width)
    }

    // MARK: - Overlays

    /// A framed box in the middle of the screen. With `scroll`, lines beyond the box scroll and
    /// its bottom border says how many more lie above and below; `hints` go there too.
    private func box(
        _ grid: inout CellGrid,
        title: String,
        lines: [(String, CellGrid.Style)],
        minWidth: Int = 30,
        scroll: Int? = nil,
        hints: [String] = []
    ) {
        let contentWidth = min(
            grid.width - 4,
            max(minWidth, lines.map { DisplayWidth.of($0.0) }.max() ?? 0, DisplayWidth.of(title) + 4)
        )
        let boxWidth = contentWidth + 4
        let boxHeight = min(grid.height - 2, lines.count + 2)
        let left = (grid.width - boxWidth) / 2
        let top = max(1, (grid.height - boxHeight) / 2)
        grid.clear(x: left, y: top, width: boxWidth, height: boxHeight)
        let corner = theme.unicode ? ("┌", "┐", "└", "┘") : ("+", "+", "+", "+")
        let border = theme.style(.color(.cyan))
        grid.write(
            corner.0 + String(repeating: theme.horizontal, count: boxWidth - 2) + corner.1,
            x: left,
            y: top,
            style: border
        )
        grid.write(" \(title) ", x: left + 2, y: top, style: theme.style(.color(.cyan, bold: true)))
        for row in 1..<(boxHeight - 1) {
            grid.write(theme.vertical, x: left, y: top + row, style: border)
            grid.write(theme.vertical, x: left + boxWidth - 1, y: top + row, style: border)
        }
        grid.write(
            corner.2 + String(repeating: theme.horizontal, count: boxWidth - 2) + corner.3,
            x: left,
            y: top + boxHeight - 1,
            style: border
        )
        let rows = boxHeight - 2
        let first = scroll.map { max(0, min($0, lines.count - rows)) } ?? 0
        for (index, line) in lines.dropFirst(first).prefix(rows).enumerated() {
            grid.write(
                DisplayWidth.pad(line.0, to: contentWidth, ellipsis: theme.ellipsis),
                x: left + 2,
                y: top + 1 + index,
                style: theme.style(line.1)
            )
        }
        var label: [String] = []
        if scroll != nil, let more = theme.scrollHint(above: first, below: lines.count - first - rows) {
            label.append(more)
            label += hints
        } else if scroll != nil {
            label += hints.filter { !$0.hasPrefix("↑↓") }
        }
        var text = label.isEmpty ? "" : " \(label.map(theme.keyLabel).joined(separator: "  ")) "
        while DisplayWidth.of(text) > boxWidth - 4, label.count > 1 {
            label.removeLast()
            text = " \(label.map(theme.keyLabel).joined(separator: "  ")) "
        }
        if !text.isEmpty {
            text = DisplayWidth.truncate(text, to: boxWidth - 4, ellipsis: theme.ellipsis)
            grid.write(text, x: left + boxWidth - 2 - DisplayWidth.of(text), y: top + boxHeight - 1, style: border)
        }
    }

    /// The help box's lines for a screen `width` columns wide: the key table (descriptions
    /// wrapped beside their keys, or under them when the box is narrow) and where things are
    /// (long paths wrapped, never cut).
    static func helpLines(_ state: DashboardState, theme: Theme, width: Int) -> [(String, CellGrid.Style)] {
        let keys = KeyTable.help.map { (theme.keyLabel($0.keys), $0.help) }
        let places = [
            ("Log file:", state.logPath), ("Config:", state.configDescription), ("Listening:", state.listenAddress),
        ]
        let keyWidth = keys.map { DisplayWidth.of($0.0) }.max() ?? 0
        let placeWidth = (places.map { DisplayWidth.of($0.0) }.max() ?? 0) + 1
        let natural = max(
            keys.map { keyWidth + 2 + DisplayWidth.of($0.1) }.max() ?? 0,
            places.map { placeWidth + DisplayWidth.of($0.1) }.max() ?? 0
        )
        let contentWidth = helpContentWidth(natural: natural, screenWidth: width)
        var lines: [(String, CellGrid.Style)] = []
        let descriptionWidth = contentWidth - keyWidth - 2
        for (key, help) in keys {
            if descriptionWidth >= 16 {
                for (index, part) in wrap(help, width: descriptionWidth).enumerated() {
                    let lead =
                        index == 0 ? DisplayWidth.pad(key, to: keyWidth) : String(repeating: " ", count: keyWidth)
                    lines.append((lead + "  " + part, .plain))
                }
            } else {
                lines.append((key, .bold))
                for part in wrap(help, width: max(1, contentWidth - 2)) { lines.append(("  " + part, .plain)) }
            }
        }
        lines.append(("", .plain))
        for (label, value) in places {
            // Beside its label when it fits, else on lines of its own (a path is best read whole).
            if DisplayWidth.of(value) <= contentWidth - placeWidth {
                lines.append((DisplayWidth.pad(label, to: placeWidth) + value, .dim))
            } else {
                lines.append((label, .dim))
                for part in wrap(value, width: max(1, contentWidth - 2)) { lines.append(("  " + part, .dim)) }
            }
        }
        return lines
    }

    static let helpMinimumWidth = 30

    /// The help box's text width: as wide as its longest line, within the screen.
    static func helpContentWidth(natural: Int, screenWidth: Int) -> Int {
        max(1, min(screenWidth - 4, max(helpMinimumWidth, natural)))
    }

    /// How many help lines do not fit on a `width` x `height` screen (how far ↑↓ scroll the help).
    static func helpOverflow(_ state: DashboardState, theme: Theme, width: Int, height: Int) -> Int {
        let lines = helpLines(state, theme: theme, width: width).count
        return max(0, lines - max(0, height - 4))
    }

    private func drawHelp(_ grid: inout CellGrid) {
        let lines = Self.helpLines(state, theme: theme, width: grid.width)
        box(
            &grid,
            title: "Keys",
            lines: lines,
            // Wrapped lines may all end short of the width they were wrapped to: keep it.
            minWidth: Self.helpContentWidth(natural: .max, screenWidth: grid.width),
            scroll: ui.helpScroll,
            hints: KeyTable.hints(.help)
        )
    }

    private func drawSwitcher(_ grid: inout CellGrid) {
        guard let switcher = ui.switcher else { return }
        let routes = state.routeRows.filter { RouteKind.configurable.contains($0) }
        switch switcher.step {
        case .route:
            var lines: [(String, CellGrid.Style)] = [
                ("Pick a route (\(KeyTable.hints(.switcherRoute).map(theme.keyLabel).joined(separator: ", ")))", .dim)
            ]
            for (index, route) in routes.enumerated() {
                let entry = state.routeEntries[route]
                var model = entry?.effective?.description ?? "(default)"
                if entry?.isSwitched == true {
                    model += "  (switched; config: \(entry?.configured?.description ?? "none"))"
                }
                let mark = index == switcher.routeIndex ? theme.selectionMark : " "
                let style: CellGrid.Style = index == switcher.routeIndex ? .reverse : .plain
                lines.append(("\(mark) \(DisplayWidth.pad(route.rawValue, to: 12)) \(model)", style))
            }
            box(&grid, title: "Switch model", lines: lines, minWidth: 44)
        case .model(let route):
            let models = UIState.filteredModels(state.availableModels, filter: switcher.filter)
            let current = state.routeEntries[route]?.effective
            let configured = state.routeEntries[route]?.configured
            var lines: [(String, CellGrid.Style)] = [
                ("\(route): \(KeyTable.hints(.switcherModel).map(theme.keyLabel).joined(separator: ", "))", .dim),
                ("filter: \(switcher.filter)_", .bold),
            ]
            let room = max(1, min(grid.height - 6, 14))
            let first = max(0, min(switcher.modelIndex - room / 2, models.count - room))
            if models.isEmpty { lines.append(("(no model matches)", .dim)) }
            for (index, model) in models.enumerated().dropFirst(first).prefix(room) {
                var label = model.description
                if let grades = state.modelGrades[model] {
                    // The report card's columns: text, tool call, tool result, parallel tools, thinking.
                    label += "  " + grades.grades.map { $0.grade.symbol(unicode: theme.unicode) }.joined()
                }
                if model == current {
                    label += "  (in force)"
                } else if model == configured {
                    label += "  (configured)"
                }
                let mark = index == switcher.modelIndex ? theme.selectionMark : " "
                lines.append(("\(mark) \(label)", index == switcher.modelIndex ? .reverse : .plain))
            }
            box(&grid, title: "Model for \(route)", lines: lines, minWidth: 44)
        }
    }

    private func drawTooSmall(_ grid: inout CellGrid) {
        let lines = [
            "Terminal too small",
            "\(grid.width)x\(grid.height), need \(Layout.minimumWidth)x\(Layout.minimumHeight)",
            "q quits",
        ]
        let top = max(0, (grid.height - lines.count) / 2)
        for (index, line) in lines.enumerated() where top + index < grid.height {
            let text = DisplayWidth.truncate(line, to: grid.width, ellipsis: theme.ellipsis)
            grid.write(
                text,
                x: max(0, (grid.width - DisplayWidth.of(text)) / 2),
                y: top + index,
                style: index == 0 ? .bold : .plain
            )
        }
    }
}
