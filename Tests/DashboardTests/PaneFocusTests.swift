import Foundation
import Testing

@testable import Dashboard
@testable import Proxy

/// Tab, Shift-Tab and the digits never leave the focus in a pane that is not on screen.
@Suite struct PaneFocusTests: RendersFixture {
    /// Whether the focused pane is drawn: its title (a tab, reversed, in the one-pane layout).
    func focusIsOnScreen(_ grid: CellGrid, _ ui: UIState) -> Bool {
        let title = ui.focus.title
        if Layout.choose(width: grid.width, height: grid.height) == .single {
            guard let row = grid.lines.firstIndex(where: { $0.contains(" 1 Routes ") }),
                let start = grid.lines[row].range(of: " \(ui.focus.rawValue + 1) \(title) ")
            else { return false }
            let x = DisplayWidth.of(String(grid.lines[row][..<start.lowerBound])) + 1
            return grid[x, row].style.reverse
        }
        return grid.lines.contains { $0.contains("─ \(title)") }
    }

    @Test(arguments: [(120, 35), (80, 24), (80, 20), (60, 15), (40, 10)])
    func paneKeysNeverFocusAPaneThatIsNotOnScreen(width: Int, height: Int) {
        let state = DashboardFixture.state()
        let keys: [Key] = [.tab, .backTab, .character("1"), .character("2"), .character("3"), .enter, .escape]
        var sequences: [[Key]] = [[]]
        for _ in 0..<3 { sequences += sequences.flatMap { prefix in keys.map { prefix + [$0] } } }
        var checked = Set<[Int]>()
        for sequence in sequences {
            var ui = UIState()
            for key in sequence {
                _ = ui.handle(key, context: context(state, ui: ui, width: width, height: height))
                guard ui.switcher == nil else { break }  // Enter on a route opens the switcher
                let id = [ui.focus.rawValue, ui.detail.map { Int($0.rawValue) } ?? -1]
                guard checked.insert(id).inserted || sequence.count < 2 else { continue }
                let grid = render(ui, width: width, height: height, state: state)
                let shown = focusIsOnScreen(grid, ui)
                #expect(
                    shown,
                    "\(width)x\(height) after \(sequence): \(ui.focus) is not shown\n\(grid.lines.joined(separator: "\n"))"
                )
            }
        }
    }

    @Test func aFocusedListIsShownStackedEvenWithADetailOpen() {
        // Left so by a resize from the wide layout: the list has the focus, a detail is open.
        var ui = UIState()
        ui.detail = RequestID(3)
        ui.focus = .requests
        let grid = render(ui, width: 80, height: 24)
        #expect(grid.lines.contains { $0.contains("─ Requests") })
        #expect(!grid.lines.contains { $0.contains("─ Detail") })
    }
}
