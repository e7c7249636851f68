import Proxy

/// The dashboard's interaction state and its key handling: a struct whose `handle` changes
/// it in place and returns what the outside world must do (quit, switch a route, pause).
/// Pure: tested without a terminal.
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
    var switcher: Switcher?
    /// A one-line notice (e.g. the switch just applied).
    var notice: String?

    /// Models matching the switcher's filter.
    static func filteredModels(_ models: [ModelRef], filter: String) -> [ModelRef] {
        let needle = filter.lowercased()
        guard !needle.isEmpty else { return models }
        return models.filter { $0.description.lowercased().contains(needle) }
    }

    /// Handles one key.
    mutating func handle(_ key: Key, context: Context) -> [UIAction] {
        if key == .controlC { return [.quit] }
        if switcher != nil { return handleSwitcher(key, context: context) }
        if editingFilter { return handleFilterEntry(key) }
        if showHelp {
            switch key {
            case .escape, .character("?"), .enter, .function(1): showHelp = false
            case .character("q"): return [.quit]
            default: break
            }
            return []
        }
        notice = nil
        switch key {
        case .character("q"):
            return [.quit]
        case .character("?"), .function(1):
            showHelp = true
        case .tab:
            cycleFocus(forward: true)
        case .backTab:
            cycleFocus(forward: false)
        case .character("1"):
            focus = .routes
        case .character("2"):
            focus = .requests
        case .character("3"):
            if detail == nil { detail = selectedRequest ?? context.requests.first }
            if detail != nil { focus = .detail }
        case .up, .character("k"):
            move(by: -1, context: context)
        case .down, .character("j"):
            move(by: 1, context: context)
        case .pageUp:
            move(by: -max(1, context.pageSize - 1), context: context)
        case .pageDown:
            move(by: max(1, context.pageSize - 1), context: context)
        case .home, .character("g"):
            move(by: Int.min / 2, context: context)
        case .end, .character("G"):
            move(by: Int.max / 2, context: context)
        case .enter:
            switch focus {
            case .routes:
                guard context.routes.indices.contains(routeIndex) else { break }
                let route = context.routes[routeIndex]
                guard let index = context.switchable.firstIndex(of: route) else { break }
                switcher = Switcher(step: .model(route), routeIndex: index)
            case .requests:
                if let id = selectedRequest ?? context.requests.first {
                    detail = id
                    detailScroll = 0
                    focus = .detail
                }
            case .detail:
                break
            }
        case .escape:
            if focus == .detail {
                detail = nil
                focus = .requests
            } else if !filter.isEmpty {
                filter = ""
            } else {
                selectedRequest = nil
            }
        case .character("/"):
            editingFilter = true
            focus = focus == .detail ? .requests : focus
        case .character("p"):
            paused.toggle()
            return [.setPaused(paused)]
        case .character("m"):
            var index = 0
            if focus == .routes, context.routes.indices.contains(routeIndex),
                let switchable = context.switchable.firstIndex(of: context.routes[routeIndex])
            {
                index = switchable
            }
            switcher = Switcher(routeIndex: index)
        case .character("r"):
            if focus == .routes, context.routes.indices.contains(routeIndex),
                RouteKind.configurable.contains(context.routes[routeIndex])
            {
                let route = context.routes[routeIndex]
                notice = "\(route): back to the configured model"
                return [.switchRoute(route, nil)]
            }
        default:
            break
        }
        return []
    }

    private mutating func cycleFocus(forward: Bool) {
        let panes: [Pane] = detail == nil ? [.routes, .requests] : [.routes, .requests, .detail]
        let current = panes.firstIndex(of: focus) ?? 0
        focus = panes[(current + (forward ? 1 : panes.count - 1)) % panes.count]
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

    private mutating func handleFilterEntry(_ key: Key) -> [UIAction] {
        switch key {
        case .enter: editingFilter = false
        case .escape:
            editingFilter = false
            filter = ""
        case .backspace: if !filter.isEmpty { filter.removeLast() }
        case .character(let character) where !character.isNewline: filter.append(character)
        default: break
        }
        selectedRequest = nil
        return []
    }

    private mutating func handleSwitcher(_ key: Key, context: Context) -> [UIAction] {
        guard var switcher else { return [] }
        defer { if self.switcher != nil { self.switcher = switcher } }
        switch switcher.step {
        case .route:
            switch key {
            case .escape, .character("q"), .character("m"):
                self.switcher = nil
            case .up, .character("k"):
                switcher.routeIndex = max(0, switcher.routeIndex - 1)
            case .down, .character("j"):
                switcher.routeIndex = min(max(0, context.switchable.count - 1), switcher.routeIndex + 1)
            case .enter:
                guard context.switchable.indices.contains(switcher.routeIndex) else { break }
                switcher.step = .model(context.switchable[switcher.routeIndex])
                switcher.filter = ""
                switcher.modelIndex = 0
            case .character("r"):
                guard context.switchable.indices.contains(switcher.routeIndex) else { break }
                let route = context.switchable[switcher.routeIndex]
                self.switcher = nil
                notice = "\(route): back to the configured model"
                return [.switchRoute(route, nil)]
            default: break
            }
        case .model(let route):
            let models = Self.filteredModels(context.models, filter: switcher.filter)
            switch key {
            case .escape:
                if switcher.filter.isEmpty {
                    switcher.step = .route
                } else {
                    switcher.filter = ""
                    switcher.modelIndex = 0
                }
            case .up:
                switcher.modelIndex = max(0, switcher.modelIndex - 1)
            case .down:
                switcher.modelIndex = min(max(0, models.count - 1), switcher.modelIndex + 1)
            case .pageUp:
                switcher.modelIndex = max(0, switcher.modelIndex - max(1, context.pageSize - 1))
            case .pageDown:
                switcher.modelIndex = min(max(0, models.count - 1), switcher.modelIndex + max(1, context.pageSize - 1))
            case .enter:
                guard models.indices.contains(switcher.modelIndex) else { break }
                let model = models[switcher.modelIndex]
                self.switcher = nil
                notice = "\(route) → \(model) (from the next request)"
                return [.switchRoute(route, model)]
            case .backspace:
                if !switcher.filter.isEmpty { switcher.filter.removeLast() }
                switcher.modelIndex = 0
            case .character(let character) where !character.isNewline:
                switcher.filter.append(character)
                switcher.modelIndex = 0
            default: break
            }
        }
        return []
    }
}

func clamp(_ value: Int, _ lower: Int, _ upper: Int) -> Int {
    Swift.min(Swift.max(value, lower), upper)
}
