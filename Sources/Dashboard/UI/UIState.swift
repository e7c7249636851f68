import Proxy

/// The dashboard's interaction state and its key handling: a struct whose `handle` changes
/// it in place and returns what the outside world must do (quit, switch a route, pause).
/// Which key does what is ``KeyTable``'s; this carries the commands out. Pure: tested without
/// a terminal.
struct UIState: Equatable {
    enum Pane: Int, CaseIterable, Sendable {
        case routes, requests, detail

        var title: String {
            switch self {
            case .routes: return "Routes"
            case .requests: return "Requests"
            case .detail: return "Detail"
            }
        }
    }

    /// The model switcher: pick a route, then a model (typing filters the models).
    struct Switcher: Equatable {
        enum Step: Equatable {
            case route
            case model(RouteKind)
        }

        var step = Step.route
        var routeIndex = 0
        var filter = ""
        var modelIndex = 0
        /// The model whose failed tool calls were pointed out; a second ⏎ on it switches anyway.
        var warned: ModelRef?
    }

    /// What key handling needs to know about the data on screen.
    struct Context {
        var routes: [RouteKind]
        var models: [ModelRef]
        /// Request ids in list order, after the filter.
        var requests: [RequestID]
        /// Lines in the detail pane (for scrolling bounds).
        var detailLines = 0
        /// Rows visible in the list panes (for paging).
        var pageSize = 10
        /// The arrangement on screen, so focus only moves to panes that are shown.
        var layout = Layout.wide
        /// The model in force on each route, where the model list opens.
        var inForce: [RouteKind: ModelRef] = [:]
        /// Help lines that do not fit the help box (how far it scrolls).
        var helpOverflow = 0
        /// The Sessions view's rows, in order.
        var sessions: [SessionRow] = []
        /// History view lines that do not fit (how far it scrolls).
        var historyOverflow = 0
        /// Models that failed tool calls on the report card (switching to one asks twice).
        var toolCallFailures: Set<ModelRef> = []

        /// The routes whose model can be switched (not `explicit`/`subagent`).
        var switchable: [RouteKind] { routes.filter { RouteKind.configurable.contains($0) } }
    }

    var focus = Pane.requests
    var routeIndex = 0
    /// The selected request; `nil` follows the top of the list.
    var selectedRequest: RequestID?
    /// The request whose detail is open.
    var detail: RequestID?
    var detailScroll = 0
    var filter = ""
    var editingFilter = false
    var paused = false
    var showHelp = false
    /// How far the help box is scrolled.
    var helpScroll = 0
    var switcher: Switcher?
    /// The History view, while it is open.
    var history: HistoryState?
    /// A one-line notice (e.g. the switch just applied).
    var notice: String?
    /// The Sessions view, when open.
    var sessions: SessionsView?
    /// The session whose requests the Requests pane lists (Enter in the Sessions view).
    var sessionFilter: String?

    /// Models matching the switcher's filter.
    static func filteredModels(_ models: [ModelRef], filter: String) -> [ModelRef] {
        let needle = filter.lowercased()
        guard !needle.isEmpty else { return models }
        return models.filter { $0.description.lowercased().contains(needle) }
    }

    /// Where keys go now: the main screen or the mode drawn over it.
    var mode: KeyBinding.Mode {
        if let switcher { return switcher.step == .route ? .switcherRoute : .switcherModel }
        if let sessions { return sessions.confirming == nil ? .sessions : .sessionsConfirm }
        if editingFilter { return .filterEntry }
        if showHelp { return .help }
        return history == nil ? .main : .history
    }

    /// The panes Tab, Shift-Tab and the digits can reach: those on screen in `layout`. The
    /// detail pane only once a request is open; stacked, an open detail takes the list's place.
    static func reachablePanes(layout: Layout, detailOpen: Bool) -> [Pane] {
        guard detailOpen else { return [.routes, .requests] }
        return layout == .stacked ? [.routes, .detail] : [.routes, .requests, .detail]
    }

    /// Handles one key: looks it up in ``KeyTable`` for the current mode and carries it out.
    mutating func handle(_ key: Key, context: Context) -> [UIAction] {
        let mode = self.mode
        if mode == .main || mode == .sessions { notice = nil }
        // Any key while typing a filter changes what is listed: the selection starts again at the top.
        defer { if mode == .filterEntry { selectedRequest = nil } }
        guard let command = KeyTable.command(for: key, mode: mode, focus: focus) else { return [] }
        return perform(command, key: key, mode: mode, context: context)
    }

    private mutating func perform(
        _ command: KeyBinding.Command,
        key: Key,
        mode: KeyBinding.Mode,
        context: Context
    ) -> [UIAction] {
        switch command {
        case .quit:
            return [.quit]
        case .runSetup:
            return [.runSetup]
        case .openHelp:
            showHelp = true
            helpScroll = 0
        case .closeHelp:
            showHelp = false
        case .nextPane:
            cycleFocus(forward: true, context: context)
        case .previousPane:
            cycleFocus(forward: false, context: context)
        case .focus(let pane):
            focus(pane, context: context)
        case .move(let movement):
            move(movement, mode: mode, context: context)
        case .open:
            open(context: context)
        case .back:
            if focus == .detail {
                detail = nil
                focus = .requests
            } else if !filter.isEmpty {
                filter = ""
            } else if sessionFilter != nil {
                sessionFilter = nil
                selectedRequest = nil
            } else {
                selectedRequest = nil
            }
        case .editFilter:
            editingFilter = true
            if focus == .detail { focus(.requests, context: context) }
        case .togglePause:
            paused.toggle()
            return [.setPaused(paused)]
        case .openSwitcher:
            var index = 0
            if focus == .routes, context.routes.indices.contains(routeIndex),
                let switchable = context.switchable.firstIndex(of: context.routes[routeIndex])
            {
                index = switchable
            }
            switcher = Switcher(routeIndex: index)
        case .resetRoute:
            return resetRoute(mode: mode, context: context)
        case .openSessions, .closeSessions, .showSessionRequests, .archiveSession, .confirmArchive, .cancelArchive,
            .resumeCommand:
            return performSessions(command, context: context)
        case .applyFilter:
            editingFilter = false
        case .clearFilter:
            editingFilter = false
            filter = ""
        case .deleteBackward:
            if mode == .switcherModel {
                if switcher?.filter.isEmpty == false { switcher?.filter.removeLast() }
                switcher?.modelIndex = 0
            } else if !filter.isEmpty {
                filter.removeLast()
            }
        case .typeText:
            guard case .character(let character) = key else { break }
            if mode == .switcherModel {
                switcher?.filter.append(character)
                switcher?.modelIndex = 0
            } else {
                filter.append(character)
            }
        case .closeSwitcher:
            switcher = nil
        case .chooseRoute:
            guard let index = switcher?.routeIndex, context.switchable.indices.contains(index) else { break }
            let route = context.switchable[index]
            switcher?.step = .model(route)
            switcher?.filter = ""
            switcher?.modelIndex = Self.inForceIndex(route, context: context)
        case .stepBack:
            if switcher?.filter.isEmpty == true {
                switcher?.step = .route
            } else {
                switcher?.filter = ""
                switcher?.modelIndex = 0
            }
        case .openHistory:
            history = HistoryState()
        case .closeHistory:
            history = nil
        case .cycleGrouping(let forward):
            guard let grouping = history?.grouping else { break }
            history?.grouping = HistoryState.cycle(grouping, forward: forward)
            history?.scroll = 0
        case .cycleMetric(let forward):
            guard let metric = history?.metric else { break }
            history?.metric = HistoryState.cycle(metric, forward: forward)
        case .applyModel:
            guard let switcher, case .model(let route) = switcher.step else { break }
            let models = Self.filteredModels(context.models, filter: switcher.filter)
            guard models.indices.contains(switcher.modelIndex) else { break }
            let model = models[switcher.modelIndex]
            if context.toolCallFailures.contains(model), switcher.warned != model {
                self.switcher?.warned = model
                notice = "\(model) failed tool calls on the report card: ⏎ again to switch anyway"
                break
            }
            self.switcher = nil
            notice = "\(route) → \(model) (from the next request)"
            return [.switchRoute(route, model)]
        }
        return []
    }

    /// The model list's row for the model in force on `route` (the first row when none is known).
    static func inForceIndex(_ route: RouteKind, context: Context) -> Int {
        context.inForce[route].flatMap { context.models.firstIndex(of: $0) } ?? 0
    }

    private mutating func focus(_ pane: Pane, context: Context) {
        switch pane {
        case .routes:
            focus = .routes
        case .requests:
            // Stacked, the open detail covers the list: showing the list closes it.
            if context.layout == .stacked { detail = nil }
            focus = .requests
        case .detail:
            if detail == nil { detail = selectedRequest ?? context.requests.first }
            if detail != nil { focus = .detail }
        }
    }

    private mutating func open(context: Context) {
        switch focus {
        case .routes:
            guard context.routes.indices.contains(routeIndex) else { return }
            let route = context.routes[routeIndex]
            guard let index = context.switchable.firstIndex(of: route) else { return }
            switcher = Switcher(
                step: .model(route),
                routeIndex: index,
                modelIndex: Self.inForceIndex(route, context: context)
            )
        case .requests:
            if let id = selectedRequest ?? context.requests.first {
                detail = id
                detailScroll = 0
                focus = .detail
            }
        case .detail:
            break
        }
    }

    private mutating func resetRoute(mode: KeyBinding.Mode, context: Context) -> [UIAction] {
        let route: RouteKind
        if mode == .switcherRoute {
            guard let index = switcher?.routeIndex, context.switchable.indices.contains(index) else { return [] }
            route = context.switchable[index]
            switcher = nil
        } else {
            guard focus == .routes, context.routes.indices.contains(routeIndex),
                RouteKind.configurable.contains(context.routes[routeIndex])
            else { return [] }
            route = context.routes[routeIndex]
        }
        notice = "\(route): back to the configured model"
        return [.switchRoute(route, nil)]
    }

    private mutating func cycleFocus(forward: Bool, context: Context) {
        let panes = Self.reachablePanes(layout: context.layout, detailOpen: detail != nil)
        let current = panes.firstIndex(of: focus) ?? 0
        focus = panes[(current + (forward ? 1 : panes.count - 1)) % panes.count]
    }

    private mutating func move(_ movement: KeyBinding.Movement, mode: KeyBinding.Mode, context: Context) {
        let page = max(1, context.pageSize - 1)
        let delta: Int
        switch movement {
        case .up: delta = -1
        case .down: delta = 1
        case .pageUp: delta = -page
        case .pageDown: delta = page
        case .top: delta = Int.min / 2
        case .bottom: delta = Int.max / 2
        }
        switch mode {
        case .main:
            move(by: delta, context: context)
        case .help:
            helpScroll = clamp(helpScroll.addingReportingOverflow(delta).partialValue, 0, max(0, context.helpOverflow))
        case .switcherRoute:
            guard let index = switcher?.routeIndex else { return }
            switcher?.routeIndex = clamp(index + delta, 0, max(0, context.switchable.count - 1))
        case .switcherModel:
            guard let switcher else { return }
            let count = Self.filteredModels(context.models, filter: switcher.filter).count
            self.switcher?.modelIndex = clamp(switcher.modelIndex + delta, 0, max(0, count - 1))
        case .sessions:
            guard let index = sessions?.index else { return }
            sessions?.index = clamp(
                index.addingReportingOverflow(delta).partialValue,
                0,
                max(0, context.sessions.count - 1)
            )
        case .history:
            guard let scroll = history?.scroll else { return }
            history?.scroll = clamp(
                scroll.addingReportingOverflow(delta).partialValue,
                0,
                max(0, context.historyOverflow)
            )
        case .filterEntry, .sessionsConfirm:
            break
        }
    }

    private mutating func move(by delta: Int, context: Context) {
        switch focus {
        case .routes:
            guard !context.routes.isEmpty else { return }
            routeIndex = clamp(routeIndex.addingReportingOverflow(delta).partialValue, 0, context.routes.count - 1)
        case .requests:
            guard !context.requests.isEmpty else { return }
            let current = selectedRequest.flatMap { context.requests.firstIndex(of: $0) } ?? 0
            let index = clamp(current.addingReportingOverflow(delta).partialValue, 0, context.requests.count - 1)
            selectedRequest = context.requests[index]
        case .detail:
            detailScroll = clamp(
                detailScroll.addingReportingOverflow(delta).partialValue,
                0,
                max(0, context.detailLines - 1)
            )
        }
    }
}

func clamp(_ value: Int, _ lower: Int, _ upper: Int) -> Int {
    Swift.min(Swift.max(value, lower), upper)
}
