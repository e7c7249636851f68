/// One row of the key table (``KeyTable``): the keys, the mode (and panes) where they apply,
/// what they do, and how the footer and the help box name them.
struct KeyBinding: Sendable {
    /// Where keys are read: the main screen, or one of the modes drawn over it.
    enum Mode: Equatable, Sendable {
        case main
        case help
        case filterEntry
        case switcherRoute
        case switcherModel
        case sessions, sessionsConfirm
        case history
    }

    /// What a key asks for; ``UIState`` carries it out in the mode it was pressed in.
    enum Command: Equatable, Sendable {
        case quit
        case openHelp, closeHelp
        case nextPane, previousPane
        case focus(UIState.Pane)
        case move(Movement)
        case open, back
        case editFilter, togglePause, openSwitcher, resetRoute
        case applyFilter, clearFilter, deleteBackward, typeText
        case closeSwitcher, chooseRoute, stepBack, applyModel
        case openSessions, closeSessions, showSessionRequests, archiveSession, confirmArchive, cancelArchive
        case resumeCommand
        case openHistory, closeHistory
        case cycleGrouping(forward: Bool)
        case cycleMetric(forward: Bool)
        case runSetup
    }

    /// A move of the selection (or of a scrolled text).
    enum Movement: Equatable, Sendable {
        case up, down, pageUp, pageDown, top, bottom
    }

    /// What sets a binding off: one key, or any printable character no other binding of the
    /// mode takes (typing into a filter).
    enum Trigger: Equatable, Sendable {
        case key(Key)
        case text
    }

    var modes: [Mode]
    var triggers: [(trigger: Trigger, command: Command)]
    /// The keys as the help lists them (`↑↓` and `⏎` are drawn per theme, see ``Theme/keyLabel(_:)``).
    var keys: String
    /// The short label in the footer (or in the mode's own hint line); `nil`: not shown there.
    var hint: String?
    /// The help box's description; `nil`: not listed.
    var help: String?
    /// The panes the binding applies in (main mode); `nil`: every pane.
    var panes: [UIState.Pane]?

    init(
        _ modes: [Mode],
        keys: String,
        hint: String? = nil,
        help: String? = nil,
        panes: [UIState.Pane]? = nil,
        _ triggers: [(Trigger, Command)]
    ) {
        self.modes = modes
        self.keys = keys
        self.hint = hint
        self.help = help
        self.panes = panes
        self.triggers = triggers.map { (trigger: $0.0, command: $0.1) }
    }

    /// The command `key` sets off here, if any.
    func command(for key: Key) -> Command? {
        triggers.first { $0.trigger == .key(key) }?.command
    }
}
