import Foundation
import Synchronization

/// What Switchboard knows about one Claude Code session, for `switchboard statusline`: the
/// model that really answered its last request, how full that model's window is, the session's
/// tokens and cost, and trouble at the provider (rate limits, keys cooling down, RPM waits).
public struct SessionStatus: Sendable, Equatable, Codable {
    /// The last request of the session that ended.
    public struct LastRequest: Sendable, Equatable, Codable {
        /// The provider that answered (or was tried last); `nil` when none was chosen.
        public var provider: String?
        /// The model name at that provider (without the provider).
        public var model: String?
        /// The route kind taken (`default`, `think`, ...); `nil` when routing failed.
        public var route: String?
        /// Prompt tokens as the provider counted them, cache reads included, plus the answer:
        /// what the next request of the conversation starts from.
        public var contextTokens: Int
        /// The model's window (config, else published figure); `nil` when unknown.
        public var contextWindow: Int?
        /// Whether `contextTokens` rests on Switchboard's estimate rather than the provider's counts.
        public var estimated: Bool
        /// The HTTP status the client got (499 when it left).
        public var status: Int
        /// The Anthropic error type when the request failed (`cancelled` when the client left); else `nil`.
        public var errorType: String?
        /// When the request arrived.
        public var at: Date

        /// Makes the record from its fields; the tracker fills it from a ledger row.
        public init(
            provider: String?,
            model: String?,
            route: String?,
            contextTokens: Int,
            contextWindow: Int?,
            estimated: Bool,
            status: Int,
            errorType: String?,
            at: Date
        ) {
            self.provider = provider
            self.model = model
            self.route = route
            self.contextTokens = contextTokens
            self.contextWindow = contextWindow
            self.estimated = estimated
            self.status = status
            self.errorType = errorType
            self.at = at
        }

        enum CodingKeys: String, CodingKey {
            case provider, model, route, estimated, status, at
            case contextTokens = "context_tokens"
            case contextWindow = "context_window"
            case errorType = "error_type"
        }
    }

    enum CodingKeys: String, CodingKey {
        case last, requests, errors, unpriced, warnings, known
        case sessionID = "session_id"
        case inputTokens = "input_tokens"
        case outputTokens = "output_tokens"
        case cacheReadTokens = "cache_read_tokens"
        case costUSD = "cost_usd"
        case inFlight = "in_flight"
        case defaultModel = "default_model"
        case defaultWindow = "default_window"
    }

    /// Claude Code's session id this status describes.
    public var sessionID: String
    /// The session's last ended request; `nil` when none has ended. A refusal keeps the previous answer's model.
    public var last: LastRequest?
    /// Requests of the session that ended, this run's and earlier runs' (from the ledger).
    public var requests = 0
    /// Of those, the ones that ended with a non-2xx status.
    public var errors = 0
    /// Prompt tokens not read from the cache, summed over the session.
    public var inputTokens = 0
    /// Output tokens summed over the session.
    public var outputTokens = 0
    /// Prompt tokens read from the provider's cache, summed over the session.
    public var cacheReadTokens = 0
    /// Known cost; `unpriced` counts requests whose price is unknown (the cost is then a floor).
    public var costUSD: Double?
    /// Requests whose model has no known price and is not free.
    public var unpriced = 0
    /// Trouble at the providers this session uses, newest first ("nvidia: rate-limited (429) 12 s ago").
    public var warnings: [String] = []
    /// A request of the session is being answered now.
    public var inFlight = 0
    /// Whether Switchboard has seen the session (this run or in the ledger).
    public var known = false
    /// The model the default route sends the next request to, and its window.
    public var defaultModel: String?
    /// The context window of `defaultModel` in tokens; `nil` when unknown.
    public var defaultWindow: Int?

    /// An empty status for `sessionID`, with `known` false.
    public init(sessionID: String) { self.sessionID = sessionID }

    /// The JSON `GET /switchboard/session` answers (snake_case keys, ISO 8601 times).
    public var json: [UInt8] {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys]
        return (try? Array(encoder.encode(self))) ?? Array("{}".utf8)
    }

    /// Reads what ``json`` wrote.
    public static func decode(_ bytes: [UInt8]) throws -> SessionStatus {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return try decoder.decode(SessionStatus.self, from: Data(bytes))
    }
}

/// Follows each Claude Code session through the proxy's events (this run), adds what the
/// ledger remembers from earlier runs, and watches providers for rate limits and waits.
///
/// Bounded: at most ``maximumSessions`` sessions are kept, the least recently active go first.
final class SessionTracker: ProxyEventSink, Sendable {
    /// Most sessions kept in memory; past it the least recently active idle one is dropped.
    static let maximumSessions = 2_000
    /// How long a rate limit or an RPM wait at a provider stays in the warnings.
    static let troubleMemory: TimeInterval = 120

    struct Totals: Sendable, Equatable {
        var requests = 0
        var errors = 0
        var inputTokens = 0
        var outputTokens = 0
        var cacheReadTokens = 0
        var costUSD: Double?
        var unpriced = 0

        mutating func add(_ row: UsageRow) {
            requests += 1
            if row.isError { errors += 1 }
            inputTokens += row.inputTokens
            outputTokens += row.outputTokens
            cacheReadTokens += row.cacheReadTokens
            if let cost = row.costUSD { costUSD = (costUSD ?? 0) + cost } else if !row.free { unpriced += 1 }
        }

        mutating func add(_ other: Totals) {
            requests += other.requests
            errors += other.errors
            inputTokens += other.inputTokens
            outputTokens += other.outputTokens
            cacheReadTokens += other.cacheReadTokens
            if let cost = other.costUSD { costUSD = (costUSD ?? 0) + cost }
            unpriced += other.unpriced
        }
    }

    struct Earlier: Sendable {
        var totals = Totals()
        var last: UsageQuery.SessionLast?
    }

    struct Session: Sendable {
        var totals = Totals()
        var last: SessionStatus.LastRequest?
        var providers: Set<String> = []
        var lastSeen: Date
        var inFlight = 0
    }

    struct Trouble: Sendable {
        var rateLimitedAt: Date?
        var coolingKeys: [Int: Date] = [:]
        var queuedAt: Date?
        var queuedWait: Duration = .zero
    }

    struct State: Sendable {
        var folder: UsageFolder
        var sessions: [String: Session] = [:]
        var sessionOfRequest: [RequestID: String] = [:]
        var providerOfRequest: [RequestID: String] = [:]
        var trouble: [String: Trouble] = [:]
        /// Earlier runs' totals and last answer per session, read from the ledger once.
        var earlier: [String: Earlier] = [:]
    }

    private let state: Mutex<State>
    private let store: ConfigStore
    private let ledgerPath: String?
    private let runStarted: Date
    private let clock: @Sendable () -> Date

    /// - Parameter ledgerPath: the ledger's SQLite file, read for earlier runs' totals.
    init(
        store: ConfigStore,
        ledgerPath: String?,
        runStarted: Date = Date(),
        clock: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.store = store
        self.ledgerPath = ledgerPath
        self.runStarted = runStarted
        self.clock = clock
        state = Mutex(State(folder: UsageFolder(instance: "")))
    }

    /// False: the tracker needs each request's start, route, waits and end, not its streamed output.
    var wantsProgress: Bool { false }

    /// Folds one event into its session's totals and its provider's trouble, under a lock; returns at once.
    func receive(_ event: ProxyEvent) {
        let config = store.config
        let now = clock()
        state.withLock { state in
            switch event {
            case .started(let started):
                if let session = started.origin.sessionID {
                    state.sessionOfRequest[started.id] = session
                    state.sessions[session, default: Session(lastSeen: now)].inFlight += 1
                    state.sessions[session]?.lastSeen = now
                    Self.evict(&state)
                }
            case .routed(let routed):
                state.providerOfRequest[routed.id] = routed.decision.target.provider
            case .attemptFailed(let failed):
                if failed.error.kind == .rateLimit || failed.error.status == 429 {
                    var trouble = state.trouble[failed.target.provider, default: Trouble()]
                    trouble.rateLimitedAt = now
                    if let key = failed.keyIndex { trouble.coolingKeys[key] = now }
                    state.trouble[failed.target.provider] = trouble
                }
            case .queued(let queued):
                var trouble = state.trouble[queued.target.provider, default: Trouble()]
                trouble.queuedAt = now
                trouble.queuedWait = queued.wait
                state.trouble[queued.target.provider] = trouble
            case .failed(let failed) where failed.error.kind == .rateLimit:
                if let provider = failed.target?.provider ?? state.providerOfRequest[failed.id] {
                    state.trouble[provider, default: Trouble()].rateLimitedAt = now
                }
            default:
                break
            }
            let row = state.folder.apply(event) { provider, model in
                PriceBook(config: config).price(provider: provider, model: model)
            }
            guard let row else { return }
            state.providerOfRequest[event.requestID] = nil
            guard let session = state.sessionOfRequest.removeValue(forKey: event.requestID) else { return }
            var entry = state.sessions[session] ?? Session(lastSeen: now)
            entry.inFlight = max(0, entry.inFlight - 1)
            entry.lastSeen = now
            entry.totals.add(row)
            if let provider = row.provider { entry.providers.insert(provider) }
            // A request refused before any model answered keeps the last answer's model and context.
            let answered = !row.isError || row.inputTokens > 0
            if answered || entry.last == nil {
                entry.last = Self.lastRequest(
                    provider: row.provider,
                    model: row.model,
                    route: row.route,
                    tokens: row.inputTokens + row.cacheReadTokens + row.outputTokens,
                    estimated: row.estimated,
                    status: row.status,
                    errorType: row.errorType,
                    at: row.startedAt,
                    config: config
                )
            } else {
                entry.last?.status = row.status
                entry.last?.errorType = row.errorType
            }
            state.sessions[session] = entry
        }
    }

    /// A last request, with the window of the model that answered it (from `config`).
    static func lastRequest(
        provider: String?,
        model: String?,
        route: String?,
        tokens: Int,
        estimated: Bool,
        status: Int,
        errorType: String?,
        at: Date,
        config: SwitchboardConfig
    ) -> SessionStatus.LastRequest {
        SessionStatus.LastRequest(
            provider: provider,
            model: model,
            route: route,
            contextTokens: tokens,
            contextWindow: provider.flatMap { provider in
                model.flatMap { config.provider(named: provider)?.contextWindow(model: $0) }
            },
            estimated: estimated,
            status: status,
            errorType: errorType,
            at: at
        )
    }

    static func evict(_ state: inout State) {
        guard state.sessions.count > maximumSessions else { return }
        let oldest = state.sessions.filter { $0.value.inFlight == 0 }.min { $0.value.lastSeen < $1.value.lastSeen }
        if let oldest { state.sessions[oldest.key] = nil }
    }

    /// The session's status: this run's requests plus earlier runs' from the ledger, and
    /// the model the default route answers with next (all a session that Switchboard has not
    /// seen yet gets, with `known` false).
    func status(session: String) -> SessionStatus {
        let earlier = earlierTotals(session: session)
        let now = clock()
        let config = store.config
        let next = store.routes.target(for: .default)
        return state.withLock { state -> SessionStatus in
            let entry = state.sessions[session]
            var totals = earlier.totals
            if let entry { totals.add(entry.totals) }
            var status = SessionStatus(sessionID: session)
            status.known = entry != nil || earlier.totals.requests > 0
            status.defaultModel = next?.description
            status.defaultWindow = next.flatMap { config.provider(named: $0.provider)?.contextWindow(model: $0.model) }
            status.last =
                entry?.last
                ?? earlier.last.map { last in
                    Self.lastRequest(
                        provider: last.provider,
                        model: last.model,
                        route: last.route,
                        tokens: last.inputTokens + last.cacheReadTokens + last.outputTokens,
                        estimated: last.estimated,
                        status: last.status,
                        errorType: last.errorType,
                        at: last.startedAt,
                        config: config
                    )
                }
            status.requests = totals.requests
            status.errors = totals.errors
            status.inputTokens = totals.inputTokens
            status.outputTokens = totals.outputTokens
            status.cacheReadTokens = totals.cacheReadTokens
            status.costUSD = totals.costUSD
            status.unpriced = totals.unpriced
            status.inFlight = entry?.inFlight ?? 0
            let providers = entry.map { Array($0.providers) } ?? []
            let watched = (status.last?.provider ?? next?.provider).map { [$0] } ?? []
            status.warnings = Self.warnings(state.trouble, providers: Set(watched + providers), now: now)
            return status
        }
    }

    /// Rate limits and waits seen at `providers` in the last ``troubleMemory`` seconds.
    static func warnings(_ trouble: [String: Trouble], providers: Set<String>, now: Date) -> [String] {
        var warnings: [(Date, String)] = []
        for provider in providers.sorted() {
            guard let entry = trouble[provider] else { continue }
            if let at = entry.rateLimitedAt, now.timeIntervalSince(at) < troubleMemory {
                let cooling = entry.coolingKeys.filter { now.timeIntervalSince($0.value) < troubleMemory }
                let keys =
                    cooling.isEmpty
                    ? ""
                    : cooling.count == 1
                        ? ", key \(cooling.keys.first! + 1) cooling down" : ", \(cooling.count) keys cooling down"
                warnings.append((at, "\(provider): rate-limited (429) \(Self.ago(now.timeIntervalSince(at)))\(keys)"))
            }
            if let at = entry.queuedAt, now.timeIntervalSince(at) < troubleMemory {
                let wait = DurationText.format(entry.queuedWait)
                warnings.append((at, "\(provider): requests wait for its RPM limit (\(wait))"))
            }
        }
        return warnings.sorted { $0.0 > $1.0 }.map(\.1)
    }

    static func ago(_ seconds: TimeInterval) -> String {
        let whole = max(0, Int(seconds))
        return whole < 60 ? "\(whole) s ago" : "\(whole / 60) min ago"
    }

    /// Earlier runs' totals and last answer for `session`, from the ledger (read once per session).
    func earlierTotals(session: String) -> Earlier {
        if let known = state.withLock({ $0.earlier[session] }) { return known }
        var totals = Earlier()
        if let ledgerPath, FileManager.default.fileExists(atPath: ledgerPath),
            let query = try? UsageQuery(path: ledgerPath),
            let report = try? query.session(session, until: runStarted)
        {
            totals.totals = Totals(
                requests: report.requests,
                errors: report.errors,
                inputTokens: report.inputTokens,
                outputTokens: report.outputTokens,
                cacheReadTokens: report.cacheReadTokens,
                costUSD: report.costUSD,
                unpriced: report.unpriced
            )
            if report.requests > 0 { totals.last = try? query.lastAnswered(session: session, until: runStarted) }
        }
        state.withLock { state in
            // Bounded like the sessions themselves (a caller may ask about any id).
            if state.earlier.count >= Self.maximumSessions { state.earlier.removeAll() }
            state.earlier[session] = totals
        }
        return totals
    }
}
