import Foundation

@testable import Dashboard
@testable import Proxy

/// Builders for proxy events, so each test reads as the story of a few requests.
enum Events {
    /// A fixed instant: 2025-06-15 15:06:40 UTC.
    static let t0 = Date(timeIntervalSince1970: 1_750_000_000)

    static func ref(_ text: String) -> ModelRef { ModelRef(parsing: text)! }

    static func started(
        _ id: UInt64,
        at time: Date = t0,
        model: String = "claude-sonnet-4-5",
        estimated: Int = 1_000,
        stream: Bool = true
    ) -> ProxyEvent {
        .started(
            .init(
                id: RequestID(id),
                time: time,
                requestedModel: model,
                stream: stream,
                bodyBytes: 4_096,
                estimatedInputTokens: estimated,
                messageCount: 3,
                toolCount: 2,
                maxTokens: 8_192
            )
        )
    }

    static func routed(_ id: UInt64, _ kind: RouteKind, _ target: String, reason: String = "the default route")
        -> ProxyEvent
    {
        .routed(.init(id: RequestID(id), decision: RouteDecision(kind: kind, target: ref(target), reason: reason)))
    }

    static func firstToken(_ id: UInt64, _ target: String, ttftMs: Int) -> ProxyEvent {
        .firstToken(.init(id: RequestID(id), target: ref(target), ttft: .milliseconds(ttftMs)))
    }

    static func progress(_ id: UInt64, tokens: Int, _ pieces: [ProxyEvent.OutputPiece]) -> ProxyEvent {
        .progress(.init(id: RequestID(id), outputTokens: tokens, pieces: pieces))
    }

    static func finished(
        _ id: UInt64,
        _ target: String,
        input: Int,
        output: Int,
        cacheRead: Int = 0,
        ttftMs: Int? = 200,
        durationMs: Int = 1_000,
        stop: StopReason? = .endTurn
    ) -> ProxyEvent {
        .finished(
            .init(
                id: RequestID(id),
                target: ref(target),
                stopReason: stop,
                usage: Usage(inputTokens: input, outputTokens: output, cacheReadInputTokens: cacheRead),
                ttft: ttftMs.map { .milliseconds($0) },
                duration: .milliseconds(durationMs)
            )
        )
    }

    static func failed(
        _ id: UInt64,
        _ target: String?,
        _ error: APIError,
        output: Int = 0,
        ttftMs: Int? = nil,
        durationMs: Int = 500
    ) -> ProxyEvent {
        .failed(
            .init(
                id: RequestID(id),
                target: target.map(ref),
                error: error,
                ttft: ttftMs.map { .milliseconds($0) },
                duration: .milliseconds(durationMs),
                outputTokens: output
            )
        )
    }

    static func attemptFailed(_ id: UInt64, _ target: String, _ error: APIError, next: String) -> ProxyEvent {
        .attemptFailed(.init(id: RequestID(id), target: ref(target), error: error, next: next))
    }

    /// A whole successful request: started, routed, first token, finished.
    static func request(
        _ id: UInt64,
        at time: Date = t0,
        route: RouteKind = .default,
        target: String = "nim,glm-4.7",
        input: Int = 100,
        output: Int = 50,
        ttftMs: Int = 200,
        durationMs: Int = 1_000
    ) -> [ProxyEvent] {
        [
            started(id, at: time), routed(id, route, target), firstToken(id, target, ttftMs: ttftMs),
            finished(id, target, input: input, output: output, ttftMs: ttftMs, durationMs: durationMs),
        ]
    }
}

extension DashboardState {
    /// Applies `events` at `now`.
    mutating func apply(_ events: [ProxyEvent], now: Date = Events.t0) {
        for event in events { apply(event, now: now) }
    }

    /// Applies `event` at ``Events/t0``.
    mutating func apply(_ event: ProxyEvent) {
        apply(event, now: Events.t0)
    }
}
