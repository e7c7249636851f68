import Foundation
import Logging
import NIOCore
import NIOPosix

/// The proxy's work, independent of the HTTP server: parse, route, dispatch, translate,
/// report. Each endpoint returns a ``ProxyResponse`` the server writes out.
public final class ProxyEngine: Sendable {
    /// The config and live routes.
    public let store: ConfigStore
    /// Where request events go (the dashboard attaches here).
    public let events: EventBus
    let client: UpstreamClient
    let logger: Logger
    let retry: RetryPolicy
    let counter = RequestTokenCounter()
    /// Learns each model's prompt tokens per estimated token, for the longContext threshold and count_tokens.
    let calibration = TokenCalibration()
    let registry = ProviderRegistry()
    let trimmer = IdleMemoryTrimmer()
    /// Request bytes held at once, across all requests (`MAX_REQUEST_BYTES`).
    let requestBytes: RequestByteBudget
    /// The usage ledger (budgets are checked here), when one is kept.
    public let usage: UsageLedger?
    /// What `GET /metrics` shows, when Prometheus metrics are kept.
    public let metrics: UsageMetrics?
    /// Each Claude Code session's last model, context and totals (`GET /switchboard/session`).
    let sessions: SessionTracker

    /// An engine serving `store`'s config through `client`; a ledger and metrics only when given.
    public init(
        store: ConfigStore,
        events: EventBus = EventBus(),
        client: UpstreamClient,
        logger: Logger,
        retry: RetryPolicy = RetryPolicy(),
        usage: UsageLedger? = nil,
        metrics: UsageMetrics? = nil
    ) {
        self.usage = usage
        self.metrics = metrics
        self.store = store
        requestBytes = RequestByteBudget(limit: store.config.maxRequestBytes ?? RequestByteBudget.defaultLimit)
        self.events = events
        self.client = client
        self.logger = logger
        self.retry = retry
        sessions = SessionTracker(store: store, ledgerPath: usage?.path)
        events.attach(sessions)
    }

    /// `POST /v1/messages`.
    func messages(
        body: ByteBuffer,
        presence: ClientPresence?,
        headers: UpstreamDispatcher.ClientHeaders = .init()
    ) async -> ProxyResponse {
        let start = ContinuousClock.now
        let id = events.makeRequestID()
        let config = store.config
        let redactor = store.redactor
        var request: MessagesRequest
        let estimate: Int
        let counter = counter
        let parsed = await Self.offTheEventLoop(bytes: body.readableBytes) {
            () -> Result<(MessagesRequest, Int), APIError> in
            do {
                let request = try MessagesRequest(json: try Self.parseJSON(body))
                return .success((request, counter.count(request)))
            } catch let error as APIError {
                return .failure(error)
            } catch {
                return .failure(APIError(.invalidRequest, "\(error)"))
            }
        }
        switch parsed {
        case .success(let (parsedRequest, count)):
            request = parsedRequest
            estimate = count
        case .failure(let error):
            logger.info(
                "\(id) POST /v1/messages \(error.status)",
                metadata: ["error": "\(error.kind.rawValue)", "reason": "\(redactor.redact(error.message))"]
            )
            return .error(error)
        }
        events.emit(
            .started(
                .init(
                    id: id,
                    time: Date(),
                    requestedModel: request.model,
                    stream: request.stream,
                    bodyBytes: body.readableBytes,
                    estimatedInputTokens: estimate,
                    messageCount: request.messages.count,
                    toolCount: request.tools.count,
                    maxTokens: request.maxTokens,
                    origin: events.hasSinks
                        ? RequestOrigin(request: request, userAgent: headers.userAgent) : RequestOrigin()
                )
            )
        )
        let decision: RouteDecision
        do {
            decision = try Router(config: config, table: store.routes, calibration: calibration)
                .route(&request, estimatedTokens: estimate)
        } catch {
            return refuse(id, error: error, start: start, request: request, route: nil)
        }
        events.emit(.routed(.init(id: id, decision: decision)))
        logger.debug("\(id) routed to \(decision.target) (\(decision.kind)): \(decision.reason)")
        if let refusal = usage?.budgetRefusal(provider: decision.target.provider) {
            return refuse(id, error: refusal, start: start, request: request, route: decision)
        }

        let dispatcher = UpstreamDispatcher(
            client: client,
            config: config,
            redactor: redactor,
            events: events,
            logger: logger,
            retry: retry,
            presence: presence,
            registry: registry,
            clientHeaders: headers
        )
        let opened: UpstreamDispatcher.Opened
        switch await dispatcher.open(request, decision: decision, id: id, wholeBody: !request.stream) {
        case .success(let value): opened = value
        case .failure(let error):
            return refuse(id, error: error, start: start, request: request, route: decision)
        }
        var reporter: ProgressReporter?
        if events.wantsProgress {
            reporter = ProgressReporter(id: id, bus: events, target: opened.target, requestStart: start)
        }
        let pingInterval = Duration.milliseconds(config.pingIntervalMilliseconds)
        if opened.profile.passthrough {
            let relay = StreamRelay(
                opened: opened,
                translation: PassedThroughAnswer(isEventStream: opened.isEventStream),
                requestStart: start,
                timeout: dispatcher.timeout,
                pingInterval: pingInterval,
                progress: reporter,
                presence: presence
            )
            return await respond(with: relay, request: request, id: id, start: start, route: decision, fold: false)
        }
        var translation = StreamTranslator.Configuration(
            messageID: "msg_" + RandomID.make(length: 24),
            model: opened.target.model,
            estimatedInputTokens: estimate,
            thinkTags: opened.profile.thinkTags,
            toolNames: opened.toolNames,
            stopSequences: request.stopSequences
        )
        translation.bufferToolArguments = opened.profile.bufferToolArguments
        translation.exitToolName = opened.profile.request.exitTool ? ChatRequestBuilder.exitToolName : nil
        translation.thoughtSignatures = opened.profile.request.thoughtSignatures ? registry.signatures : nil
        let relay = StreamRelay(
            opened: opened,
            translation: TranslatedAnswer(configuration: translation, isEventStream: opened.isEventStream),
            requestStart: start,
            timeout: dispatcher.timeout,
            pingInterval: pingInterval,
            progress: reporter,
            presence: presence
        )
        return await respond(with: relay, request: request, id: id, start: start, route: decision, fold: true)
    }

    /// Streams the relay to the client, or (non-streaming) collects it: folding translated
    /// events into one message, or passing a provider's own message through.
    private func respond<Translation: AnswerTranslation>(
        with relay: StreamRelay<Translation>,
        request: MessagesRequest,
        id: RequestID,
        start: ContinuousClock.Instant,
        route: RouteDecision,
        fold: Bool
    ) async -> ProxyResponse {
        let target = relay.opened.target
        if request.stream {
            let keyIndex = relay.opened.keyIndex
            return .stream { write in
                var answerBytes = 0
                let outcome = await relay.run { buffer, _ in
                    answerBytes += buffer.readableBytes
                    try await write(buffer)
                }
                self.report(
                    outcome,
                    id: id,
                    start: start,
                    target: target,
                    request: request,
                    route: route,
                    answer: (answerBytes, keyIndex)
                )
            }
        }
        var accumulator = MessageAccumulator()
        var orderError: MessageAccumulator.OrderError?
        var body: [UInt8] = []
        let outcome = await relay.run { buffer, events in
            body += buffer.readableBytesView
            guard fold else { return }
            for event in events {
                do throws(MessageAccumulator.OrderError) { try accumulator.apply(event) } catch { orderError = error }
            }
        }
        // The bytes the client gets: the folded message, or the provider's own.
        let answerBody = fold ? (accumulator.isComplete ? accumulator.jsonBody : []) : body
        report(
            outcome,
            id: id,
            start: start,
            target: target,
            request: request,
            route: route,
            answer: (answerBody.count, relay.opened.keyIndex)
        )
        if let error = outcome.error ?? accumulator.error { return .error(error) }
        guard fold else { return .json(status: 200, body: body) }
        if let orderError { return .error(APIError(.api, "translation produced an invalid answer: \(orderError)")) }
        guard accumulator.isComplete else {
            return .error(APIError(.api, "the upstream answer was incomplete"))
        }
        return .json(status: 200, body: answerBody)
    }

    /// Logs a request the HTTP layer refused (authentication, body size) in the request-line format.
    func logRefused(method: String, path: String, error: APIError) {
        let id = events.makeRequestID()
        logger.info(
            "\(id) \(method) \(path) \(error.status)",
            metadata: ["error": "\(error.kind.rawValue)", "reason": "\(store.redactor.redact(error.message))"]
        )
    }

    /// `POST /v1/messages/count_tokens`.
    func countTokens(body: ByteBuffer) -> ProxyResponse {
        do {
            var request = try MessagesRequest(json: try Self.parseJSON(body), requireMaxTokens: false)
            let router = Router(config: store.config, table: store.routes, calibration: calibration)
            let tokens = router.countedTokens(&request, estimatedTokens: counter.count(request))
            return .json(status: 200, body: Array(#"{"input_tokens":\#(tokens)}"#.utf8))
        } catch {
            return .error(error)
        }
    }

    /// `GET /v1/models`: every configured `provider,model`, plus the route names.
    /// `GET /switchboard/session?id=…`: what ``SessionTracker`` knows about one session, for
    /// `switchboard statusline`. Read-only.
    /// The first question about a session reads the SQLite ledger (its earlier totals), so the
    /// answer is put together on NIO's blocking pool, never on an event loop carrying traffic.
    func sessionStatus(id: String?) async -> ProxyResponse {
        guard let id, !id.isEmpty, id.count <= 200 else {
            return .error(APIError(.invalidRequest, "GET /switchboard/session needs ?id=<Claude Code session id>"))
        }
        let sessions = sessions
        return .json(status: 200, body: await Self.onTheBlockingPool { sessions.status(session: id).json })
    }

    func models() -> ProxyResponse {
        var writer = JSONWriter()
        let models = store.config.allModels
        writer.raw(#"{"data":["#)
        for (offset, model) in models.enumerated() {
            if offset > 0 { writer.raw(",") }
            writer.raw(#"{"type":"model","id":"#)
            writer.string(model.description)
            writer.raw(#","display_name":"#)
            writer.string("\(model.model) (\(model.provider))")
            writer.raw(#","created_at":"1970-01-01T00:00:00Z"}"#)
        }
        writer.raw(#"],"has_more":false,"first_id":"#)
        if let first = models.first { writer.string(first.description) } else { writer.raw("null") }
        writer.raw(#","last_id":"#)
        if let last = models.last { writer.string(last.description) } else { writer.raw("null") }
        writer.raw("}")
        return .json(status: 200, body: writer.bytes)
    }

    /// Bodies at least this large are parsed and counted on NIO's blocking pool.
    static let offLoopThreshold = 256 * 1024

    /// Runs `work` where it cannot hold up other connections when the body is large: the
    /// event loops also run Swift Concurrency here, so a long parse on one would stall every
    /// connection it serves. Small bodies (nearly all) stay where they are: a hop costs more
    /// than their parse.
    static func offTheEventLoop<T: Sendable>(bytes: Int, _ work: @escaping @Sendable () -> T) async -> T {
        guard bytes >= offLoopThreshold else { return work() }
        return await onTheBlockingPool(work)
    }

    /// Runs `work` (which may block: disk, SQLite) on NIO's blocking pool.
    static func onTheBlockingPool<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
        do {
            return try await NIOThreadPool.singleton.runIfActive(work)
        } catch {
            // The pool is shutting down: do the work here rather than fail the request.
            return work()
        }
    }

    static func parseJSON(_ body: ByteBuffer) throws(APIError) -> JSONValue {
        if body.readableBytes == 0 { throw APIError(.invalidRequest, "request body is empty; expected a JSON object") }
        do {
            return try JSONParser.parse(body.readableBytesView)
        } catch {
            throw APIError(.invalidRequest, "request body is not valid JSON: \(error.description)")
        }
    }

    // MARK: - Reporting

    private func report(
        _ outcome: RelayOutcome,
        id: RequestID,
        start: ContinuousClock.Instant,
        target: ModelRef,
        request: MessagesRequest,
        route: RouteDecision,
        answer: (bytes: Int, keyIndex: Int?)
    ) {
        let duration = ContinuousClock.now - start
        let clientGone = APIError(.invalidRequest, "client closed the connection", status: 499)
        if let error = outcome.clientGone ? clientGone : outcome.error {
            _ = fail(
                id,
                error: error,
                target: target,
                start: start,
                ttft: outcome.ttft,
                outputTokens: outcome.outputTokens,
                request: request,
                route: route,
                answer: answer
            )
            return
        }
        if let sample = outcome.promptTokenSample { calibration.record(target, sample) }
        events.emit(
            .finished(
                .init(
                    id: id,
                    target: target,
                    stopReason: outcome.stopReason,
                    usage: outcome.usage,
                    ttft: outcome.ttft,
                    duration: duration,
                    messageID: outcome.messageID,
                    keyIndex: answer.keyIndex,
                    usageEstimated: outcome.usageEstimated,
                    answerBytes: answer.bytes
                )
            )
        )
        logRequest(
            id: id,
            status: 200,
            route: route,
            target: target,
            request: request,
            ttft: outcome.ttft,
            duration: duration,
            usage: outcome.usage
        )
    }

    private func fail(
        _ id: RequestID,
        error: APIError,
        target: ModelRef?,
        start: ContinuousClock.Instant,
        ttft: Duration?,
        outputTokens: Int,
        request: MessagesRequest,
        route: RouteDecision?,
        answer: (bytes: Int, keyIndex: Int?) = (0, nil)
    ) -> ProxyResponse {
        let duration = ContinuousClock.now - start
        let usage = Usage(inputTokens: counter.count(request), outputTokens: outputTokens)
        events.emit(
            .failed(
                .init(
                    id: id,
                    target: target,
                    error: error,
                    ttft: ttft,
                    duration: duration,
                    outputTokens: outputTokens,
                    keyIndex: answer.keyIndex,
                    estimatedInputTokens: usage.inputTokens,
                    answerBytes: answer.bytes
                )
            )
        )
        logRequest(
            id: id,
            status: error.status,
            route: route,
            target: target ?? route?.target,
            request: request,
            ttft: ttft,
            duration: duration,
            usage: usage,
            error: error
        )
        return .error(error)
    }

    /// A request that failed before any answer started (routing, budget, every candidate).
    private func refuse(
        _ id: RequestID,
        error: APIError,
        start: ContinuousClock.Instant,
        request: MessagesRequest,
        route: RouteDecision?
    ) -> ProxyResponse {
        fail(id, error: error, target: nil, start: start, ttft: nil, outputTokens: 0, request: request, route: route)
    }

    /// The request line: `#12 POST /v1/messages 200`, with the request's fields as metadata
    /// (`route`, `provider`, `model`, `stream`, `ttft`, `duration`, `in`, `out`), so a log
    /// shipper gets them as fields (`LOG_FORMAT=json`) and a person as `key=value`.
    private func logRequest(
        id: RequestID,
        status: Int,
        route: RouteDecision?,
        target: ModelRef?,
        request: MessagesRequest,
        ttft: Duration?,
        duration: Duration,
        usage: Usage,
        error: APIError? = nil
    ) {
        var metadata: Logger.Metadata = [
            "route": "\(route?.kind.rawValue ?? "-")",
            "provider": "\(target?.provider ?? "-")",
            "model": "\(target?.model ?? "-")",
            "stream": "\(request.stream)",
            "ttft": "\(ttft.map { "\(Self.milliseconds($0))ms" } ?? "-")",
            "duration": "\(Self.milliseconds(duration))ms",
            "in": "\(usage.inputTokens + usage.cacheReadInputTokens)",
            "out": "\(usage.outputTokens)",
        ]
        if let error {
            metadata["error"] = "\(error.kind.rawValue)"
            metadata["reason"] = "\(store.redactor.redact(error.message))"
        }
        logger.info("\(id) POST /v1/messages \(status)", metadata: metadata)
    }

    static func milliseconds(_ duration: Duration) -> Int {
        Int(duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000)
    }
}

/// What an endpoint answers.
enum ProxyResponse: Sendable {
    case json(status: Int, body: [UInt8])
    case error(APIError)
    /// An SSE stream; the closure writes it and returns when done.
    case stream(@Sendable (_ write: (ByteBuffer) async throws -> Void) async -> Void)
}
