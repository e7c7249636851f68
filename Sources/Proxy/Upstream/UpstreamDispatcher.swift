import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1

/// Gets an answer started: sends the request to the route's model (translated, or passed
/// through to an Anthropic-compatible provider), waits for the provider's RPM budget, rotates
/// its keys, retries retryable failures, then tries the route's fallbacks in order — all
/// before the first byte of the answer (after that, a failure can only be reported inside
/// the stream).
struct UpstreamDispatcher: Sendable {
    /// An upstream answer that has started (status 2xx and body bytes in hand).
    struct Opened: Sendable {
        let call: UpstreamCall
        let target: ModelRef
        let profile: ProviderProfile
        let toolNames: [String: String]
        let headers: HTTPHeaders
        /// Body bytes read so far: the first bytes of a stream, or the whole body.
        let bytes: [ByteBuffer]
        /// Whether the body already ended.
        let ended: Bool
        /// The position of the provider key that got the answer (never the key).
        var keyIndex: Int? = nil
        /// The provider's call slot (`"max_concurrent"`), given back when the answer is done with.
        var slot: CallSlot? = nil

        /// Whether the body is an SSE stream (else a single JSON document).
        var isEventStream: Bool {
            headers.first(name: "content-type")?.lowercased().contains("text/event-stream") ?? false
        }
    }

    /// The client's Anthropic headers, forwarded to Anthropic-compatible providers.
    struct ClientHeaders: Sendable {
        var version: String?
        var beta: String?
        var userAgent: String? = nil
    }

    let client: UpstreamClient
    let config: SwitchboardConfig
    let redactor: SecretRedactor
    let events: EventBus
    let logger: Logger
    let retry: RetryPolicy
    let presence: ClientPresence?
    let registry: ProviderRegistry
    var clientHeaders = ClientHeaders()

    /// Largest error body read from a provider.
    static let maximumErrorBody = 64 * 1024
    /// Largest non-streaming answer read from a provider.
    static let maximumBody = 64 * 1024 * 1024

    var timeout: Duration { .milliseconds(config.apiTimeoutMilliseconds) }

    /// The clock granularity for time-outs and pings.
    var tick: Duration {
        let finest = min(config.apiTimeoutMilliseconds, config.pingIntervalMilliseconds)
        return .milliseconds(max(20, min(1_000, finest / 4)))
    }

    private static let clientGone = APIError(.invalidRequest, "client closed the request", status: 499)

    /// Opens the answer for `request`, trying `decision`'s candidates in order. The decisions
    /// are ``DispatchStateMachine``'s; this only performs them: waits, sends, reports.
    /// - Parameter wholeBody: read the complete body (non-streaming clients).
    func open(_ request: MessagesRequest, decision: RouteDecision, id: RequestID, wholeBody: Bool) async -> Result<
        Opened, APIError
    > {
        let providers = decision.candidates.map { config.provider(named: $0.provider) }
        var machine = DispatchStateMachine(
            candidates: zip(decision.candidates, providers).map { target, provider in
                guard let provider else { return .init(target: target, configured: false) }
                let runtime = registry.runtime(for: provider)
                return .init(
                    target: target,
                    missingKeyVariable: provider.missingKeyVariable,
                    keys: runtime.keys,
                    limiter: runtime.limiter
                )
            },
            policy: retry
        )
        var prepared: [Int: PreparedRequest] = [:]
        var step = machine.start(now: .now)
        while true {
            for report in step.reports {
                events.emit(
                    .attemptFailed(
                        .init(
                            id: id,
                            target: report.target,
                            error: report.error,
                            next: report.next,
                            keyIndex: report.keyIndex
                        )
                    )
                )
                logger.info(
                    "\(id) upstream attempt failed\(report.keyNote)",
                    metadata: [
                        "provider": "\(report.target)", "error": "\(report.error.message)", "next": "\(report.next)",
                    ]
                )
            }
            switch step.action {
            case .wait(let duration, let reason):
                if case .budget(_, let rpm) = reason, let target = machine.currentTarget {
                    events.emit(.queued(.init(id: id, target: target, wait: duration)))
                    logger.info(
                        "\(id) waiting \(DurationText.format(duration)) for \(target.provider)'s budget of \(rpm) requests per minute"
                    )
                }
                guard presence?.isGone != true, !Task.isCancelled, await pause(duration) else {
                    machine.clientLeft()
                    return .failure(Self.clientGone)
                }
                step = machine.waited(now: .now)
            case .send(let index, let checkout):
                if presence?.isGone == true || Task.isCancelled {
                    machine.clientLeft()
                    return .failure(Self.clientGone)
                }
                let target = decision.candidates[index]
                guard let provider = providers[index] else {
                    preconditionFailure("sending to an unconfigured provider")
                }
                let candidate = prepared[index] ?? prepare(request, provider: provider, target: target)
                prepared[index] = candidate
                var slot: CallSlot?
                if let calls = registry.runtime(for: provider).calls {
                    guard let taken = await enter(calls, id: id, target: target) else {
                        machine.clientLeft()
                        return .failure(Self.clientGone)
                    }
                    slot = taken
                }
                let result = await attemptOnce(
                    makeRequest(
                        provider: provider,
                        profile: candidate.profile,
                        body: candidate.body,
                        key: checkout?.key,
                        wholeBody: wholeBody
                    ),
                    provider: provider,
                    target: target,
                    profile: candidate.profile,
                    toolNames: candidate.toolNames,
                    wholeBody: wholeBody
                )
                switch result {
                case .opened(var opened):
                    machine.opened()
                    opened.keyIndex = checkout?.index
                    opened.slot = slot
                    return .success(opened)
                case .clientGone:
                    machine.clientLeft()
                    return .failure(Self.clientGone)
                case .failed(let error, let retryable, let retryAfter, let status):
                    step = machine.failed(
                        .init(error: error, retryable: retryable, retryAfter: retryAfter, status: status),
                        now: .now
                    )
                }
            case .fail(let error):
                return .failure(error)
            }
        }
    }

    /// A candidate's request body, built once however often it is sent.
    private struct PreparedRequest {
        let profile: ProviderProfile
        let body: [UInt8]
        let toolNames: [String: String]
    }

    private func prepare(_ request: MessagesRequest, provider: ProviderConfig, target: ModelRef) -> PreparedRequest {
        let profile = ProviderProfile.resolve(provider: provider, model: target.model)
        let body: [UInt8]
        var toolNames: [String: String] = [:]
        if profile.passthrough {
            body = PassthroughBody.make(request, model: target.model)
        } else {
            let output = ChatRequestBuilder(options: profile.request).build(
                request,
                model: target.model,
                signatures: profile.request.thoughtSignatures ? registry.signatures : nil
            )
            body = JSONValue.object(output.body).jsonBytes
            toolNames = output.toolNames
        }
        logger.trace(
            "upstream request",
            metadata: [
                "provider": "\(provider.name)", "body": "\(redactor.redact(String(decoding: body, as: UTF8.self)))",
            ]
        )
        return PreparedRequest(profile: profile, body: body, toolNames: toolNames)
    }

    /// Waits for a free call under the provider's `"max_concurrent"` (checked every 20 ms, in
    /// arrival order); `nil` if the client left first.
    private func enter(_ calls: CallLimiter, id: RequestID, target: ModelRef) async -> CallSlot? {
        let ticket = calls.ticket()
        var announced = false
        let start = ContinuousClock.now
        while !calls.tryEnter(ticket) {
            if !announced {
                announced = true
                events.emit(.queued(.init(id: id, target: target, wait: .zero)))
                logger.info(
                    "\(id) waiting for one of \(target.provider)'s \(calls.limit) concurrent calls (max_concurrent)"
                )
            }
            guard presence?.isGone != true, !Task.isCancelled, await pause(.milliseconds(20)) else {
                calls.abandon(ticket)
                return nil
            }
        }
        if announced {
            logger.info(
                "\(id) got a call to \(target.provider) after \(DurationText.format(ContinuousClock.now - start))"
            )
        }
        return CallSlot(calls)
    }

    /// Waits `duration` unless the client leaves (checked every 200 ms); `false` if it left.
    private func pause(_ duration: Duration) async -> Bool {
        let deadline = ContinuousClock.now + duration
        while ContinuousClock.now < deadline {
            if presence?.isGone == true || Task.isCancelled { return false }
            let slice = min(.milliseconds(200), deadline - ContinuousClock.now)
            do { try await Task.sleep(for: slice) } catch { return false }
        }
        return presence?.isGone != true
    }

    private func makeRequest(
        provider: ProviderConfig,
        profile: ProviderProfile,
        body: [UInt8],
        key: String?,
        wholeBody: Bool
    ) -> HTTPClientRequest {
        var request = HTTPClientRequest(url: profile.passthrough ? provider.messagesEndpoint : provider.endpoint)
        request.method = .POST
        request.headers.add(name: "content-type", value: "application/json")
        request.headers.add(name: "accept", value: wholeBody ? "application/json" : "text/event-stream")
        request.headers.add(name: "user-agent", value: "switchboard/\(SwitchboardVersion.current)")
        if let key {
            request.headers.add(name: "authorization", value: "Bearer \(key)")
            if profile.passthrough { request.headers.add(name: "x-api-key", value: key) }
        }
        if profile.passthrough {
            request.headers.add(name: "anthropic-version", value: clientHeaders.version ?? "2023-06-01")
            if let beta = clientHeaders.beta { request.headers.add(name: "anthropic-beta", value: beta) }
        }
        request.body = .bytes(ByteBuffer(bytes: body))
        return request
    }

    private enum AttemptResult {
        case opened(Opened)
        case failed(APIError, retryable: Bool, retryAfter: Int?, status: Int?)
        case clientGone
    }

    private func attemptOnce(
        _ request: HTTPClientRequest,
        provider: ProviderConfig,
        target: ModelRef,
        profile: ProviderProfile,
        toolNames: [String: String],
        wholeBody: Bool
    ) async -> AttemptResult {
        let host = URL(string: request.url)?.host ?? ""
        let call = UpstreamCall(client: client.client(for: host), request: request, tick: tick)
        presence?.onGone { call.notifyClientGone() }
        defer { presence?.onGone(nil) }

        let clock = ContinuousClock()
        var timer = StreamTimer(timeout: timeout, pingInterval: nil, now: clock.now)
        var status = 0
        var headers = HTTPHeaders()
        var buffers: [ByteBuffer] = []
        var received = 0
        let label = "\(provider.name) (\(target.model))"

        func upstreamError() -> AttemptResult {
            let message = UpstreamErrorMessage.extract(from: buffers, status: status)
            if [400, 413, 422].contains(status), let rewritten = ContextOverflow.rewrite(message, label: label) {
                return .failed(
                    APIError(.invalidRequest, redactor.redact(rewritten)),
                    retryable: false,
                    retryAfter: nil,
                    status: status
                )
            }
            let retryAfter = RetryPolicy.retryAfter(headers)
            let error = APIError.forUpstreamStatus(
                status,
                message: redactor.redact("\(label): \(message)\(Self.hint(status: status))"),
                retryAfter: retryAfter
            )
            return .failed(
                error,
                retryable: RetryPolicy.isRetryable(status: status),
                retryAfter: retryAfter,
                status: status
            )
        }

        /// A 200 whose whole body is an error document (`{"error": …}` and no `choices`), as
        /// some gateways answer a failure: the provider's error, before the answer starts.
        func errorDocument() -> AttemptResult? {
            var bytes: [UInt8] = []
            for buffer in buffers { bytes.append(contentsOf: buffer.readableBytesView) }
            guard bytes.count <= Self.maximumErrorBody, let json = try? JSONParser.parse(bytes),
                let error = json["error"], !error.isNull, json["choices"] == nil, json["type"] != "message"
            else { return nil }
            let message = redactor.redact(
                "\(label): answered \(status) with an error instead of an answer: "
                    + (UpstreamErrorMessage.message(in: json) ?? error.jsonString)
            )
            let code = error["code"]?.intValue ?? error["status"]?.intValue ?? json["status"]?.intValue
            // The error's own status when it gives one; else the provider cannot be used as it is.
            guard let code, (400...599).contains(code) else {
                return .failed(
                    APIError(.api, message, status: APIError.providerProblemStatus),
                    retryable: false,
                    retryAfter: nil,
                    status: nil
                )
            }
            return .failed(
                APIError.forUpstreamStatus(code, message: message),
                retryable: RetryPolicy.isRetryable(status: code),
                retryAfter: nil,
                status: code
            )
        }

        func opened(ended: Bool) -> AttemptResult {
            .opened(
                Opened(
                    call: call,
                    target: target,
                    profile: profile,
                    toolNames: toolNames,
                    headers: headers,
                    bytes: buffers,
                    ended: ended
                )
            )
        }

        return await withTaskCancellationHandler {
            for await item in call.items {
                switch item {
                case .head(let code, let responseHeaders):
                    status = code
                    headers = responseHeaders
                    timer.upstreamActivity(at: clock.now)
                case .bytes(let buffer):
                    timer.upstreamActivity(at: clock.now)
                    guard buffer.readableBytes > 0 else { continue }
                    received += buffer.readableBytes
                    let isError = !(200..<300).contains(status)
                    let limit = isError ? Self.maximumErrorBody : Self.maximumBody
                    if received <= limit { buffers.append(buffer) }
                    if received > limit, !isError {
                        call.cancel()
                        return .failed(
                            APIError(.api, "\(label) sent an answer larger than 64 MB"),
                            retryable: false,
                            retryAfter: nil,
                            status: nil
                        )
                    }
                    // A stream starts the answer at its first bytes; a JSON document (a provider
                    // that did not stream, or one that says "error" with a 200) is read whole first.
                    let isEventStream =
                        headers.first(name: "content-type")?.lowercased().contains("text/event-stream") ?? false
                    if !isError, !wholeBody, isEventStream { return opened(ended: false) }
                case .end:
                    if (200..<300).contains(status) {
                        if received == 0 {
                            return .failed(
                                APIError(
                                    .api,
                                    "\(label): answered \(status) with an empty body (the connection closed before any answer)",
                                    status: APIError.providerProblemStatus
                                ),
                                retryable: true,
                                retryAfter: nil,
                                status: nil
                            )
                        }
                        if let failure = errorDocument() { return failure }
                        return opened(ended: true)
                    }
                    return upstreamError()
                case .failure(let error):
                    if status != 0, !(200..<300).contains(status) { return upstreamError() }
                    return .failed(
                        APIError.unreachable(
                            redactor.redact(
                                "\(label): cannot connect to \(request.url) (\(UpstreamErrorMessage.describe(error))). "
                                    + "Is api_base_url right, and is the provider running? "
                                    + "Test every model with: switchboard check --probe"
                            )
                        ),
                        retryable: true,
                        retryAfter: nil,
                        status: nil
                    )
                case .tick:
                    if timer.tick(at: clock.now, canPing: false) == .timedOut {
                        call.cancel()
                        let what = status == 0 ? "did not answer" : "went silent"
                        return .failed(
                            APIError(.timeout, "\(label) \(what) for \(DurationText.format(timeout)) (API_TIMEOUT_MS)"),
                            retryable: false,
                            retryAfter: nil,
                            status: nil
                        )
                    }
                case .clientGone:
                    call.cancel()
                    return .clientGone
                }
            }
            call.cancel()
            return Task.isCancelled
                ? .clientGone
                : .failed(
                    APIError(.api, "\(label): the answer ended unexpectedly"),
                    retryable: true,
                    retryAfter: nil,
                    status: nil
                )
        } onCancel: {
            call.cancel()
        }
    }

    /// What to do about a provider's refusal that no retry fixes.
    static func hint(status: Int) -> String {
        switch status {
        case 401, 403: return " (the provider refused its key: check api_key for it in the Switchboard config)"
        case 404: return " (the model id or api_base_url may be wrong; switchboard check --probe tests them)"
        default: return ""
        }
    }

}
