import Foundation

/// Identifies one request for the life of the process.
public struct RequestID: Hashable, Sendable, Comparable, CustomStringConvertible {
    public let rawValue: UInt64

    public init(_ rawValue: UInt64) { self.rawValue = rawValue }

    public static func < (lhs: RequestID, rhs: RequestID) -> Bool { lhs.rawValue < rhs.rawValue }

    public var description: String { "#\(rawValue)" }
}

/// What happens to a request, stage by stage; the dashboard is a fold of these.
public enum ProxyEvent: Sendable {
    /// A request arrived and parsed.
    public struct Started: Sendable {
        public var id: RequestID
        public var time: Date
        /// The model the client asked for.
        public var requestedModel: String
        public var stream: Bool
        public var bodyBytes: Int
        public var estimatedInputTokens: Int
        public var messageCount: Int
        public var toolCount: Int
        public var maxTokens: Int
        /// Who sent it and from where (user agent, Claude Code session and working directory).
        public var origin: RequestOrigin = RequestOrigin()
    }

    /// The router decided.
    public struct Routed: Sendable {
        public var id: RequestID
        public var decision: RouteDecision
    }

    /// A model failed before answering; the proxy retries it or moves to the next.
    public struct AttemptFailed: Sendable {
        public var id: RequestID
        public var target: ModelRef
        public var error: APIError
        /// What happens next: `retry` the same model, or fall back to another.
        public var next: String
        /// The position of the provider key used (never the key), when one was.
        public var keyIndex: Int? = nil
    }

    /// The request waits for its provider's requests-per-minute budget.
    public struct Queued: Sendable {
        public var id: RequestID
        public var target: ModelRef
        public var wait: Duration
    }

    /// A piece of output, for the detail view.
    public enum OutputPiece: Sendable, Equatable {
        case thinking(String)
        case text(String)
        case toolCall(name: String)
        case toolArguments(String)
    }

    /// Output produced since the last progress event.
    public struct Progress: Sendable {
        public var id: RequestID
        public var outputTokens: Int
        public var pieces: [OutputPiece]
    }

    /// The first output arrived.
    public struct FirstToken: Sendable {
        public var id: RequestID
        /// Which model answered (after any fallback).
        public var target: ModelRef
        public var ttft: Duration
    }

    /// The request completed.
    public struct Finished: Sendable {
        public var id: RequestID
        public var target: ModelRef
        public var stopReason: StopReason?
        public var usage: Usage
        public var ttft: Duration?
        public var duration: Duration
        /// The answer's message id.
        public var messageID: String? = nil
        /// The position of the provider key that answered (never the key).
        public var keyIndex: Int? = nil
        /// Whether `usage` is Switchboard's estimate (the provider reported none).
        public var usageEstimated = false
        /// Bytes of the answer sent to the client.
        public var answerBytes = 0
    }

    /// The request failed (before or during the answer).
    public struct Failed: Sendable {
        public var id: RequestID
        public var target: ModelRef?
        public var error: APIError
        public var ttft: Duration?
        public var duration: Duration
        /// Output tokens produced before the failure.
        public var outputTokens: Int
        /// The position of the provider key used last (never the key).
        public var keyIndex: Int? = nil
        /// Input tokens (Switchboard's estimate).
        public var estimatedInputTokens = 0
        /// Bytes of the answer sent to the client before the failure.
        public var answerBytes = 0
    }

    case started(Started)
    case routed(Routed)
    case attemptFailed(AttemptFailed)
    case queued(Queued)
    case firstToken(FirstToken)
    case progress(Progress)
    case finished(Finished)
    case failed(Failed)

    /// The request this event is about.
    public var requestID: RequestID {
        switch self {
        case .started(let event): return event.id
        case .routed(let event): return event.id
        case .attemptFailed(let event): return event.id
        case .queued(let event): return event.id
        case .firstToken(let event): return event.id
        case .progress(let event): return event.id
        case .finished(let event): return event.id
        case .failed(let event): return event.id
        }
    }
}
