import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1

/// Gets an answer started: sends the translated request to the route's model, retries
/// retryable failures, then tries the route's fallbacks in order, all before the first byte
/// of the answer (after that, a failure can only be reported inside the stream).
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

        /// Whether the body is an SSE stream (else a single JSON document).
        var isEventStream: Bool {
            headers.first(name: "content-type")?.lowercased().contains("text/event-stream") ?? false
        }
    }

    let client: UpstreamClient
    let config: SwitchboardConfig
    let redactor: SecretRedactor
    let events: EventBus
    let logger: Logger
    let retry: RetryPolicy
    let presence: ClientPresence?

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

    /// Opens the answer for `request`, trying `decision`'s candidates in order.
    /// - Parameter wholeBody: read the complete body (non-streaming clients).
    func open(_ request: MessagesRequest, decision: RouteDecision, id: RequestID, wholeBody: Bool) async -> Result<
        Opened, APIError
    > {
        var lastError = APIError(.api, "no model to send the request to")
        let candidates = decision.candidates
        for (position, target) in candidates.enumerated() {
            let next = position + 1 < candidates.count ? "fall back to \(candidates[position + 1])" : "give up"
            guard let provider = config.provider(named: target.provider) else {
                lastError = APIError(.api, "provider \"\(target.provider)\" is not configured")
                continue
            }
            if provider.apiKeys.isEmpty, let variable = provider.missingKeyVariable {
                let error = APIError(
                    .authentication,
                    "provider \"\(provider.name)\" has no API key: set the environment variable \(variable) and restart Switchboard"
                )
                events.emit(.attemptFailed(.init(id: id, target: target, error: error, next: next)))
                lastError = error
                continue
            }
            let profile = ProviderProfile.resolve(provider: provider, model: target.model)
            let output = ChatRequestBuilder(options: profile.request).build(request, model: target.model)
            let body = JSONValue.object(output.body).jsonBytes
            logger.trace(
                "upstream request", metadata: ["provider": "\(provider.name)", "body": "\(redactor.redact(String(decoding: body, as: UTF8.self)))"])
            var attempt = 0
            while true {
                if presence?.isGone == true || Task.isCancelled {
                    return .failure(APIError(.invalidRequest, "client closed the request", status: 499))
                }
                let result = await attemptOnce(
                    provider: provider, target: target, body: body, profile: profile, toolNames: output.toolNames,
                    wholeBody: wholeBody)
                switch result {
                case .opened(let opened):
                    return .success(opened)
                case .clientGone:
                    return .failure(APIError(.invalidRequest, "client closed the request", status: 499))
                case .failed(let error, let retryable, let retryAfter):
                    lastError = error
                    var wait: Duration?
                    if retryable, attempt < retry.retries {
                        let delay = retryAfter.map { Duration.seconds($0) } ?? retry.backoff(attempt: attempt)
                        if delay <= retry.maximumWait { wait = delay }
                    }
                    guard let wait else {
                        events.emit(.attemptFailed(.init(id: id, target: target, error: error, next: next)))
                        logger.info(
                            "upstream attempt failed",
                            metadata: ["provider": "\(target)", "error": "\(error.message)", "next": "\(next)"])
                        break
                    }
                    attempt += 1
                    let note = "retry \(attempt) of \(retry.retries) in \(Self.format(wait))"
                    events.emit(.attemptFailed(.init(id: id, target: target, error: error, next: note)))
                    logger.info(
                        "upstream attempt failed",
                        metadata: ["provider": "\(target)", "error": "\(error.message)", "next": "\(note)"])
                    do { try await Task.sleep(for: wait) } catch {
                        return .failure(APIError(.invalidRequest, "client closed the request", status: 499))
                    }
                    continue
                }
                break
            }
        }
        return .failure(lastError)
    }

    private enum AttemptResult {
        case opened(Opened)
        case failed(APIError, retryable: Bool, retryAfter: Int?)
        case clientGone
    }

    private func attemptOnce(
        provider: ProviderConfig, target: ModelRef, body: [UInt8], profile: ProviderProfile, toolNames: [String: String],
        wholeBody: Bool
    ) async -> AttemptResult {
        var request = HTTPClientRequest(url: provider.endpoint)
        request.method = .POST
        request.headers.add(name: "content-type", value: "application/json")
        request.headers.add(name: "accept", value: wholeBody ? "application/json" : "text/event-stream")
        request.headers.add(name: "user-agent", value: "switchboard/\(SwitchboardVersion.current)")
        if let key = provider.apiKeys.first {
            request.headers.add(name: "authorization", value: "Bearer \(key)")
        }
        request.body = .bytes(ByteBuffer(bytes: body))
        let host = URL(string: provider.endpoint)?.host ?? ""
        let call = UpstreamCall(client: client.client(for: host), request: request, tick: tick)
        presence?.onGone { call.notifyClientGone() }
        defer { presence?.onGone(nil) }

        let clock = ContinuousClock()
        var lastActivity = clock.now
        var status = 0
        var headers = HTTPHeaders()
        var buffers: [ByteBuffer] = []
        var received = 0
        let label = "\(provider.name) (\(target.model))"

        return await withTaskCancellationHandler {
            for await item in call.items {
                switch item {
                case .head(let code, let responseHeaders):
                    status = code
                    headers = responseHeaders
                    lastActivity = clock.now
                case .bytes(let buffer):
                    lastActivity = clock.now
                    guard buffer.readableBytes > 0 else { continue }
                    received += buffer.readableBytes
                    let isError = !(200..<300).contains(status)
                    let limit = isError ? Self.maximumErrorBody : Self.maximumBody
                    if received <= limit { buffers.append(buffer) }
                    if received > limit, !isError {
                        call.cancel()
                        return .failed(APIError(.api, "\(label) sent an answer larger than 64 MB"), retryable: false, retryAfter: nil)
                    }
                    if !isError, !wholeBody {
                        return .opened(
                            Opened(
                                call: call, target: target, profile: profile, toolNames: toolNames, headers: headers,
                                bytes: buffers, ended: false))
                    }
                case .end:
                    if (200..<300).contains(status) {
                        return .opened(
                            Opened(
                                call: call, target: target, profile: profile, toolNames: toolNames, headers: headers,
                                bytes: buffers, ended: true))
                    }
                    let message = UpstreamErrorMessage.extract(from: buffers, status: status)
                    let error = APIError.forUpstreamStatus(
                        status, message: redactor.redact("\(label): \(message)"),
                        retryAfter: RetryPolicy.retryAfter(headers))
                    return .failed(
                        error, retryable: RetryPolicy.isRetryable(status: status),
                        retryAfter: RetryPolicy.retryAfter(headers))
                case .failure(let error):
                    if status != 0, !(200..<300).contains(status) {
                        let message = UpstreamErrorMessage.extract(from: buffers, status: status)
                        return .failed(
                            APIError.forUpstreamStatus(status, message: redactor.redact("\(label): \(message)")),
                            retryable: RetryPolicy.isRetryable(status: status), retryAfter: RetryPolicy.retryAfter(headers))
                    }
                    return .failed(
                        APIError(.api, redactor.redact("\(label): connection failed: \(UpstreamErrorMessage.describe(error))")),
                        retryable: true, retryAfter: nil)
                case .tick:
                    if clock.now - lastActivity > timeout {
                        call.cancel()
                        let what = status == 0 ? "did not answer" : "went silent"
                        return .failed(
                            APIError(.timeout, "\(label) \(what) for \(Self.format(timeout)) (API_TIMEOUT_MS)"),
                            retryable: false, retryAfter: nil)
                    }
                case .clientGone:
                    call.cancel()
                    return .clientGone
                }
            }
            call.cancel()
            return Task.isCancelled
                ? .clientGone
                : .failed(APIError(.api, "\(label): the answer ended unexpectedly"), retryable: true, retryAfter: nil)
        } onCancel: {
            call.cancel()
        }
    }

    static func format(_ duration: Duration) -> String {
        let milliseconds = duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
        if milliseconds < 1000 { return "\(milliseconds) ms" }
        if milliseconds % 1000 == 0 { return "\(milliseconds / 1000) s" }
        return String(format: "%.1f s", Double(milliseconds) / 1000)
    }
}
