import Foundation
import Testing

@testable import Dashboard
@testable import Proxy

/// The dashboard's figures from the usage ledger: the fold of a ledger read, the header's
/// today totals, warnings and budget colours, the Routes pane's COST and sparkline, past
/// requests, and the History view.
@Suite struct LedgerDashboardTests: RendersFixture {
    func screen(
        _ ui: UIState = UIState(),
        width: Int = 80,
        height: Int = 24,
        theme: Theme = .full,
        state: DashboardState = LedgerFixture.state()
    ) -> CellGrid {
        render(ui, width: width, height: height, theme: theme, state: state)
    }

    // MARK: - The fold

    @Test func pastRequestsGoUnderThisRunsAndCountInNoneOfItsTotals() {
        let before = DashboardFixture.state()
        let after = LedgerFixture.state()
        #expect(after.totalRequests == before.totalRequests)
        #expect(after.totalInputTokens == before.totalInputTokens)
        #expect(after.routeRows == before.routeRows)
        let list = after.requestsForList
        #expect(list.count == before.requestsForList.count + 3)
        #expect(list.prefix(before.requestsForList.count).allSatisfy { !$0.isPast })
        #expect(list.suffix(3).map(\.label) == ["#17", "#16", "#3"], "newest first, after this run's")
        // Their ids never meet this run's, though the numbers do (#3 is also this run's third).
        #expect(Set(list.map(\.id)).count == list.count)
        #expect(after.request(RequestID(3))?.isPast == false)
        let failed = list.first { $0.label == "#16" }
        #expect(failed?.statusCode == 429)
        #expect(failed?.isError == true)
    }

    @Test func pastRequestsAreTakenOnceAndTheHistoryStaysUntilReadAgain() {
        var state = LedgerFixture.state()
        let count = state.requestsForList.count
        var next = LedgerFixture.snapshot
        next.history = nil
        next.today?.requests = 49
        state.applyLedger(next)
        #expect(state.requestsForList.count == count, "the past requests are not added twice")
        #expect(state.ledger?.today?.requests == 49)
        #expect(state.ledger?.history == LedgerFixture.history, "kept: this read had none")
        next.history = LedgerHistory(readAt: LedgerFixture.now)
        state.applyLedger(next)
        #expect(state.ledger?.history?.hoursByRoute.isEmpty == true)
    }

    @Test func theFilterFindsPastRequests() {
        let past = Renderer.visibleRequests(LedgerFixture.state(), filter: "past")
        #expect(past.map(\.label) == ["#17", "#16", "#3"])
    }

    // MARK: - The header

    @Test(arguments: [(80, 24), (60, 15), (120, 35)])
    func theHeaderShowsTodaysTotalsBesideThisRuns(width: Int, height: Int) {
        let line = screen(width: width, height: height).lines[1]
        #expect(line.contains("today 48 req 1.2M tok $3.41"), "\(line)")
        #expect(line.contains("errors 1"), "\(line)")
        #expect(line.hasPrefix("6 req") || line.hasPrefix("requests 6"), "\(line)")
    }

    @Test func theHeaderSaysNothingOfTheLedgerWhenItIsOffOrNotReadYet() {
        var off = LedgerFixture.state()
        off.ledgerEnabled = false
        var unread = DashboardFixture.state()
        unread.ledgerEnabled = true
        for state in [off, unread] {
            let text = screen(state: state).lines.prefix(3).joined(separator: "\n")
            #expect(!text.contains("today"), "\(text)")
            #expect(!text.contains("ledger"), "\(text)")
        }
        // Off: no COST column either, and the History view says why it is empty.
        #expect(!screen(state: off).lines.joined().contains("COST"))
        var ui = UIState()
        ui.history = HistoryState()
        #expect(screen(ui, state: off).lines.joined(separator: " ").contains("The usage ledger is off"))
    }

    @Test func aBudgetAt80PercentTurnsTodaysFiguresYellowAndAt100Red() {
        for (level, color) in [(BudgetLevel.warning, CellGrid.Style.Color.yellow), (.exceeded, .red)] {
            var snapshot = LedgerFixture.snapshot
            snapshot.status?.budget = BudgetStatus(
                level: level,
                spentToday: 4.1,
                spentThisMonth: 20,
                message: "budget all providers: daily $4.10 of $5.00 (82%)"
            )
            let grid = screen(state: LedgerFixture.state(snapshot))
            let line = grid.lines[1]
            let start = DisplayWidth.of(String(line[..<line.range(of: "today")!.lowerBound]))
            #expect(grid[start, 1].style.color == color)
            #expect(grid.lines[2].hasPrefix("budget all providers: daily $4.10 of $5.00 (82%)"), "\(grid.lines[2])")
            #expect(grid[0, 2].style.color == color)
            #expect(grid.lines[3].hasPrefix("─ Routes "), "the panes move down a row")
        }
        let calm = screen()
        let line = calm.lines[1]
        let start = DisplayWidth.of(String(line[..<line.range(of: "today")!.lowerBound]))
        #expect(calm[start, 1].style.color == nil)
        #expect(calm.lines[2].hasPrefix("─ Routes "))
    }

    @Test func aDegradedLedgerOrRowsWaitingForPostgreSQLAreSaidUnderTheHeader() {
        var snapshot = LedgerFixture.snapshot
        snapshot.status?.warning = "cannot write to /x/usage.sqlite: the database is read-only; …"
        snapshot.status?.writeProblem = "the database is read-only"
        snapshot.status?.waiting = 3
        var lines = screen(state: LedgerFixture.state(snapshot)).lines
        #expect(lines[2].hasPrefix("ledger: 3 waiting, not written (the database is read-only)"), "\(lines[2])")

        snapshot = LedgerFixture.snapshot
        snapshot.status?.warning = "PostgreSQL unreachable: 12 rows waiting"
        snapshot.status?.waiting = 12
        snapshot.status?.waitingForPostgres = 12
        lines = screen(width: 60, height: 15, state: LedgerFixture.state(snapshot)).lines
        #expect(lines[2].hasPrefix("ledger: 12 waiting (PostgreSQL"), "\(lines[2])")

        snapshot = LedgerSnapshot(readError: "SQLite error 11: database disk image is malformed")
        lines = screen(state: LedgerFixture.state(snapshot)).lines
        #expect(lines[1].contains("today: ?"), "no stale figure passed off as today's: \(lines[1])")
        #expect(lines[2].hasPrefix("ledger cannot be read: SQLite error 11"), "\(lines[2])")
    }

    // MARK: - The Routes pane

    /// The Routes pane's row for `route` as fields (split on runs of spaces).
    func routeRow(_ grid: CellGrid, _ route: String) -> [String] {
        grid.lines.first { $0.hasPrefix(" \(route) ") }.map { $0.split(separator: " ").map(String.init) } ?? []
    }

    @Test(arguments: [(80, 24), (120, 35), (100, 30)])
    func theRoutesPaneShowsTodaysCostDashWhenUnknownAndASparkline(width: Int, height: Int) {
        let grid = screen(width: width, height: height)
        #expect(grid.lines.contains { $0.contains(" COST ") && $0.contains("TOK 30m") })
        let defaultRow = routeRow(grid, "default")
        #expect(defaultRow.contains("$2.10"), "\(defaultRow)")
        #expect(routeRow(grid, "background").contains("$0.00"), "free: a known zero")
        let think = routeRow(grid, "think")
        #expect(!think.contains { $0.hasPrefix("$") }, "no price known: never $0 (\(think))")
        #expect(routeRow(grid, "longContext").last == "-", "no request today")
        let spark = defaultRow.last ?? ""
        #expect(spark.allSatisfy { "▁▂▃▄▅▆▇█".contains($0) } && spark.contains("█"), "\(defaultRow)")
    }

    @Test func theSparklineFallsBackToASCII() {
        let row = routeRow(screen(theme: .plainASCII), "default")
        let spark = row.last ?? ""
        #expect(spark.allSatisfy { ".:-=+*#@".contains($0) } && spark.contains("@"), "\(row)")
    }

    // MARK: - Past requests

    @Test func aPastRequestsDetailSaysItsOutputWasNotStored() throws {
        let state = LedgerFixture.state()
        let record = try #require(state.requestsForList.first { $0.label == "#17" })
        var ui = UIState()
        ui.focus = .detail
        ui.detail = record.id
        ui.selectedRequest = record.id
        let text = screen(ui, width: 120, height: 35, state: state).lines.joined(separator: "\n")
        #expect(text.contains("Detail #17"))
        #expect(text.contains("From an earlier run"))
        #expect(text.contains("not stored"))
        #expect(text.contains("Cost: $0.01"))
    }

    @Test func pastRowsAreDimAndAnEarlierDaysShowItsDate() throws {
        let grid = screen(width: 80, height: 30)
        let yesterday = try #require(grid.lines.firstIndex { $0.hasPrefix(" 06-14 ") })
        #expect(grid[1, yesterday].style.dim)
        let morning = try #require(grid.lines.firstIndex { $0.hasPrefix(" 13:31:40 ") })
        #expect(grid[1, morning].style.dim)
        let live = try #require(grid.lines.firstIndex { $0.hasPrefix(" 15:05:40 ") })
        #expect(!grid[1, live].style.dim)
    }

    // MARK: - The History view

    @Test func hOpensTheHistoryTabCyclesTheGroupingArrowsTheMetricEscCloses() {
        let state = LedgerFixture.state()
        var ui = UIState()
        let context = context(state, ui: ui, width: 80, height: 24)
        _ = ui.handle(.character("h"), context: context)
        #expect(ui.history == HistoryState())
        #expect(screen(ui, state: state).lines[2].contains("History: tokens by route"))
        _ = ui.handle(.tab, context: context)
        #expect(ui.history?.grouping == .model)
        #expect(ui.focus == .requests, "Tab in the History view does not move the panes' focus")
        _ = ui.handle(.right, context: context)
        #expect(ui.history?.metric == .cost)
        #expect(screen(ui, state: state).lines[2].contains("History: cost by model"))
        _ = ui.handle(.left, context: context)
        _ = ui.handle(.left, context: context)
        #expect(ui.history?.metric == .requests)
        _ = ui.handle(.tab, context: context)
        #expect(ui.history?.grouping == .route)
        _ = ui.handle(.escape, context: context)
        #expect(ui.history == nil)
    }

    @Test func theHistoryScrollsAt60x15AndSaysWhatLiesBelow() {
        let state = LedgerFixture.state()
        var ui = UIState()
        ui.history = HistoryState()
        let overflow = HistoryView.overflow(
            state,
            ui.history!,
            theme: .full,
            width: 60,
            height: 15,
            now: LedgerFixture.now,
            timeZone: DashboardFixture.utc
        )
        #expect(overflow > 0)
        let top = screen(ui, width: 60, height: 15, state: state)
        #expect(top.lines[14].hasPrefix("Tab route/model"), "the footer has the view's keys: \(top.lines[14])")
        #expect(top.lines.contains { $0.contains("↓ \(overflow) more") })
        var context = context(state, ui: ui, width: 60, height: 15)
        context.historyOverflow = overflow
        _ = ui.handle(.end, context: context)
        #expect(ui.history?.scroll == overflow)
        let bottom = screen(ui, width: 60, height: 15, state: state).lines.joined(separator: "\n")
        #expect(bottom.contains("Most failing models"))
        #expect(bottom.contains("↑ \(overflow) more"))
    }

    @Test func theHistoryChartsScaleToTheBusiestSlot() throws {
        var ui = UIState()
        ui.history = HistoryState(grouping: .route, metric: .requests)
        let lines = screen(ui, width: 120, height: 60).lines
        // "all" is drawn when there are several groups; its busiest hour is a full block.
        let all = try #require(lines.first { $0.hasPrefix(" all ") })
        #expect(all.contains("█"))
        let hours = HistoryView.hourKeys(now: LedgerFixture.now, timeZone: DashboardFixture.utc)
        #expect(hours.count == 24)
        #expect(hours.last == "2025-06-15 15:00")
        #expect(HistoryView.dayKeys(now: LedgerFixture.now, timeZone: DashboardFixture.utc).first == "2025-06-02")
    }

    @Test func theSlowestAndMostFailingModelsAreRanked() {
        let history = LedgerFixture.history
        let slowest = HistoryView.slowest(history.models, theme: .full, width: 78).map(\.0)
        #expect(slowest[2].contains("deepseek,deepseek-reasoner") && slowest[2].contains("2.3/9.8s"), "\(slowest)")
        #expect(slowest[3].contains("nim,z-ai/glm4.7"))
        let failing = HistoryView.failing(history.models, theme: .full, width: 78).map(\.0)
        #expect(failing[2].contains("deepseek,deepseek-reasoner") && failing[2].contains(" 30% "), "\(failing)")
        #expect(failing[3].contains("nim,z-ai/glm4.7") && failing[3].contains(" 1% "), "\(failing)")
        #expect(failing.count == 4, "a model without errors is not listed")
    }

    // MARK: - Snapshots

    @Test(arguments: [(80, 24), (60, 15)])
    func mainScreenWithTheLedger(width: Int, height: Int) {
        assertSnapshot(screen(width: width, height: height), named: "ledger-main-\(width)x\(height)")
    }

    @Test func mainScreenWithTheLedgerASCII() {
        assertSnapshot(screen(theme: .plainASCII), named: "ledger-main-ascii-80x24")
    }

    @Test(arguments: [(80, 24, false), (60, 15, false), (80, 24, true), (60, 15, true)])
    func historyView(width: Int, height: Int, ascii: Bool) {
        var ui = UIState()
        ui.history = HistoryState()
        let theme: Theme = ascii ? .plainASCII : .full
        assertSnapshot(
            screen(ui, width: width, height: height, theme: theme),
            named: "history-\(ascii ? "ascii-" : "")\(width)x\(height)"
        )
    }

    @Test func historyViewByModelCostScrolledToTheModels() {
        var ui = UIState()
        ui.history = HistoryState(grouping: .model, metric: .cost, scroll: 16)
        assertSnapshot(screen(ui, width: 80, height: 24), named: "history-model-cost-80x24")
    }
}

/// The small drawing pieces: block characters, cost.
@Suite struct BlockChartTests {
    @Test func sparklineZeroIsBlankAnyTrafficAtLeastTheLowestBlock() {
        #expect(BlockChart.sparkline([0, 1, 50, 100], theme: .full) == " ▁▄█")
        #expect(BlockChart.sparkline([0, 1, 50, 100], theme: .plainASCII) == " .=@")
        #expect(BlockChart.sparkline([5, 5], maximum: 10, theme: .full) == "▄▄")
        #expect(BlockChart.sparkline([0, 0], theme: .full) == "  ")
    }

    @Test func resampleSumsSpansInOrder() {
        #expect(BlockChart.resample(Array(1...30), cells: 15) == stride(from: 1, to: 30, by: 2).map { 2 * $0 + 1 })
        #expect(BlockChart.resample([1, 2, 3], cells: 10) == [1, 2, 3])
        #expect(BlockChart.resample(Array(repeating: 1, count: 30), cells: 8).reduce(0, +) == 30)
    }

    @Test func barsFillByEighths() {
        #expect(BlockChart.bar(1, maximum: 1, width: 4, theme: .full) == "████")
        #expect(BlockChart.bar(0.5, maximum: 1, width: 3, theme: .full) == "█▌")
        #expect(BlockChart.bar(0.001, maximum: 1, width: 4, theme: .full) == "▏")
        #expect(BlockChart.bar(0, maximum: 1, width: 4, theme: .full) == "")
        #expect(BlockChart.bar(0.5, maximum: 1, width: 4, theme: .plainASCII) == "##")
    }

    @Test func costIsADashWhenUnknownNeverZero() {
        #expect(Format.usd(nil) == "-")
        #expect(Format.usd(0) == "$0.00")
        #expect(Format.usd(0.004) == "<$0.01")
        #expect(Format.usd(3.414) == "$3.41")
        #expect(Format.usd(3.41, partial: true) == "$3.41+")
        #expect(Format.usd(145.2) == "$145")
        #expect(Format.usd(1_234) == "$1.2k")
    }
}
