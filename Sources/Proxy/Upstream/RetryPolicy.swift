import Foundation
import NIOHTTP1

/// When a failed upstream call is tried again before the answer starts.
///
/// 429, 5xx and connection errors are retried (twice by default) with exponential backoff,
/// or after the provider's `Retry-After` when it sends one. A wait longer than
/// ``maximumWait`` is not worth holding the client for: the next fallback is tried instead.
public struct RetryPolicy: Sendable {
    /// Retries per model after the first attempt (a provider with several keys gets one more per extra key).
    public var retries = 2
    /// The first backoff; it doubles each retry and is jittered by ±20%.
    public var baseDelay = Duration.milliseconds(500)
    /// The longest wait (backoff, `Retry-After`, a key's cooldown) worth holding the client for.
    public var maximumWait = Duration.seconds(20)

    /// The defaults: 2 retries, 500 ms base delay, 20 s longest wait.
    public init() {}

    /// Whether an HTTP status is worth retrying.
    public static func isRetryable(status: Int) -> Bool {
        status == 429 || status == 408 || (500...599).contains(status)
    }

    /// The delay before retry number `attempt` (0-based): the base delay doubling, times
    /// `jitter` (0.8…1.2 in use, so concurrent clients do not retry in step).
    func backoff(attempt: Int, jitter: Double) -> Duration {
        baseDelay * (1 << min(attempt, 6)) * jitter
    }

    /// Seconds from a `Retry-After` header: delta-seconds, or an HTTP date (RFC 9110 §10.2.3)
    /// counted from `now`; `nil` when absent or unreadable.
    static func retryAfter(_ headers: HTTPHeaders, now: Date = Date()) -> Int? {
        guard let value = headers.first(name: "retry-after")?.trimmingWhitespace() else { return nil }
        return retryAfter(value, now: now)
    }

    static func retryAfter(_ value: String, now: Date) -> Int? {
        if let seconds = Int(value), seconds >= 0 { return seconds }
        if let seconds = Double(value), seconds >= 0 { return Int(seconds.rounded(.up)) }
        guard let date = httpDate(value) else { return nil }
        return max(0, Int(date.timeIntervalSince(now).rounded(.up)))
    }

    /// An IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`), or the obsolete RFC 850 and asctime
    /// forms recipients must also accept.
    static func httpDate(_ text: String) -> Date? {
        for format in ["EEE, dd MMM yyyy HH:mm:ss zzz", "EEEE, dd-MMM-yy HH:mm:ss zzz", "EEE MMM d HH:mm:ss yyyy"] {
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.timeZone = TimeZone(identifier: "GMT")
            formatter.dateFormat = format
            if let date = formatter.date(from: text) { return date }
        }
        return nil
    }
}
