import Foundation
import Testing

@testable import Dashboard
@testable import Proxy

@Suite struct RendererSnapshotTests {
    func render(
        _ ui: UIState = UIState(),
        width: Int,
        height: Int,
        theme: Theme = .full,
        state: DashboardState = DashboardFixture.state()
    ) -> CellGrid {
        Renderer(state: state, ui: ui, theme: theme, now: DashboardFixture.now, timeZone: DashboardFixture.utc)
            .render(width: width, height: height)
    }

    // MARK: - Each size

    @Test(arguments: [(120, 35), (80, 24), (60, 15), (30, 8)])
    func eachSize(width: Int, height: Int) {
        assertSnapshot(render(width: width, height: height), named: "main-\(width)x\(height)")
    }

    @Test func singlePaneShowsTheRoutesTab() {
        var ui = UIState()
        ui.focus = .routes
        assertSnapshot(render(ui, width: 60, height: 15), named: "routes-tab-60x15")
    }

    @Test func singlePaneShowsTheDetailTab() {
        var ui = UIState()
        ui.focus = .detail
        ui.detail = RequestID(6)
        assertSnapshot(render(ui, width: 60, height: 15), named: "detail-tab-60x15")
    }

    @Test func asciiTheme() {
        assertSnapshot(render(width: 80, height: 24, theme: .plainASCII), named: "ascii-80x24")
    }

    // MARK: - Overlays and modes

    @Test func help() {
        var ui = UIState()
        ui.showHelp = true
        assertSnapshot(render(ui, width: 80, height: 24), named: "help-80x24")
    }

    @Test func switcherRouteStep() {
        var ui = UIState()
        ui.switcher = UIState.Switcher(step: .route, routeIndex: 2)
        assertSnapshot(render(ui, width: 80, height: 24), named: "switcher-routes-80x24")
    }

    @Test func switcherModelStepFiltered() {
        var ui = UIState()
        ui.switcher = UIState.Switcher(step: .model(.think), routeIndex: 2, filter: "open", modelIndex: 1)
        assertSnapshot(render(ui, width: 80, height: 24), named: "switcher-models-80x24")
    }

    @Test func switcherModelStepAtTheSmallestLayout() {
        var ui = UIState()
        ui.switcher = UIState.Switcher(step: .model(.default), routeIndex: 0)
        assertSnapshot(render(ui, width: 60, height: 15), named: "switcher-models-60x15")
    }

    @Test func detailOpenWide() {
        var ui = UIState()
        ui.focus = .detail
        ui.detail = RequestID(4)
        ui.selectedRequest = RequestID(4)
        assertSnapshot(render(ui, width: 120, height: 35), named: "detail-120x35")
    }

    @Test func detailOpenStacked() {
        var ui = UIState()
        ui.focus = .detail
        ui.detail = RequestID(3)
        ui.selectedRequest = RequestID(3)
        assertSnapshot(render(ui, width: 80, height: 24), named: "detail-80x24")
    }

    @Test func filterApplied() {
        var ui = UIState()
        ui.filter = "think"
        assertSnapshot(render(ui, width: 80, height: 24), named: "filter-80x24")
    }

    @Test func filterBeingTyped() {
        var ui = UIState()
        ui.filter = "err"
        ui.editingFilter = true
        assertSnapshot(render(ui, width: 60, height: 15), named: "filter-editing-60x15")
    }

    @Test func paused() {
        var ui = UIState()
        ui.paused = true
        assertSnapshot(render(ui, width: 80, height: 24), named: "paused-80x24")
    }

    @Test func routesFocusedWithANotice() {
        var ui = UIState()
        ui.focus = .routes
        ui.routeIndex = 2
        ui.notice = "think → openrouter,moonshotai/kimi-k2 (from the next request)"
        assertSnapshot(render(ui, width: 120, height: 35), named: "routes-notice-120x35")
    }

    @Test func empty() {
        var state = DashboardState(startedAt: DashboardFixture.now)
        state.listenAddress = "http://127.0.0.1:3456"
        state.configDescription = "built-in default (no config file found)"
        state.routeEntries = DashboardFixture.routeEntries
        assertSnapshot(render(width: 80, height: 24, state: state), named: "empty-80x24")
    }

    // MARK: - Wide characters

    static let cjkModel = "nim,x日本語日本語日本語"
    static let robot = "nim,ロボ🤖"

    /// The fixture plus a finished request (#7) to a CJK model whose name must be cut at an odd
    /// column, an emoji model (#8), and the default route switched to the CJK model.
    func cjkState() -> DashboardState {
        var state = DashboardFixture.state()
        let now = DashboardFixture.now
        state.apply(Events.started(7, at: now.addingTimeInterval(-2)), now: now)
        state.apply(
            [
                Events.routed(7, .default, Self.cjkModel), Events.firstToken(7, Self.cjkModel, ttftMs: 300),
                Events.progress(7, tokens: 30, [.text("こんにちは 🤖 world. 日本語のテキストはスペースなしで長く続くので、幅で折り返す必要があります。")]),
                Events.finished(7, Self.cjkModel, input: 500, output: 30, ttftMs: 300, durationMs: 1_300),
            ],
            now: now
        )
        state.apply(Events.started(8, at: now.addingTimeInterval(-1)), now: now)
        state.apply(
            [
                Events.routed(8, .background, Self.robot),
                Events.finished(8, Self.robot, input: 20, output: 2, ttftMs: 100, durationMs: 400),
            ],
            now: now
        )
        state.routeEntries[.default] = .init(
            configured: Events.ref(DashboardFixture.glm),
            override: Events.ref(Self.cjkModel)
        )
        return state
    }

    /// The cells of row `y` from column `x` on, as text (wide characters once).
    func text(_ grid: CellGrid, y: Int, from x: Int = 0, count: Int? = nil) -> String {
        var result = ""
        for column in x..<min(grid.width, x + (count ?? grid.width)) {
            if let character = grid[column, y].character { result.append(character) }
        }
        return result
    }

    /// The column where `needle` starts in row `y` (cells, so wide characters count twice).
    func column(of needle: String, in grid: CellGrid, y: Int) -> Int? {
        (0..<grid.width).first { text(grid, y: y, from: $0).hasPrefix(needle) && grid[$0, y].character != nil }
    }

    func row(containing needle: String, in grid: CellGrid) -> Int? {
        grid.lines.firstIndex { $0.contains(needle) }
    }

    @Test func wideCharactersTakeTwoCellsAndKeepTheColumnsAligned() throws {
        let grid = render(width: 80, height: 24, state: cjkState())
        assertSnapshot(grid, named: "cjk-80x24")
        // Request rows: the CJK row's ST column starts where an ASCII row's does.
        let cjkRow = try #require(row(containing: "15:06:38", in: grid))
        let asciiRow = try #require(row(containing: "15:01:40", in: grid))
        let robotRow = try #require(row(containing: "15:06:39", in: grid))
        let status = try #require(column(of: "200", in: grid, y: asciiRow))
        #expect(column(of: "200", in: grid, y: cjkRow) == status)
        #expect(column(of: "200", in: grid, y: robotRow) == status)
        // Right-aligned OUT values end under the header's OUT.
        let header = try #require(grid.lines.firstIndex { $0.hasPrefix(" TIME ") })
        let outEnd = try #require(column(of: " OUT ", in: grid, y: header)) + 4
        #expect(text(grid, y: asciiRow, from: outEnd - 4, count: 4) == " 812")
        #expect(text(grid, y: cjkRow, from: outEnd - 3, count: 3) == " 30")
        #expect(text(grid, y: robotRow, from: outEnd - 2, count: 2) == " 2")
        // Each wide character fills its cell and a continuation cell.
        let first = try #require(column(of: "日", in: grid, y: cjkRow))
        #expect(grid[first + 1, cjkRow].character == nil)
        #expect(grid[first + 2, cjkRow].character == "本")
        let robot = try #require(column(of: "🤖", in: grid, y: robotRow))
        #expect(grid[robot + 1, robotRow].character == nil)
        #expect(grid[robot + 2, robotRow].character == " ")
        // Cut at an odd column: the ellipsis and a pad space, never half a glyph.
        #expect(text(grid, y: cjkRow).contains("nim,x日本語日本語…  200"))
        // The Routes pane: the switched CJK model is cut, and ERR stays in its column.
        let routeRow = try #require(grid.lines.firstIndex { $0.hasPrefix(" default") })
        let backgroundRow = try #require(grid.lines.firstIndex { $0.hasPrefix(" background") })
        #expect(text(grid, y: routeRow).contains("*nim,x日本語日本語…    3 "))
        #expect(grid.lines[routeRow].hasSuffix(" 0"))
        #expect(DisplayWidth.of(grid.lines[routeRow]) == DisplayWidth.of(grid.lines[backgroundRow]))
    }

    @Test(arguments: [(120, 35), (60, 15), (40, 10)])
    func wideCharactersNeverOverflowAnyLayout(width: Int, height: Int) throws {
        let state = cjkState()
        var screens: [UIState] = [UIState()]
        var detail = UIState()
        detail.detail = RequestID(7)
        detail.focus = .detail
        screens.append(detail)
        var routes = UIState()
        routes.focus = .routes
        screens.append(routes)
        var switcher = UIState()
        switcher.switcher = UIState.Switcher(step: .route, routeIndex: 0)
        screens.append(switcher)
        for ui in screens {
            let grid = render(ui, width: width, height: height, state: state)
            for (index, line) in grid.lines.enumerated() {
                #expect(DisplayWidth.of(line) <= width, "row \(index) of \(width)x\(height): \(line)")
            }
            // No cell holds a wide character whose continuation is missing.
            for y in 0..<height {
                for x in 0..<width {
                    guard let character = grid[x, y].character, DisplayWidth.of(character) == 2 else { continue }
                    #expect(x + 1 < width && grid[x + 1, y].character == nil, "half a glyph at \(x),\(y)")
                }
            }
        }
    }

    @Test func theDetailWrapsWideTextByDisplayWidth() {
        var ui = UIState()
        ui.focus = .detail
        ui.detail = RequestID(7)
        ui.detailScroll = 8
        let grid = render(ui, width: 60, height: 15, state: cjkState())
        assertSnapshot(grid, named: "cjk-detail-60x15")
        // The unbroken Japanese run fills the pane's 58 text columns, give or take one wide glyph.
        let wrapped = grid.lines.filter { $0.contains("で") || $0.contains("折") }
        #expect(!wrapped.isEmpty)
        for line in wrapped { #expect(DisplayWidth.of(line) >= 57 && DisplayWidth.of(line) <= 59, "\(line)") }
    }

    // MARK: - Styles

    @Test func errorsStandOutAndTheSelectionIsReversed() throws {
        let grid = render(width: 80, height: 24)
        let errorRow = try #require(row(containing: " 429 ", in: grid))
        let style = grid[2, errorRow].style
        #expect(style.color == .red)
        #expect(style.bold)
        let selected = try #require(row(containing: "15:06:36", in: grid))
        #expect(grid[2, selected].style.reverse, "nothing selected: the top row is")
        let finished = try #require(row(containing: "15:05:40", in: grid))
        #expect(grid[2, finished].style == .plain)
        // The switched route's model is marked.
        let think = try #require(grid.lines.firstIndex { $0.hasPrefix(" think") })
        #expect(grid[14, think].style.color == .magenta)
        #expect(grid[14, think].style.bold)
    }

    @Test func noColorThemeUsesNoColourAnywhere() {
        let monochrome = Theme(color: false, unicode: true)
        var uis: [UIState] = [UIState()]
        var help = UIState()
        help.showHelp = true
        uis.append(help)
        var switcher = UIState()
        switcher.switcher = UIState.Switcher(step: .model(.think))
        uis.append(switcher)
        var detail = UIState()
        detail.detail = RequestID(3)
        detail.focus = .detail
        uis.append(detail)
        for ui in uis {
            for (width, height) in [(120, 35), (80, 24), (60, 15)] {
                let grid = render(ui, width: width, height: height, theme: monochrome)
                let colored = grid.cells.filter { $0.style.color != nil }.count
                #expect(colored == 0, "\(width)x\(height)")
                #expect(grid.cells.contains { $0.style.bold }, "bold is kept")
            }
        }
        let errorRow = render(width: 80, height: 24, theme: monochrome)
        let row = errorRow.lines.firstIndex { $0.contains(" 429 ") } ?? 0
        #expect(errorRow[2, row].style.bold, "without colour an error row is still bold")
    }
}
