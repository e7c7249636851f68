import HTTPTypes
import Hummingbird
import NIOCore

/// Answers the HTTP surface: `POST /v1/messages`, `POST /v1/messages/count_tokens`,
/// `GET /v1/models`, `GET /health`, `GET /metrics`, `GET /switchboard/session` (read-only). Matches on the path only (Claude Code adds `?beta=true`),
/// checks `APIKEY`, limits bodies to 32 MB, and answers every error in Anthropic's shape.
struct ProxyResponder: HTTPResponder {
    typealias Context = ProxyRequestContext

    /// Largest request body accepted (Anthropic's own limit).
    static let maximumBodySize = 32 * 1024 * 1024

    let engine: ProxyEngine
    let connections = ConnectionRegistry()

    init(engine: ProxyEngine) {
        self.engine = engine
    }

    func respond(to request: Request, context: Context) async throws -> Response {
        var path = request.uri.path
        while path.count > 1, path.hasSuffix("/") { path.removeLast() }
        let method = request.method
        switch path {
        case "/health", "/":
            guard method == .get || method == .head else { return Self.methodNotAllowed(method, path) }
            return Self.json(200, Array(#"{"status":"ok"}"#.utf8))
        case "/v1/messages", "/v1/messages/count_tokens", "/v1/models", "/metrics", "/switchboard/session":
            break
        default:
            return Self.error(APIError(.notFound, "no such endpoint: \(method.rawValue) \(path)"))
        }
        if let failure = authenticate(request) { return refused(Self.error(failure), failure, method, path) }
        switch path {
        case "/v1/models":
            guard method == .get else { return Self.methodNotAllowed(method, path) }
            return Self.response(engine.models())
        case "/switchboard/session":
            guard method == .get else { return Self.methodNotAllowed(method, path) }
            let id = request.uri.queryParameters.get("id")
            return Self.response(await engine.sessionStatus(id: id))
        case "/metrics":
            guard method == .get else { return Self.methodNotAllowed(method, path) }
            guard let metrics = engine.metrics else {
                return Self.error(APIError(.notFound, "no such endpoint: \(method.rawValue) \(path)"))
            }
            var headers = HTTPFields()
            headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
            return Response(
                status: .ok,
                headers: headers,
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: metrics.render()))
            )
        default:
            guard method == .post else { return Self.methodNotAllowed(method, path) }
        }
        if let length = request.headers[.contentLength].flatMap(Int.init), length > Self.maximumBodySize {
            return refused(Self.tooLarge(length, closing: context.channel), Self.tooLargeError(length), method, path)
        }
        // The bytes a body will hold come out of the shared budget before it is read, so an
        // overload is refused at once instead of growing memory.
        let budget = engine.requestBytes
        let announced = request.headers[.contentLength].flatMap(Int.init)
        if let announced, !budget.reserve(announced) {
            // Read and drop the upload (nothing is held) so the client gets the 529 itself rather
            // than a connection reset in the middle of its upload, which it would retry blindly.
            var discarded = 0
            for try await chunk in request.body {
                discarded += chunk.readableBytes
                if discarded > Self.maximumBodySize { break }
            }
            let error = budget.overloaded(announced)
            return refused(Self.error(error), error, method, path)
        }
        var request = request
        let body: ByteBuffer
        do {
            body = try await request.collectBody(upTo: Self.maximumBodySize)
        } catch is NIOTooManyBytesError {
            if let announced { budget.release(announced) }
            return refused(Self.tooLarge(nil, closing: context.channel), Self.tooLargeError(nil), method, path)
        } catch let error as HTTPError where error.status == .contentTooLarge {
            if let announced { budget.release(announced) }
            return refused(Self.tooLarge(nil, closing: context.channel), Self.tooLargeError(nil), method, path)
        } catch {
            if let announced { budget.release(announced) }
            throw error
        }
        // A body sent without a length (chunked) is counted once it is in.
        let held = announced ?? body.readableBytes
        if announced == nil, !budget.reserve(held) {
            let error = budget.overloaded(held)
            return refused(Self.error(error), error, method, path)
        }
        if path == "/v1/messages/count_tokens" {
            let engine = engine
            defer { budget.release(held) }
            return Self.response(
                await ProxyEngine.offTheEventLoop(bytes: body.readableBytes) { engine.countTokens(body: body) }
            )
        }
        let presence = connections.presence(for: context.channel)
        let headers = UpstreamDispatcher.ClientHeaders(
            version: request.headers[.init("anthropic-version")!],
            beta: request.headers[.init("anthropic-beta")!],
            userAgent: request.headers[.userAgent]
        )
        engine.trimmer.requestStarted()
        // The request's work stays on its client connection's loop (see EventLoopTaskExecutor).
        let executor = EventLoopTaskExecutor(context.channel.eventLoop)
        let engine = engine
        let answer = await withTaskExecutorPreference(executor) {
            await engine.messages(body: body, presence: presence, headers: headers)
        }
        guard case .stream(let produce) = answer else {
            engine.trimmer.requestEnded()
            budget.release(held)
            return Self.response(answer)
        }
        let trimmer = engine.trimmer
        return Self.response(
            .stream { write in
                await withTaskExecutorPreference(executor) { await produce(write) }
                trimmer.requestEnded()
                budget.release(held)
            }
        )
    }

    /// Logs a request refused before the engine saw it, so every request has its log line.
    func refused(_ response: Response, _ error: APIError, _ method: HTTPRequest.Method, _ path: String) -> Response {
        engine.logRefused(method: method.rawValue, path: path, error: error)
        return response
    }

    /// Checks `x-api-key` or `Authorization: Bearer` against `APIKEY`, when one is set. Either
    /// header may carry it (Claude Code sends `ANTHROPIC_API_KEY` as the first and
    /// `ANTHROPIC_AUTH_TOKEN` as the second); a refusal names the header that was wrong and the
    /// variable that fills it.
    func authenticate(_ request: Request) -> APIError? {
        guard let expected = engine.store.config.apiKey else { return nil }
        var presented: [(header: String, variable: String, value: String)] = []
        if let key = request.headers[.init("x-api-key")!] {
            // Never "x-api-key" in the message: Claude Code then shows only "Invalid API key".
            presented.append(("the API key header", "ANTHROPIC_API_KEY", key.trimmingWhitespace()))
        }
        if let authorization = request.headers[.authorization] {
            let parts = authorization.split(separator: " ", maxSplits: 1)
            if parts.count == 2, parts[0].lowercased() == "bearer" {
                presented.append(
                    ("Authorization: Bearer", "ANTHROPIC_AUTH_TOKEN", String(parts[1]).trimmingWhitespace())
                )
            }
        }
        let source = engine.store.config.source.path.map { " \($0)" } ?? ""
        guard !presented.isEmpty else {
            return APIError.clientKey(
                "this Switchboard requires the APIKEY from its config\(source) as an API key or Authorization: Bearer, "
                    + "and the request had neither; set ANTHROPIC_AUTH_TOKEN to it, e.g. eval \"$(switchboard env)\""
            )
        }
        if presented.contains(where: { Self.constantTimeEqual($0.value, expected) }) { return nil }
        let wrong = presented.map(\.header).joined(separator: " and ")
        let variables = presented.map(\.variable).joined(separator: " / ")
        return APIError.clientKey(
            "the key sent in \(wrong) (\(variables)) is not this Switchboard's APIKEY (from its config\(source)); "
                + "set it to the APIKEY, e.g. eval \"$(switchboard env)\""
        )
    }

    static func constantTimeEqual(_ lhs: String, _ rhs: String) -> Bool {
        let left = Array(lhs.utf8)
        let right = Array(rhs.utf8)
        var difference = UInt8(left.count == right.count ? 0 : 1)
        for index in 0..<max(left.count, right.count) {
            difference |= (index < left.count ? left[index] : 0) ^ (index < right.count ? right[index] : 0)
        }
        return difference == 0
    }

    static func response(_ response: ProxyResponse) -> Response {
        switch response {
        case .json(let status, let body): return json(status, body)
        case .error(let error): return self.error(error)
        case .stream(let produce):
            var headers = HTTPFields()
            headers[.contentType] = "text/event-stream; charset=utf-8"
            headers[.cacheControl] = "no-cache"
            headers[.init("x-accel-buffering")!] = "no"
            headers[.init("request-id")!] = "req_" + RandomID.make(length: 24)
            let answer = StreamOnce(produce)
            return Response(
                status: .ok,
                headers: headers,
                body: ResponseBody { writer in
                    await answer.run { buffer in try await writer.write(buffer) }
                    try await writer.finish(nil)
                }
            )
        }
    }

    static func json(_ status: Int, _ body: [UInt8], extra: HTTPFields = [:]) -> Response {
        var headers = extra
        headers[.contentType] = "application/json"
        headers[.init("request-id")!] = "req_" + RandomID.make(length: 24)
        return Response(
            status: HTTPResponse.Status(code: status),
            headers: headers,
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: body))
        )
    }

    /// The header that tells Anthropic's SDKs and Claude Code whether to retry an error.
    static let shouldRetryField = HTTPField.Name("x-should-retry")!

    static func error(_ error: APIError) -> Response {
        var extra = HTTPFields()
        extra[shouldRetryField] = error.shouldRetry ? "true" : "false"
        // Kept even with `x-should-retry: false`: it tells a person (or a script) when the
        // provider will take requests again.
        if let retryAfter = error.retryAfter { extra[.retryAfter] = String(retryAfter) }
        // 499 is the proxy's own note for a vanished client; nobody is there to read it.
        return json(error.status, error.jsonBody, extra: extra)
    }

    /// The 413 answer. The rest of the body is never read, so the connection is closed once
    /// the answer is out (the server would otherwise read the whole upload first).
    static func tooLarge(_ length: Int?, closing channel: any Channel) -> Response {
        var headers = HTTPFields()
        headers[.connection] = "close"
        headers[shouldRetryField] = "false"
        headers[.contentType] = "application/json"
        headers[.init("request-id")!] = "req_" + RandomID.make(length: 24)
        let body = ByteBuffer(bytes: tooLargeError(length).jsonBody)
        return Response(
            status: .contentTooLarge,
            headers: headers,
            body: ResponseBody(contentLength: body.readableBytes) { writer in
                try await writer.write(body)
                try await writer.finish(nil)
                channel.close(promise: nil)
            }
        )
    }

    static func tooLargeError(_ length: Int?) -> APIError {
        let size = length.map { " (\($0) bytes)" } ?? ""
        return APIError(.requestTooLarge, "request body\(size) exceeds the 32 MB limit")
    }

    static func methodNotAllowed(_ method: HTTPRequest.Method, _ path: String) -> Response {
        let allowed =
            ["/v1/models", "/health", "/", "/metrics", "/switchboard/session"].contains(path) ? "GET" : "POST"
        var extra = HTTPFields()
        extra[.allow] = allowed
        extra[shouldRetryField] = "false"
        let error = APIError(
            .invalidRequest,
            "\(method.rawValue) is not allowed on \(path); use \(allowed)",
            status: 405
        )
        return json(error.status, error.jsonBody, extra: extra)
    }
}
