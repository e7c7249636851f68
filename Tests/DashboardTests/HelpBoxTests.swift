import Foundation
import Testing

@testable import Dashboard
@testable import Proxy

/// The help box: generated from the key table, wrapped to the screen, scrolled with ↑↓.
@Suite struct HelpBoxTests: RendersFixture {
    @Test func helpAt60x15() {
        var ui = UIState()
        ui.showHelp = true
        assertSnapshot(render(ui, width: 60, height: 15), named: "help-60x15")
        ui.helpScroll = 99
        assertSnapshot(render(ui, width: 60, height: 15), named: "help-60x15-end")
    }

    @Test func helpAt40x10IsNeverCutSideways() {
        var ui = UIState()
        ui.showHelp = true
        ui.helpScroll = 4
        assertSnapshot(render(ui, width: 40, height: 10, theme: .plainASCII), named: "help-ascii-40x10")
    }

    /// Scrolling through the help shows every line whole: each key's description and the paths.
    @Test(arguments: [(60, 15), (80, 24), (120, 35)])
    func everyHelpLineIsReadable(width: Int, height: Int) {
        let state = DashboardFixture.state()
        var ui = UIState()
        ui.showHelp = true
        let overflow = Renderer.helpOverflow(state, theme: .full, width: width, height: height)
        #expect((overflow > 0) == (width == 60), "only 60x15 needs to scroll")
        var seen: [String] = []
        for scroll in 0...overflow {
            ui.helpScroll = scroll
            let grid = render(ui, width: width, height: height, state: state)
            for line in grid.lines where line.contains("│") {
                let inside = line.split(separator: "│", omittingEmptySubsequences: false)
                guard inside.count == 3 else { continue }
                seen.append(inside[1].trimmingCharacters(in: .whitespaces))
                #expect(!inside[1].contains("…"), "nothing cut at \(width)x\(height), scroll \(scroll): \(line)")
            }
        }
        let text = seen.joined(separator: " ").split(separator: " ").joined(separator: " ")
        for row in KeyTable.help { #expect(text.contains(row.help), "\(row.help)") }
        #expect(seen.contains { $0.hasSuffix(state.logPath) }, "the log path on one line")
        #expect(seen.contains { $0.hasSuffix(state.configDescription) })
        #expect(seen.contains { $0.hasSuffix(state.listenAddress) })
    }
}
