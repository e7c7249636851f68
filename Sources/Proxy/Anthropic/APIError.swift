/// The one error a client of the proxy ever sees: an Anthropic error with its HTTP status.
///
/// Serialised as `{"type":"error","error":{"type":…,"message":…}}`, the shape every Anthropic
/// SDK parses, both as an HTTP body and as an `event: error` frame inside a stream.
public struct APIError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Anthropic's error types.
    public enum Kind: String, Sendable {
        /// 400: the request is malformed or asks for something unsupported (also 499 when the client left).
        case invalidRequest = "invalid_request_error"
        /// 401: the client's key is missing or wrong.
        case authentication = "authentication_error"
        /// 402: the account cannot pay.
        case billing = "billing_error"
        /// 403: the key may not do this.
        case permission = "permission_error"
        /// 404: no such endpoint or model.
        case notFound = "not_found_error"
        /// 413: the request body is too large.
        case requestTooLarge = "request_too_large"
        /// 429: too many requests, or an enforced budget is used up.
        case rateLimit = "rate_limit_error"
        /// 500: something failed upstream or in the proxy.
        case api = "api_error"
        /// 504: no answer in time.
        case timeout = "timeout_error"
        /// 529: the provider is overloaded.
        case overloaded = "overloaded_error"

        /// The HTTP status Anthropic uses for this type.
        public var status: Int {
            switch self {
            case .invalidRequest: return 400
            case .authentication: return 401
            case .billing: return 402
            case .permission: return 403
            case .notFound: return 404
            case .requestTooLarge: return 413
            case .rateLimit: return 429
            case .api: return 500
            case .timeout: return 504
            case .overloaded: return 529
            }
        }
    }

    /// The error type.
    public var kind: Kind
    /// The HTTP status sent with it.
    public var status: Int
    /// A message a person can act on. Never a stack trace, never a key.
    public var message: String
    /// Seconds the client should wait before retrying, when known (sent as `retry-after`).
    public var retryAfter: Int?
    /// Whether a retry by the client can help (sent as `x-should-retry`, which Anthropic's SDKs
    /// and Claude Code obey). Switchboard retries and falls back itself before it answers an
    /// error, so this is `false` unless the error is known to be passing (a local overload):
    /// without it, Claude Code retries about ten times with backoff and shows the error only
    /// minutes later.
    public var shouldRetry: Bool

    /// An error of `kind` with its usual status.
    public init(_ kind: Kind, _ message: String, status: Int? = nil, retryAfter: Int? = nil, shouldRetry: Bool = false)
    {
        self.kind = kind
        self.status = status ?? kind.status
        self.message = message
        self.retryAfter = retryAfter
        self.shouldRetry = shouldRetry
    }

    /// `429 rate_limit_error: message`: the status, the Anthropic error type and the message.
    public var description: String { "\(status) \(kind.rawValue): \(message)" }

    /// The JSON body: `{"type":"error","error":{"type":…,"message":…}}`.
    public var jsonBody: [UInt8] {
        var writer = JSONWriter(capacity: 96 + message.utf8.count)
        writer.raw(#"{"type":"error","error":{"type":"#)
        writer.string(kind.rawValue)
        writer.raw(#","message":"#)
        writer.string(message)
        writer.raw("}}")
        return writer.bytes
    }

    // Statuses chosen for what Claude Code shows (2.1.x, checked with the real CLI): it prints
    // "API Error: <status> <message>" for most statuses, but answers 401 and 403 with "Please run
    // /login" (Anthropic's login, which has nothing to do with a provider's or Switchboard's
    // key), replaces a 404's message with "There's an issue with the selected model", calls
    // every 5xx "a server-side issue, usually temporary", and hides any message that mentions
    // the x-api-key header behind "Invalid API key".

    /// The provider could not be reached (connection refused, host not found, TLS failure):
    /// nearly always a wrong `api_base_url` or a local server that is not running, which no
    /// retry fixes. 424 (Failed Dependency), not a 5xx.
    public static func unreachable(_ message: String) -> APIError {
        APIError(.api, message, status: providerProblemStatus)
    }

    /// A provider that cannot be used as configured (no key, its key refused, the model or
    /// URL unknown to it): 424, keeping the Anthropic type that says which.
    static let providerProblemStatus = 424

    /// A client that did not present Switchboard's own `APIKEY`: 407 (Proxy Authentication
    /// Required), which is what it is, and which Claude Code prints with the message.
    public static func clientKey(_ message: String) -> APIError {
        APIError(.authentication, message, status: clientKeyStatus)
    }

    static let clientKeyStatus = 407

    /// The error for an HTTP status received from an upstream provider.
    public static func forUpstreamStatus(_ status: Int, message: String, retryAfter: Int? = nil) -> APIError {
        switch status {
        case 400, 422: return APIError(.invalidRequest, message)
        case 401: return APIError(.authentication, message, status: providerProblemStatus)
        case 402: return APIError(.billing, message)
        case 403: return APIError(.permission, message, status: providerProblemStatus)
        case 404: return APIError(.notFound, message, status: providerProblemStatus)
        case 408, 504: return APIError(.timeout, message)
        case 413: return APIError(.requestTooLarge, message)
        case 429: return APIError(.rateLimit, message, retryAfter: retryAfter)
        case 503, 529: return APIError(.overloaded, message, retryAfter: retryAfter)
        case 400..<500: return APIError(.invalidRequest, message)
        default: return APIError(.api, message)
        }
    }
}
