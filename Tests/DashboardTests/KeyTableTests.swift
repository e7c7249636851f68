import Testing

@testable import Dashboard

/// The key table is the one place keys are defined: these check it is consistent, and that
/// the footer, the modes' hint lines and the help box are drawn from it.
struct KeyTableTests {
    static let modes: [KeyBinding.Mode] = [
        .main, .help, .filterEntry, .switcherRoute, .switcherModel, .sessions, .sessionsConfirm, .history,
    ]

    @Test func everyKeyReachesItsOwnBindingNoneIsShadowed() {
        for mode in Self.modes {
            for pane in UIState.Pane.allCases {
                for binding in KeyTable.bindings(mode, focus: pane) {
                    for (trigger, command) in binding.triggers {
                        guard case .key(let key) = trigger else { continue }
                        #expect(
                            KeyTable.command(for: key, mode: mode, focus: pane) == command,
                            "\(key) in \(mode), \(pane): bound twice, or shadowed"
                        )
                    }
                }
            }
        }
    }

    @Test func typingIsTextOnlyWhereAModeTakesText() {
        #expect(KeyTable.command(for: .character("x"), mode: .filterEntry, focus: .requests) == .typeText)
        #expect(KeyTable.command(for: .character("q"), mode: .switcherModel, focus: .requests) == .typeText)
        #expect(KeyTable.command(for: .character("j"), mode: .switcherModel, focus: .requests) == .typeText)
        #expect(KeyTable.command(for: .character("x"), mode: .main, focus: .requests) == nil)
        #expect(KeyTable.command(for: .character("\n"), mode: .filterEntry, focus: .requests) == nil)
    }

    @Test func rIsBoundOnlyInTheRoutesPane() {
        #expect(KeyTable.command(for: .character("r"), mode: .main, focus: .routes) == .resetRoute)
        #expect(KeyTable.command(for: .character("r"), mode: .main, focus: .requests) == nil)
        #expect(KeyTable.hints(.main, focus: .routes).contains("r reset"))
        #expect(!KeyTable.hints(.main, focus: .requests).contains("r reset"))
    }

    @Test func theFooterShowsTheTablesHintsInOrderForTheFocusedPane() {
        func footer(_ focus: UIState.Pane, theme: Theme = .full) -> String {
            var ui = UIState()
            ui.focus = focus
            let grid = Renderer(state: DashboardFixture.state(), ui: ui, theme: theme, now: DashboardFixture.now)
                .render(width: 200, height: 40)
            return grid.lines[39]
        }
        #expect(footer(.requests) == KeyTable.hints(.main, focus: .requests).joined(separator: "  "))
        #expect(footer(.routes) == KeyTable.hints(.main, focus: .routes).joined(separator: "  "))
        #expect(
            footer(.requests, theme: .plainASCII)
                == "q quit  ? help  h history  s sessions  Tab pane  up/down/jk move  Enter open  Esc back  / filter  m model  p pause"
        )
    }

    @Test func theHelpBoxListsEveryRowOfTheTable() {
        var ui = UIState()
        ui.showHelp = true
        let text = Renderer(state: DashboardFixture.state(), ui: ui, theme: .plainASCII, now: DashboardFixture.now)
            .render(width: 200, height: 40).lines.joined(separator: "\n")
        for row in KeyTable.help {
            #expect(text.contains(Theme.plainASCII.keyLabel(row.keys)), "\(row.keys)")
            #expect(text.contains(row.help), "\(row.help)")
        }
        #expect(text.contains("up/down, j/k, PgUp/PgDn, g/G  move the selection"))
    }

    @Test func theModesHintLinesComeFromTheTable() {
        #expect(KeyTable.hints(.filterEntry) == ["⏎ apply", "Esc clear"])
        #expect(KeyTable.hints(.switcherRoute) == ["⏎ choose", "r reset", "Esc close"])
        #expect(KeyTable.hints(.switcherModel) == ["type to filter", "⏎ apply", "Esc back"])
        #expect(KeyTable.hints(.sessions) == ["⏎ requests", "a archive", "R resume", "Esc close"])
        #expect(KeyTable.hints(.sessionsConfirm) == ["y archive", "n keep"])
        #expect(
            KeyTable.hints(.history) == [
                "Tab route/model", "←→ req/tok/cost", "↑↓ scroll", "Esc back", "? help", "q quit",
            ]
        )
        #expect(Theme.plainASCII.keyLabel("←→ req/tok/cost") == "left/right req/tok/cost")
        #expect(Theme.plainASCII.keyLabel("⏎ apply, ↑↓ scroll") == "Enter apply, up/down scroll")
        #expect(Theme.full.keyLabel("⏎ apply, ↑↓ scroll") == "⏎ apply, ↑↓ scroll")
    }
}
