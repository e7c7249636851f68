import Foundation
import Proxy

/// What the dashboard shows: a pure fold of proxy events (``apply(_:now:)``) plus the route
/// table and config facts the loop copies in. No I/O, no clock of its own: `now` is passed in.
struct DashboardState {
    /// How many finished requests are kept for the list.
    static let recentCapacity = 500
    /// How many of the newest finished requests keep their output for the detail view.
    static let outputKept = 50

    var listenAddress = ""
    var configDescription = ""
    /// The user's home directory: the header shows the config's path under it as `~/…`.
    var homeDirectory = ""
    var logPath = ""
    var startedAt: Date
    /// The route table as of the last refresh.
    var routeEntries: [RouteKind: RouteTable.Entry] = [:]
    /// Every configured `provider,model`, for the model switcher.
    var availableModels: [ModelRef] = []
    /// The report card's last grades (`switchboard-models.json`), shown in the model switcher.
    var modelGrades: [ModelRef: ReportCard.Entry] = [:]
    /// What keeps requests from working when Switchboard runs bare (no config, no key); `s` runs setup.
    var setupNeeded: String?
    /// Why the last config edit was refused (the file's path left out): a banner under the
    /// header until a good edit lands.
    var configRefusal: String?
    /// When the last good edit was applied: a notice in the header for a few seconds.
    var configReloadedAt: Date?
    /// The command the empty Requests pane suggests (see ``EnvHint``).
    var envCommand = EnvHint.defaultCommand
    /// Claude Code's sessions on disk with the ledger's totals, read off the render loop.
    var diskSessions: [SessionSummary] = []
    /// Whether the usage ledger is on (`"USAGE_DB"` not `false`): only then are its figures shown.
    var ledgerEnabled = false
    /// The last read of the ledger; `nil` until the first (see ``applyLedger(_:)``).
    private(set) var ledger: LedgerSnapshot?

    private(set) var inFlight: [RequestID: RequestRecord] = [:]
    /// Finished requests, oldest first (the list shows them newest first).
    private(set) var recent: [RequestRecord] = []
    private(set) var routeStats: [RouteKind: RouteStats] = [:]
    private(set) var totalRequests = 0
    private(set) var totalErrors = 0
    private(set) var totalInputTokens = 0
    private(set) var totalOutputTokens = 0
    /// Requests started per whole second (second since 1970 → count), the last minute's worth:
    /// constant work per request at any rate.
    private var startsPerSecond: [Int: Int] = [:]
    /// Display events dropped because the dashboard fell behind (the proxy never waits).
    var droppedEvents = 0
    /// Bumped on every change, so the loop redraws only when something changed.
    private(set) var generation: UInt64 = 0

    init(startedAt: Date) {
        self.startedAt = startedAt
    }

    mutating func touch() { generation &+= 1 }

    /// The config's path as the header shows it: `~/…` under the home directory (the header
    /// has little room, and the path is usually cut at 80 columns).
    var configShown: String {
        let home = homeDirectory.hasSuffix("/") ? String(homeDirectory.dropLast()) : homeDirectory
        guard !home.isEmpty, configDescription.hasPrefix(home + "/") else { return configDescription }
        return "~" + configDescription.dropFirst(home.count)
    }

    /// Takes in a config reload's outcome. A refusal's text loses the config's path (the header
    /// shows it) and the "still serving" tail (the banner says so), so the reason, with its line
    /// and column for a syntax error, comes first.
    mutating func noteReload(_ reload: ConfigStore.ReloadStatus) {
        touch()
        guard var reason = reload.error else {
            configRefusal = nil
            configReloadedAt = reload.time
            return
        }
        let prefix = configDescription + ": "
        if !configDescription.isEmpty, reason.hasPrefix(prefix) { reason.removeFirst(prefix.count) }
        for tail in ["; still serving the previous config", " still serving the previous config"]
        where reason.hasSuffix(tail) {
            reason.removeLast(tail.count)
        }
        configRefusal = reason
        configReloadedAt = nil
    }

    /// Folds one event in.
    mutating func apply(_ event: ProxyEvent, now: Date) {
        touch()
        switch event {
        case .started(let started):
            inFlight[started.id] = RequestRecord(started: started)
            totalRequests += 1
            startsPerSecond[Int(started.time.timeIntervalSince1970), default: 0] += 1
            trimRate(now: now)
        case .routed(let routed):
            update(routed.id, now: now) { record in
                record.route = routed.decision.kind
                record.target = routed.decision.target
                record.reason = routed.decision.reason
                record.candidates = routed.decision.candidates
            }
        case .attemptFailed(let failure):
            update(failure.id, now: now) { record in
                record.attempts.append("\(failure.target): \(failure.error.message) → \(failure.next)")
            }
        case .queued(let queued):
            update(queued.id, now: now) { record in
                record.queuedUntil = now.addingTimeInterval(queued.wait.seconds)
                record.attempts.append(
                    "queued \(Format.milliseconds(queued.wait.milliseconds)) for \(queued.target.provider)'s RPM budget"
                )
            }
        case .firstToken(let first):
            update(first.id, now: now) { record in
                record.ttft = first.ttft
                record.answeredBy = first.target
            }
        case .progress(let progress):
            update(progress.id, now: now) { record in
                record.outputTokens = progress.outputTokens
                record.append(progress.pieces)
            }
        case .finished(let finished):
            complete(finished.id, now: now) { record in
                record.status = .finished(finished.stopReason)
                record.answeredBy = finished.target
                record.ttft = finished.ttft ?? record.ttft
                record.duration = finished.duration
                record.inputTokens = finished.usage.inputTokens + finished.usage.cacheReadInputTokens
                record.cacheReadTokens = finished.usage.cacheReadInputTokens
                record.outputTokens = finished.usage.outputTokens
            }
        case .failed(let failed):
            complete(failed.id, now: now) { record in
                record.status = .failed(failed.error)
                if let target = failed.target { record.answeredBy = target }
                record.ttft = failed.ttft ?? record.ttft
                record.duration = failed.duration
                record.outputTokens = max(record.outputTokens, failed.outputTokens)
            }
        }
    }

    /// Folds in a read of the ledger. Its figures replace the last ones; the History view's data
    /// stays until a new read of it; the first read's past requests go under this run's, oldest
    /// last, and count in none of this run's totals.
    mutating func applyLedger(_ snapshot: LedgerSnapshot) {
        touch()
        var snapshot = snapshot
        if let past = snapshot.past, ledger?.past == nil {
            let known = Set(recent.map(\.id))
            let records = past.reversed().map(RequestRecord.init(past:)).filter { !known.contains($0.id) }
            recent.insert(contentsOf: records, at: 0)
            if recent.count > Self.recentCapacity { recent.removeFirst(recent.count - Self.recentCapacity) }
            snapshot.past = []
        } else {
            snapshot.past = ledger?.past
        }
        if snapshot.history == nil { snapshot.history = ledger?.history }
        ledger = snapshot
    }

    private mutating func update(_ id: RequestID, now: Date, _ change: (inout RequestRecord) -> Void) {
        var record = inFlight[id] ?? RequestRecord(id: id, now: now)
        change(&record)
        inFlight[id] = record
    }

    private mutating func complete(_ id: RequestID, now: Date, _ change: (inout RequestRecord) -> Void) {
        var record = inFlight.removeValue(forKey: id) ?? RequestRecord(id: id, now: now)
        change(&record)
        let route = record.route ?? .default
        var stats = routeStats[route] ?? RouteStats()
        stats.requests += 1
        // A failed request's input was (mostly) never processed; count what was produced.
        stats.inputTokens += record.isError ? 0 : record.inputTokens
        stats.outputTokens += record.outputTokens
        if record.isError {
            stats.errors += 1
            totalErrors += 1
        }
        stats.recordFinished(record, now: now)
        routeStats[route] = stats
        totalInputTokens += record.isError ? 0 : record.inputTokens
        totalOutputTokens += record.outputTokens
        recent.append(record)
        if recent.count > Self.recentCapacity { recent.removeFirst(recent.count - Self.recentCapacity) }
        let oldest = recent.count - Self.outputKept - 1
        if oldest >= 0, !recent[oldest].output.isEmpty {
            recent[oldest].output = []
            recent[oldest].outputDropped = true
        }
    }

    private mutating func trimRate(now: Date) {
        guard startsPerSecond.count > 90 else { return }
        let oldest = Int(now.timeIntervalSince1970) - 60
        startsPerSecond = startsPerSecond.filter { $0.key >= oldest }
    }

    /// In-flight requests waiting for a provider's RPM budget.
    func queuedCount(now: Date) -> Int {
        inFlight.values.filter { ($0.queuedUntil ?? .distantPast) > now }.count
    }

    /// Requests per second over the last 30 seconds.
    func requestRate(now: Date) -> Double {
        let second = Int(now.timeIntervalSince1970)
        let count = (second - 29...second).reduce(0) { $0 + (startsPerSecond[$1] ?? 0) }
        return Double(count) / 30
    }

    /// In-flight requests, oldest first, then finished ones, newest first: the list's order.
    var requestsForList: [RequestRecord] {
        inFlight.values.sorted { $0.id < $1.id } + recent.reversed()
    }

    /// The request with `id`, wherever it is.
    func request(_ id: RequestID) -> RequestRecord? {
        inFlight[id] ?? recent.last { $0.id == id }
    }

    /// The routes shown: the configurable ones, then explicit and subagent once used.
    var routeRows: [RouteKind] {
        RouteKind.configurable + [.explicit, .subagent].filter { routeStats[$0] != nil || inFlightRoutes.contains($0) }
    }

    private var inFlightRoutes: Set<RouteKind> { Set(inFlight.values.compactMap(\.route)) }

    func stats(for route: RouteKind) -> RouteStats { routeStats[route] ?? RouteStats() }
}
