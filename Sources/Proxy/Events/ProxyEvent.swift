import Foundation

/// Identifies one request for the life of the process.
public struct RequestID: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The counter value, from 1 upwards in arrival order (`EventBus.makeRequestID()`); never reused in a run.
    public let rawValue: UInt64

    /// Wraps a number; the proxy takes its ids from `EventBus.makeRequestID()` rather than making them.
    public init(_ rawValue: UInt64) { self.rawValue = rawValue }

    /// Orders by number, which is the order the requests arrived in.
    public static func < (lhs: RequestID, rhs: RequestID) -> Bool { lhs.rawValue < rhs.rawValue }

    /// `#12`, as the log and the dashboard write it.
    public var description: String { "#\(rawValue)" }
}

/// What happens to a request, stage by stage; the dashboard is a fold of these.
public enum ProxyEvent: Sendable {
    /// A request arrived and parsed.
    public struct Started: Sendable {
        /// The request's id, which every later event of it carries.
        public var id: RequestID
        /// Wall-clock time the event was emitted, just after the body parsed (the ledger's `startedAt`).
        public var time: Date
        /// The model the client asked for.
        public var requestedModel: String
        /// Whether the client asked for a streamed (SSE) answer.
        public var stream: Bool
        /// Size of the request body in bytes, as received.
        public var bodyBytes: Int
        /// Switchboard's own count of the prompt's tokens, made before any provider sees it.
        public var estimatedInputTokens: Int
        /// Entries in the request's `messages` array.
        public var messageCount: Int
        /// Tools the request declares (entries in `tools`).
        public var toolCount: Int
        /// The client's `max_tokens`, the cap on output tokens.
        public var maxTokens: Int
        /// Who sent it and from where (user agent, Claude Code session and working directory).
        public var origin: RequestOrigin = RequestOrigin()
    }

    /// The router decided.
    public struct Routed: Sendable {
        /// The request that was routed.
        public var id: RequestID
        /// The route kind, the model picked, its fallbacks and the router's reason.
        public var decision: RouteDecision
    }

    /// A model failed before answering; the proxy retries it or moves to the next.
    public struct AttemptFailed: Sendable {
        /// The request whose attempt failed.
        public var id: RequestID
        /// The provider and model that were tried.
        public var target: ModelRef
        /// What went wrong, in the form the client gets if no later attempt succeeds.
        public var error: APIError
        /// What happens next: `retry` the same model, or fall back to another.
        public var next: String
        /// The position of the provider key used (never the key), when one was.
        public var keyIndex: Int? = nil
    }

    /// The request waits for its provider's requests-per-minute budget.
    public struct Queued: Sendable {
        /// The request that waits.
        public var id: RequestID
        /// The provider and model it waits for.
        public var target: ModelRef
        /// The wait for the RPM budget; zero when it waits for a `max_concurrent` slot (length unknown).
        public var wait: Duration
    }

    /// A piece of output, for the detail view.
    public enum OutputPiece: Sendable, Equatable {
        /// Reasoning text from a thinking block.
        case thinking(String)
        /// Answer text.
        case text(String)
        /// A tool call began; `name` is the tool's.
        case toolCall(name: String)
        /// Part of a tool call's JSON arguments, as streamed.
        case toolArguments(String)
    }

    /// Output produced since the last progress event.
    public struct Progress: Sendable {
        /// The request producing the output.
        public var id: RequestID
        /// Output tokens of the whole answer so far (not only since the last event).
        public var outputTokens: Int
        /// The new output in order, runs of one kind merged; text stops being collected after 32 KiB per request.
        public var pieces: [OutputPiece]
    }

    /// The first output arrived.
    public struct FirstToken: Sendable {
        /// The request that started answering.
        public var id: RequestID
        /// Which model answered (after any fallback).
        public var target: ModelRef
        /// Time from when the proxy took the request to the first content delta.
        public var ttft: Duration
    }

    /// The request completed.
    public struct Finished: Sendable {
        /// The request that completed.
        public var id: RequestID
        /// The provider and model that answered (after any fallback).
        public var target: ModelRef
        /// Why the model stopped; `nil` when the answer never said.
        public var stopReason: StopReason?
        /// Tokens the provider reported, or Switchboard's estimate when `usageEstimated`.
        public var usage: Usage
        /// Time from when the proxy took the request to the first content delta; `nil` when none came.
        public var ttft: Duration?
        /// Time from when the proxy took the request to the end of the answer.
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
        /// The request that failed.
        public var id: RequestID
        /// The model whose answer had begun; `nil` when it failed before one did (routing, budget, every attempt).
        public var target: ModelRef?
        /// The error the client got (status 499 when the client closed the connection).
        public var error: APIError
        /// Time from when the proxy took the request to the first content delta; `nil` when none came.
        public var ttft: Duration?
        /// Time from when the proxy took the request to the failure.
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

    /// A request arrived and its body parsed.
    case started(Started)
    /// The router picked a route and a model.
    case routed(Routed)
    /// One upstream attempt failed; a retry, a fallback or the final failure follows.
    case attemptFailed(AttemptFailed)
    /// The request waits for its provider's RPM budget or a concurrency slot.
    case queued(Queued)
    /// The first content delta of the answer arrived.
    case firstToken(FirstToken)
    /// Output streamed since the last progress event (only built when a sink wants progress).
    case progress(Progress)
    /// The answer completed.
    case finished(Finished)
    /// The request failed, before or during the answer (including the client leaving).
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
