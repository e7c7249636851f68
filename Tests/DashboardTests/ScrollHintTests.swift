import Foundation
import Testing

@testable import Dashboard
@testable import Proxy

/// A pane whose content continues above or below says how much (`↓ 12 more`).
@Suite struct ScrollHintTests: RendersFixture {
    /// The fixture and 24 more finished requests: 30 in the list.
    func longState() -> DashboardState {
        var state = DashboardFixture.state()
        for id in 10..<34 {
            state.apply(
                Events.request(UInt64(id), at: DashboardFixture.now.addingTimeInterval(Double(id - 40))),
                now: DashboardFixture.now
            )
        }
        return state
    }

    @Test func aLongListSaysHowManyMoreBelowAndAbove() throws {
        let state = longState()
        assertSnapshot(render(width: 80, height: 24, state: state), named: "scroll-hints-80x24")
        var ui = UIState()
        ui.selectedRequest = RequestID(20)
        let middle = render(ui, width: 80, height: 24, state: state)
        assertSnapshot(middle, named: "scroll-hints-middle-80x24")
        assertSnapshot(
            render(ui, width: 80, height: 24, theme: .plainASCII, state: state),
            named: "scroll-hints-ascii-80x24"
        )
        let hint = try #require(middle.lines[22].firstMatch(of: /↑ ([0-9]+) more  ↓ ([0-9]+) more$/))
        let shown = middle.lines.filter { $0.contains("nim,glm-4.7") }.count
        #expect(Int(hint.1)! + Int(hint.2)! + shown == 30, "above + shown + below is the whole list")
    }

    @Test func theRoutesTabScrollsToItsSelectionAndSaysSo() {
        var ui = UIState()
        ui.focus = .routes
        ui.routeIndex = 5
        assertSnapshot(render(ui, width: 40, height: 10), named: "routes-tab-40x10")
    }

    @Test func aLongDetailSaysHowManyLinesMore() {
        var ui = UIState()
        ui.focus = .detail
        ui.detail = RequestID(4)
        ui.detailScroll = 2
        let grid = render(ui, width: 80, height: 20)
        assertSnapshot(grid, named: "detail-scrolled-80x20")
        #expect(grid.lines[18].hasSuffix("↑ 2 more  ↓ 6 more"))
    }
}
