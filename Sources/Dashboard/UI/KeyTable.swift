/// Every key binding of the dashboard, in one place: ``UIState/handle(_:context:)`` dispatches
/// from it, the footer and the modes' hint lines take their labels from it, and the help box
/// lists it. A new key (or a new view's keys) is one row here. The order is the footer's and the
/// help's order.
enum KeyTable {
    typealias Binding = KeyBinding

    static let bindings: [Binding] = [
        // The main screen (the help's list and the footer).
        Binding(
            [.main],
            keys: "q, Ctrl-C",
            hint: "q quit",
            help: "quit (requests in flight finish first)",
            [(.key(.character("q")), .quit), (.key(.controlC), .quit)]
        ),
        Binding(
            [.main],
            keys: "?, F1",
            hint: "? help",
            help: "this help (Esc closes)",
            [(.key(.character("?")), .openHelp), (.key(.function(1)), .openHelp)]
        ),
        Binding(
            [.main],
            keys: "h",
            hint: "h history",
            help: "history from the usage ledger: the last 24 hours and 14 days, slowest and failing models",
            [(.key(.character("h")), .openHistory)]
        ),
        Binding(
            [.main],
            keys: "s",
            hint: "s sessions",
            help: "Claude Code sessions: live ones, then recent ones on disk",
            [(.key(.character("s")), .openSessions)]
        ),
        Binding(
            [.main],
            keys: "Tab, Shift-Tab, 1-3",
            hint: "Tab pane",
            help: "move between panes",
            [
                (.key(.tab), .nextPane), (.key(.backTab), .previousPane), (.key(.character("1")), .focus(.routes)),
                (.key(.character("2")), .focus(.requests)), (.key(.character("3")), .focus(.detail)),
            ]
        ),
        Binding(
            [.main],
            keys: "↑↓, j/k, PgUp/PgDn, g/G",
            hint: "↑↓/jk move",
            help: "move the selection",
            [
                (.key(.up), .move(.up)), (.key(.character("k")), .move(.up)), (.key(.down), .move(.down)),
                (.key(.character("j")), .move(.down)), (.key(.pageUp), .move(.pageUp)),
                (.key(.pageDown), .move(.pageDown)), (.key(.home), .move(.top)), (.key(.character("g")), .move(.top)),
                (.key(.end), .move(.bottom)), (.key(.character("G")), .move(.bottom)),
            ]
        ),
        Binding(
            [.main],
            keys: "⏎",
            hint: "⏎ open",
            help: "open a request's detail / a route's models",
            [(.key(.enter), .open)]
        ),
        Binding([.main], keys: "Esc", hint: "Esc back", help: "back", [(.key(.escape), .back)]),
        Binding(
            [.main],
            keys: "r",
            hint: "r reset",
            help: "put the selected route back to its configured model",
            panes: [.routes],
            [(.key(.character("r")), .resetRoute)]
        ),
        Binding(
            [.main],
            keys: "/",
            hint: "/ filter",
            help: "filter requests (route, model, status)",
            [(.key(.character("/")), .editFilter)]
        ),
        Binding(
            [.main],
            keys: "m",
            hint: "m model",
            help: "switch a route's model",
            [(.key(.character("m")), .openSwitcher)]
        ),
        Binding(
            [.main],
            keys: "p",
            hint: "p pause",
            help: "pause the display (traffic keeps flowing)",
            [(.key(.character("p")), .togglePause)]
        ),
        Binding(
            [.main],
            keys: "S",
            help: "leave the dashboard, run `switchboard setup`, come back",
            [(.key(.character("S")), .runSetup)]
        ),

        // Ctrl-C quits from every mode.
        Binding(
            [.help, .filterEntry, .switcherRoute, .switcherModel, .sessions, .sessionsConfirm, .history],
            keys: "Ctrl-C",
            [(.key(.controlC), .quit)]
        ),

        // The help box.
        Binding([.help], keys: "q", [(.key(.character("q")), .quit)]),
        Binding(
            [.help],
            keys: "↑↓, j/k, PgUp/PgDn",
            hint: "↑↓ scroll",
            [
                (.key(.up), .move(.up)), (.key(.character("k")), .move(.up)), (.key(.down), .move(.down)),
                (.key(.character("j")), .move(.down)), (.key(.pageUp), .move(.pageUp)),
                (.key(.pageDown), .move(.pageDown)), (.key(.home), .move(.top)), (.key(.end), .move(.bottom)),
            ]
        ),
        Binding(
            [.help],
            keys: "Esc, ?, ⏎, F1",
            hint: "Esc close",
            [
                (.key(.escape), .closeHelp), (.key(.character("?")), .closeHelp), (.key(.enter), .closeHelp),
                (.key(.function(1)), .closeHelp),
            ]
        ),

        // The History view (over the panes; the help box is still a ? away).
        Binding(
            [.history],
            keys: "Tab, Shift-Tab",
            hint: "Tab route/model",
            [(.key(.tab), .cycleGrouping(forward: true)), (.key(.backTab), .cycleGrouping(forward: false))]
        ),
        Binding(
            [.history],
            keys: "←→, c",
            hint: "←→ req/tok/cost",
            [
                (.key(.right), .cycleMetric(forward: true)), (.key(.character("c")), .cycleMetric(forward: true)),
                (.key(.left), .cycleMetric(forward: false)),
            ]
        ),
        Binding(
            [.history],
            keys: "↑↓, j/k, PgUp/PgDn, g/G",
            hint: "↑↓ scroll",
            [
                (.key(.up), .move(.up)), (.key(.character("k")), .move(.up)), (.key(.down), .move(.down)),
                (.key(.character("j")), .move(.down)), (.key(.pageUp), .move(.pageUp)),
                (.key(.pageDown), .move(.pageDown)), (.key(.home), .move(.top)), (.key(.character("g")), .move(.top)),
                (.key(.end), .move(.bottom)), (.key(.character("G")), .move(.bottom)),
            ]
        ),
        Binding(
            [.history],
            keys: "Esc, h",
            hint: "Esc back",
            [(.key(.escape), .closeHistory), (.key(.character("h")), .closeHistory)]
        ),
        Binding([.history], keys: "?", hint: "? help", [(.key(.character("?")), .openHelp)]),
        Binding([.history], keys: "q", hint: "q quit", [(.key(.character("q")), .quit)]),

        // Typing a filter (the footer line).
        Binding([.filterEntry], keys: "⏎", hint: "⏎ apply", [(.key(.enter), .applyFilter)]),
        Binding([.filterEntry], keys: "Esc", hint: "Esc clear", [(.key(.escape), .clearFilter)]),
        Binding([.filterEntry, .switcherModel], keys: "Backspace", [(.key(.backspace), .deleteBackward)]),
        Binding([.filterEntry], keys: "text", [(.text, .typeText)]),

        // The model switcher, first step: pick a route.
        Binding([.switcherRoute], keys: "⏎", hint: "⏎ choose", [(.key(.enter), .chooseRoute)]),
        Binding([.switcherRoute], keys: "r", hint: "r reset", [(.key(.character("r")), .resetRoute)]),
        Binding(
            [.switcherRoute],
            keys: "Esc, q, m",
            hint: "Esc close",
            [
                (.key(.escape), .closeSwitcher), (.key(.character("q")), .closeSwitcher),
                (.key(.character("m")), .closeSwitcher),
            ]
        ),
        Binding(
            [.switcherRoute],
            keys: "↑↓, j/k",
            [
                (.key(.up), .move(.up)), (.key(.character("k")), .move(.up)), (.key(.down), .move(.down)),
                (.key(.character("j")), .move(.down)),
            ]
        ),

        // The model switcher, second step: pick a model (typing filters, so no letter keys).
        Binding([.switcherModel], keys: "text", hint: "type to filter", [(.text, .typeText)]),
        Binding([.switcherModel], keys: "⏎", hint: "⏎ apply", [(.key(.enter), .applyModel)]),
        Binding([.switcherModel], keys: "Esc", hint: "Esc back", [(.key(.escape), .stepBack)]),
        Binding(
            [.switcherModel],
            keys: "↑↓, PgUp/PgDn",
            [
                (.key(.up), .move(.up)), (.key(.down), .move(.down)), (.key(.pageUp), .move(.pageUp)),
                (.key(.pageDown), .move(.pageDown)),
            ]
        ),

        // The Sessions view (SessionsView.swift draws it).
        Binding(
            [.sessions],
            keys: "↑↓, j/k, PgUp/PgDn",
            [
                (.key(.up), .move(.up)), (.key(.character("k")), .move(.up)), (.key(.down), .move(.down)),
                (.key(.character("j")), .move(.down)), (.key(.pageUp), .move(.pageUp)),
                (.key(.pageDown), .move(.pageDown)), (.key(.home), .move(.top)), (.key(.end), .move(.bottom)),
            ]
        ),
        Binding([.sessions], keys: "⏎", hint: "⏎ requests", [(.key(.enter), .showSessionRequests)]),
        Binding([.sessions], keys: "a", hint: "a archive", [(.key(.character("a")), .archiveSession)]),
        Binding([.sessions], keys: "R", hint: "R resume", [(.key(.character("R")), .resumeCommand)]),
        Binding(
            [.sessions],
            keys: "Esc, s, q",
            hint: "Esc close",
            [
                (.key(.escape), .closeSessions), (.key(.character("s")), .closeSessions),
                (.key(.character("q")), .closeSessions),
            ]
        ),
        Binding([.sessionsConfirm], keys: "y", hint: "y archive", [(.key(.character("y")), .confirmArchive)]),
        Binding(
            [.sessionsConfirm],
            keys: "n, Esc",
            hint: "n keep",
            [(.key(.character("n")), .cancelArchive), (.key(.escape), .cancelArchive)]
        ),
    ]

    /// The bindings of `mode` that apply with the focus in `focus`, in table order.
    static func bindings(_ mode: Binding.Mode, focus: UIState.Pane? = nil) -> [Binding] {
        bindings.filter { binding in
            binding.modes.contains(mode) && (focus.map { pane in binding.panes?.contains(pane) ?? true } ?? true)
        }
    }

    /// What `key` does in `mode` with the focus in `focus`: its own binding, else typing
    /// (a printable character where the mode takes text), else nothing.
    static func command(for key: Key, mode: Binding.Mode, focus: UIState.Pane) -> Binding.Command? {
        let active = bindings(mode, focus: focus)
        for binding in active {
            if let command = binding.command(for: key) { return command }
        }
        if case .character(let character) = key, !character.isNewline,
            active.contains(where: { $0.triggers.contains { $0.trigger == .text } })
        {
            return .typeText
        }
        return nil
    }

    /// The footer's (or a mode's hint line's) labels, in table order.
    static func hints(_ mode: Binding.Mode, focus: UIState.Pane? = nil) -> [String] {
        bindings(mode, focus: focus).compactMap(\.hint)
    }

    /// The help box's rows: keys and what they do.
    static var help: [(keys: String, help: String)] {
        bindings(.main).compactMap { binding in binding.help.map { (binding.keys, $0) } }
    }
}
