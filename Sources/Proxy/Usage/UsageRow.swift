import Foundation

/// One request in the ledger: what was asked, where it went, what came back and what it cost.
public struct UsageRow: Sendable, Equatable, Codable {
    /// When the request arrived (just after its body parsed).
    public var startedAt: Date
    /// The host name of the Switchboard that served it.
    public var instance: String
    /// The request's number within its process (`#12` in the log).
    public var requestID: Int64
    /// The answer's message id.
    public var messageID: String?
    /// `claude-code`, `vscode`, `sdk` or `other`.
    public var client: String
    /// Claude Code's session id.
    public var sessionID: String?
    /// The working directory the request names.
    public var project: String?
    /// The model the client asked for.
    public var requestedModel: String
    /// The route taken and why.
    public var route: String?
    /// The router's reason for the choice, in words.
    public var routeReason: String?
    /// The provider and model that answered (or were tried last).
    public var provider: String?
    /// The model name at `provider` (without the provider).
    public var model: String?
    /// Upstream attempts in all: 1 + retries + fallbacks when the answer came.
    public var attempts: Int
    /// Failed attempts that were retried on the same model.
    public var retries: Int
    /// Failed attempts after which the proxy fell back to another model.
    public var fallbacks: Int
    /// The position of the provider key used last (never the key).
    public var keyIndex: Int?
    /// The HTTP status the client got (499: the client left).
    public var status: Int
    /// The Anthropic error type (`cancelled` when the client left).
    public var errorType: String?
    /// Anthropic's stop reason (`end_turn`, `tool_use`, ...); `nil` when the request failed.
    public var stopReason: String?
    /// The provider's token counts, or Switchboard's estimate when `estimated`.
    public var inputTokens: Int
    /// Output tokens (for a failure, those produced before it).
    public var outputTokens: Int
    /// Prompt tokens read from the provider's cache (not in `inputTokens`).
    public var cacheReadTokens: Int
    /// Whether the counts are Switchboard's estimate (no usage reported, or the answer failed midway).
    public var estimated: Bool
    /// Milliseconds from arrival to the first content delta; `nil` when none came.
    public var ttftMilliseconds: Int?
    /// Milliseconds from arrival to the end of the answer or the failure.
    public var durationMilliseconds: Int
    /// Size of the request body in bytes.
    public var requestBytes: Int
    /// Bytes of the answer sent to the client.
    public var answerBytes: Int
    /// USD; `nil` when the model's price is unknown.
    public var costUSD: Double?
    /// The same tokens at Anthropic's list price for the requested model; `nil` when that is not a Claude model.
    public var anthropicUSD: Double?
    /// Whether the model is free (NIM's hosted endpoints, local models).
    public var free: Bool

    /// Makes a row; the defaults describe an unpriced 200 answered on the first attempt by an `other` client.
    public init(
        startedAt: Date,
        instance: String = "",
        requestID: Int64 = 0,
        messageID: String? = nil,
        client: String = "other",
        sessionID: String? = nil,
        project: String? = nil,
        requestedModel: String,
        route: String? = nil,
        routeReason: String? = nil,
        provider: String? = nil,
        model: String? = nil,
        attempts: Int = 1,
        retries: Int = 0,
        fallbacks: Int = 0,
        keyIndex: Int? = nil,
        status: Int = 200,
        errorType: String? = nil,
        stopReason: String? = nil,
        inputTokens: Int = 0,
        outputTokens: Int = 0,
        cacheReadTokens: Int = 0,
        estimated: Bool = false,
        ttftMilliseconds: Int? = nil,
        durationMilliseconds: Int = 0,
        requestBytes: Int = 0,
        answerBytes: Int = 0,
        costUSD: Double? = nil,
        anthropicUSD: Double? = nil,
        free: Bool = false
    ) {
        self.startedAt = startedAt
        self.instance = instance
        self.requestID = requestID
        self.messageID = messageID
        self.client = client
        self.sessionID = sessionID
        self.project = project
        self.requestedModel = requestedModel
        self.route = route
        self.routeReason = routeReason
        self.provider = provider
        self.model = model
        self.attempts = attempts
        self.retries = retries
        self.fallbacks = fallbacks
        self.keyIndex = keyIndex
        self.status = status
        self.errorType = errorType
        self.stopReason = stopReason
        self.inputTokens = inputTokens
        self.outputTokens = outputTokens
        self.cacheReadTokens = cacheReadTokens
        self.estimated = estimated
        self.ttftMilliseconds = ttftMilliseconds
        self.durationMilliseconds = durationMilliseconds
        self.requestBytes = requestBytes
        self.answerBytes = answerBytes
        self.costUSD = costUSD
        self.anthropicUSD = anthropicUSD
        self.free = free
    }

    /// Whether the request failed (anything but a 2xx).
    public var isError: Bool { !(200..<300).contains(status) }

    /// What the router saved against Anthropic's list price; `nil` unless both are known.
    public var savedUSD: Double? {
        guard let costUSD, let anthropicUSD else { return nil }
        return anthropicUSD - costUSD
    }

    /// Prices the tokens: the model's price (when known) and Anthropic's for the requested model.
    public mutating func price(with price: Price?) {
        costUSD = price?.cost(input: inputTokens, output: outputTokens, cacheRead: cacheReadTokens)
        free = price?.free ?? false
        anthropicUSD = BuiltInPrices.anthropic(requestedModel: requestedModel)?
            .cost(input: inputTokens, output: outputTokens, cacheRead: cacheReadTokens)
    }
}

/// Folds a request's events into its ledger row. Rows come out on `finished` and `failed`;
/// requests still in flight stay here until then.
struct UsageFolder: Sendable {
    struct Pending: Sendable {
        var started: ProxyEvent.Started
        var decision: RouteDecision?
        var failedAttempts = 0
        var retries = 0
        var fallbacks = 0
        var keyIndex: Int?
        var lastTarget: ModelRef?
    }

    private var pending: [RequestID: Pending] = [:]
    let instance: String

    init(instance: String) { self.instance = instance }

    /// Requests started and not yet finished.
    var inFlight: Int { pending.count }

    /// Applies one event; returns the row when the request ended. `price` looks up the
    /// price of a provider's model.
    mutating func apply(_ event: ProxyEvent, price: (_ provider: String, _ model: String) -> Price?) -> UsageRow? {
        switch event {
        case .started(let started):
            pending[started.id] = Pending(started: started)
        case .routed(let routed):
            pending[routed.id]?.decision = routed.decision
        case .attemptFailed(let failed):
            guard var entry = pending[failed.id] else { return nil }
            entry.failedAttempts += 1
            if failed.next.hasPrefix("fall back") {
                entry.fallbacks += 1
            } else if failed.next != "give up" {
                entry.retries += 1
            }
            if let key = failed.keyIndex { entry.keyIndex = key }
            entry.lastTarget = failed.target
            pending[failed.id] = entry
        case .finished(let finished):
            guard let entry = pending.removeValue(forKey: finished.id) else { return nil }
            var row = baseRow(entry, target: finished.target)
            row.attempts = entry.failedAttempts + 1
            row.messageID = finished.messageID
            row.keyIndex = finished.keyIndex ?? entry.keyIndex
            row.stopReason = finished.stopReason?.rawValue
            row.inputTokens = finished.usage.inputTokens
            row.outputTokens = finished.usage.outputTokens
            row.cacheReadTokens = finished.usage.cacheReadInputTokens
            row.estimated = finished.usageEstimated
            row.ttftMilliseconds = finished.ttft.map(Self.milliseconds)
            row.durationMilliseconds = Self.milliseconds(finished.duration)
            row.answerBytes = finished.answerBytes
            row.price(with: price(finished.target.provider, finished.target.model))
            return row
        case .failed(let failed):
            guard let entry = pending.removeValue(forKey: failed.id) else { return nil }
            let target = failed.target ?? entry.lastTarget ?? entry.decision?.target
            var row = baseRow(entry, target: target)
            // An answer that started counts as an attempt; one that never did was tried in the failed attempts.
            row.attempts = entry.failedAttempts + (failed.target == nil ? 0 : 1)
            row.keyIndex = failed.keyIndex ?? entry.keyIndex
            row.status = failed.error.status
            row.errorType = failed.error.status == 499 ? "cancelled" : failed.error.kind.rawValue
            if failed.target != nil {
                // The answer had begun: the prompt was read and some output produced (estimates).
                row.inputTokens = failed.estimatedInputTokens
                row.outputTokens = failed.outputTokens
                row.estimated = true
            }
            row.ttftMilliseconds = failed.ttft.map(Self.milliseconds)
            row.durationMilliseconds = Self.milliseconds(failed.duration)
            row.answerBytes = failed.answerBytes
            row.price(with: target.flatMap { price($0.provider, $0.model) })
            return row
        case .queued, .firstToken, .progress:
            break
        }
        return nil
    }

    private func baseRow(_ entry: Pending, target: ModelRef?) -> UsageRow {
        let started = entry.started
        return UsageRow(
            startedAt: started.time,
            instance: instance,
            requestID: Int64(truncatingIfNeeded: started.id.rawValue),
            client: started.origin.client,
            sessionID: started.origin.sessionID,
            project: started.origin.workingDirectory,
            requestedModel: started.requestedModel,
            route: entry.decision?.kind.rawValue,
            routeReason: entry.decision?.reason,
            provider: target?.provider,
            model: target?.model,
            retries: entry.retries,
            fallbacks: entry.fallbacks,
            requestBytes: started.bodyBytes
        )
    }

    static func milliseconds(_ duration: Duration) -> Int {
        Int(duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000)
    }
}
