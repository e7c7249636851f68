import NIOHTTP1

/// When a failed upstream call is tried again before the answer starts.
///
/// 429, 5xx and connection errors are retried (twice by default) with exponential backoff,
/// or after the provider's `Retry-After` when it sends one. A wait longer than
/// ``maximumWait`` is not worth holding the client for: the next fallback is tried instead.
public struct RetryPolicy: Sendable {
    public var retries = 2
    public var baseDelay = Duration.milliseconds(500)
    public var maximumWait = Duration.seconds(20)

    public init() {}

    /// Whether an HTTP status is worth retrying.
    public static func isRetryable(status: Int) -> Bool {
        status == 429 || status == 408 || (500...599).contains(status)
    }

    /// The delay before retry number `attempt` (0-based).
    func backoff(attempt: Int) -> Duration {
        let base = baseDelay * (1 << min(attempt, 6))
        let jitter = Double.random(in: 0.8...1.2)
        return base * jitter
    }

    /// Seconds from a `Retry-After` header (delta-seconds; an HTTP date is treated as unknown).
    static func retryAfter(_ headers: HTTPHeaders) -> Int? {
        guard let value = headers.first(name: "retry-after")?.trimmingWhitespace() else { return nil }
        if let seconds = Int(value), seconds >= 0 { return seconds }
        if let seconds = Double(value), seconds >= 0 { return Int(seconds.rounded(.up)) }
        return nil
    }
}
