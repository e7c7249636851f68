import Foundation
import Testing

@testable import Dashboard
@testable import Proxy

/// A refused config edit: a one-line banner under the header until a good edit lands.
@Suite struct ConfigBannerTests: RendersFixture {
    func refusedState() -> DashboardState {
        var state = DashboardFixture.state()
        state.noteReload(
            ConfigStore.ReloadStatus(
                time: DashboardFixture.now,
                error:
                    "/home/ada/.config/switchboard/config.json: not valid JSON5: line 3, column 18: expected ',' or '}' in object; still serving the previous config"
            )
        )
        return state
    }

    @Test func aRefusedEditShowsABannerUnderTheHeader() {
        assertSnapshot(render(width: 80, height: 24, state: refusedState()), named: "config-refused-80x24")
        assertSnapshot(render(width: 60, height: 15, state: refusedState()), named: "config-refused-60x15")
    }

    @Test(arguments: [(200, 40), (120, 35), (80, 24), (60, 15), (40, 10)])
    func theBannerFitsEveryWidthWithTheLineAndColumn(width: Int, height: Int) {
        let grid = render(width: width, height: height, state: refusedState())
        let banner = grid.lines[2]
        #expect(banner.hasPrefix("Config "))
        #expect(banner.contains("line 3, column 18"), "\(banner)")
        #expect(DisplayWidth.of(banner) <= width)
        #expect(grid[0, 2].style.color == .yellow)
        #expect(grid[0, 2].style.bold)
        #expect(grid[width - 1, 2].style.color == .yellow, "the whole line is the banner")
        let plain = render(
            width: width,
            height: height,
            theme: Theme(color: false, unicode: true),
            state: refusedState()
        )
        #expect(plain[0, 2].style.reverse, "without colour the banner is reversed")
    }

    @Test func aGoodEditRemovesTheBannerAndSaysSoBriefly() {
        var state = refusedState()
        state.noteReload(ConfigStore.ReloadStatus(time: DashboardFixture.now.addingTimeInterval(-3), error: nil))
        let grid = render(width: 120, height: 35, state: state)
        #expect(!grid.lines.joined().contains("refused"))
        #expect(grid.lines[0].contains("  config reloaded at 15:06:37  config: ~/.config/switchboard/"))
        #expect(grid[DisplayWidth.of("Switchboard  http://127.0.0.1:3456  up 1h02m  "), 0].style.color == .green)
        let narrow = render(width: 80, height: 24, state: state)
        #expect(narrow.lines[0].contains("config reloaded at 15:06:37"), "shown at 80 columns")
        #expect(grid.lines[2].hasPrefix("─ Routes"), "the panes move back up")
        let later = Renderer(
            state: state,
            ui: UIState(),
            theme: .full,
            now: DashboardFixture.now.addingTimeInterval(30),
            timeZone: DashboardFixture.utc
        ).render(width: 120, height: 35)
        #expect(!later.lines[0].contains("reloaded"), "the notice goes after a few seconds")
    }
}
