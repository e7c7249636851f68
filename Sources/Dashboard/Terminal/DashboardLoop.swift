import Foundation
import Proxy
import Synchronization

/// What the dashboard thread shares with the rest of the process. Everything here is
/// thread-safe; the terminal and the UI state live on the dashboard thread only.
final class DashboardShared: Sendable {
    let store: ConfigStore
    let buffer: EventBuffer
    let stateFile: RouteStateFile
    let configDescription: String
    let logPath: String
    let startedAt: Date
    let listenAddress = Mutex<String>("starting…")
    /// Reads of the usage ledger, left by ``LedgerFeed``.
    let ledgerInbox = LedgerInbox()
    let stopRequested = Atomic<Bool>(false)
    let stopping = Atomic<Bool>(false)
    /// `s` was pressed: after the dashboard stops, `switchboard setup` runs, then the dashboard again.
    let setupRequested = Atomic<Bool>(false)
    let onQuit: @Sendable () -> Void
    let sessions = SessionsLoader()

    init(
        store: ConfigStore,
        buffer: EventBuffer,
        stateFile: RouteStateFile,
        configDescription: String,
        logPath: String,
        startedAt: Date,
        onQuit: @escaping @Sendable () -> Void
    ) {
        self.store = store
        self.buffer = buffer
        self.stateFile = stateFile
        self.configDescription = configDescription
        self.logPath = logPath
        self.startedAt = startedAt
        self.onQuit = onQuit
    }
}

/// The dashboard thread's loop: read keys (draining bursts), fold proxy events, redraw at
/// most 20 times a second and only when something changed.
struct DashboardLoop {
    static let frameInterval: TimeInterval = 0.05

    let terminal: Terminal
    let shared: DashboardShared
    private var state: DashboardState
    private var frozen: DashboardState?
    private var ui = UIState()
    private var dirty = true
    private var lastDraw = Date.distantPast
    private var lastGeneration: UInt64 = .max
    private var lastSecond = 0
    private var lastRoutes: [RouteKind: RouteTable.Entry] = [:]
    private var lastReload: ConfigStore.ReloadStatus?
    private var lastURL = ""
    private var lastSessionsVersion = 0
    private var lastSessionsRefresh = Date.distantPast
    /// `--config` for the empty state's `switchboard env` hint, when `env` would not find this config.
    private let envConfigArgument: String?

    init(terminal: Terminal, shared: DashboardShared) {
        self.terminal = terminal
        self.shared = shared
        state = DashboardState(startedAt: shared.startedAt)
        state.configDescription = shared.configDescription
        state.homeDirectory = ProcessInfo.processInfo.environment["HOME"] ?? NSHomeDirectory()
        state.logPath = shared.logPath
        envConfigArgument = EnvHint.configArgument(
            source: shared.store.config.source,
            defaultSource: try? ConfigLoader().locate(explicitPath: nil)
        )
        state.envCommand = EnvHint.command(listenAddress: "", configArgument: envConfigArgument)
        state.ledgerEnabled = shared.store.config.usage.destination != .off
    }

    mutating func run() {
        defer { terminal.close() }
        while !shared.stopRequested.load(ordering: .relaxed) {
            var input = terminal.read(timeout: dirty ? 0 : 50)
            while let event = input {
                switch event {
                case .resize: dirty = true
                case .key(let key): handle(key)
                }
                input = terminal.read(timeout: 0)
            }
            refresh()
            let now = Date()
            let second = Int(now.timeIntervalSince1970)
            if second != lastSecond {
                lastSecond = second
                dirty = true
            }
            let shown = frozen ?? state
            if dirty || shown.generation != lastGeneration, now.timeIntervalSince(lastDraw) >= Self.frameInterval {
                draw(shown, now: now)
                lastDraw = now
                lastGeneration = shown.generation
                dirty = false
            }
        }
    }

    private mutating func refresh() {
        let (events, dropped) = shared.buffer.drain()
        let now = Date()
        for event in events { state.apply(event, now: now) }
        if dropped > 0 {
            state.droppedEvents += dropped
            state.touch()
        }
        if let ledger = shared.ledgerInbox.take() {
            state.applyLedger(ledger)
            frozen?.applyLedger(ledger)
        }
        let routes = shared.store.routes.entries()
        if routes != lastRoutes {
            lastRoutes = routes
            state.routeEntries = routes
            state.availableModels = shared.store.config.allModels
            state.modelGrades = ModelGradesFile(besideStateFile: shared.stateFile.path).load().mapValues { $0.entry }
            state.setupNeeded = SetupOffer.missing(shared.store.config)
            state.touch()
            frozen?.routeEntries = routes
            frozen?.touch()
        }
        let reload = shared.store.lastReload
        if reload != lastReload, let reload {
            lastReload = reload
            state.noteReload(reload)
            state.availableModels = shared.store.config.allModels
            state.modelGrades = ModelGradesFile(besideStateFile: shared.stateFile.path).load().mapValues { $0.entry }
            frozen?.noteReload(reload)
        }
        refreshSessions(now: now)
        let url = shared.listenAddress.withLock { $0 }
        if url != lastURL {
            lastURL = url
            state.envCommand = EnvHint.command(listenAddress: url, configArgument: envConfigArgument)
            state.touch()
            frozen?.envCommand = state.envCommand
        }
        var address = url
        if shared.stopping.load(ordering: .relaxed) {
            address += "  (stopping: \(state.inFlight.count) in flight)"
        }
        if address != state.listenAddress {
            state.listenAddress = address
            state.touch()
            frozen?.listenAddress = address
            frozen?.touch()
        }
    }

    private mutating func handle(_ key: Key) {
        let shown = frozen ?? state
        let size = terminal.size
        let visible = Renderer.visibleRequests(shown, filter: ui.filter, session: ui.sessionFilter)
        var detailLines = 0
        if let id = ui.detail, let record = shown.request(id) {
            detailLines =
                Renderer.detailLines(
                    record,
                    width: max(10, size.width - 2),
                    theme: terminal.theme,
                    timeZone: .current,
                    now: Date()
                ).count
        }
        let context = UIState.Context(
            routes: shown.routeRows,
            models: shown.availableModels,
            requests: visible.map(\.id),
            detailLines: detailLines,
            pageSize: max(1, size.height / 2),
            layout: Layout.choose(width: size.width, height: size.height),
            inForce: shown.routeEntries.compactMapValues(\.effective),
            helpOverflow: Renderer.helpOverflow(shown, theme: terminal.theme, width: size.width, height: size.height),
            sessions: ui.sessions == nil
                ? [] : SessionRow.rows(records: shown.requestsForList, disk: shown.diskSessions, now: Date()),
            historyOverflow: ui.history.map {
                HistoryView.overflow(shown, $0, theme: terminal.theme, width: size.width, height: size.height)
            } ?? 0,
            toolCallFailures: Set(shown.modelGrades.values.filter { $0.toolCall == .fail }.map { $0.model })
        )
        for action in ui.handle(key, context: context) {
            switch action {
            case .quit:
                shared.stopping.store(true, ordering: .relaxed)
                shared.onQuit()
            case .runSetup:
                shared.setupRequested.store(true, ordering: .relaxed)
                shared.stopping.store(true, ordering: .relaxed)
                shared.onQuit()
            case .switchRoute(let route, let model):
                shared.store.routes.switchRoute(route, to: model)
                do {
                    try shared.stateFile.save(shared.store.routes.switches)
                } catch {
                    ui.notice = "switched, but could not save \(shared.stateFile.path): \(error.localizedDescription)"
                }
            case .setPaused(let paused):
                frozen = paused ? state : nil
            case .refreshSessions:
                shared.sessions.refresh(ledgerPath: shared.store.config.usage.localPath())
                lastSessionsRefresh = Date()
            case .archiveSession(let session):
                shared.sessions.archive(session, ledgerPath: shared.store.config.usage.localPath())
            }
        }
        shared.ledgerInbox.historyWanted.store(ui.history != nil, ordering: .relaxed)
        dirty = true
    }

    /// Takes in the sessions the loader read, and asks for a new reading every 15 s while the
    /// Sessions view is open (the reading itself happens off this loop).
    private mutating func refreshSessions(now: Date) {
        if ui.sessions != nil, now.timeIntervalSince(lastSessionsRefresh) >= 15 {
            lastSessionsRefresh = now
            shared.sessions.refresh(ledgerPath: shared.store.config.usage.localPath())
        }
        let snapshot = shared.sessions.current
        guard snapshot.version != lastSessionsVersion else { return }
        lastSessionsVersion = snapshot.version
        state.diskSessions = snapshot.sessions
        state.touch()
        frozen?.diskSessions = snapshot.sessions
        frozen?.touch()
        if let message = snapshot.message { ui.notice = message }
        dirty = true
    }

    private func draw(_ shown: DashboardState, now: Date) {
        let size = terminal.size
        let grid = Renderer(state: shown, ui: ui, theme: terminal.theme, now: now).render(
            width: size.width,
            height: size.height
        )
        terminal.draw(grid)
    }
}
