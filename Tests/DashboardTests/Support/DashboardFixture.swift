import Foundation

@testable import Dashboard
@testable import Proxy

/// A dashboard an hour into a session: a few finished requests across routes (one failed), one
/// streaming, and the think route switched to another model. Times are fixed; the zone is UTC.
enum DashboardFixture {
    static let now = Events.t0
    static let utc = TimeZone(identifier: "UTC")!

    static let glm = "nim,z-ai/glm4.7"
    static let minimax = "nim,minimaxai/minimax-m2.1"
    static let reasoner = "deepseek,deepseek-reasoner"
    static let kimi = "openrouter,moonshotai/kimi-k2"

    static var models: [ModelRef] {
        [glm, minimax, "deepseek,deepseek-chat", reasoner, kimi, "openrouter,qwen/qwen3-coder"].map(Events.ref)
    }

    static var routeEntries: [RouteKind: RouteTable.Entry] {
        [
            .default: .init(configured: Events.ref(glm), override: nil),
            .background: .init(configured: Events.ref(minimax), override: nil),
            .think: .init(configured: Events.ref(reasoner), override: Events.ref(kimi)),
            .longContext: .init(configured: Events.ref(minimax), override: nil),
            .webSearch: .init(configured: nil, override: nil),
            .image: .init(configured: nil, override: nil),
        ]
    }

    static func state() -> DashboardState {
        var state = DashboardState(startedAt: now.addingTimeInterval(-3_725))
        state.listenAddress = "http://127.0.0.1:3456"
        state.configDescription = "/home/ada/.config/switchboard/config.json"
        state.homeDirectory = "/home/ada"
        state.logPath = "/home/ada/.local/state/switchboard/switchboard.log"
        state.routeEntries = routeEntries
        state.availableModels = models

        func at(_ offset: Double) -> Date { now.addingTimeInterval(offset) }
        // #1 default, a long answer.
        state.apply(Events.started(1, at: at(-300), estimated: 11_900), now: at(-300))
        state.apply(
            [
                Events.routed(1, .default, glm, reason: "no other rule matched"),
                Events.firstToken(1, glm, ttftMs: 420),
                Events.finished(1, glm, input: 12_345, output: 812, ttftMs: 420, durationMs: 6_200),
            ],
            now: at(-294)
        )
        // #2 background (a haiku request).
        state.apply(
            Events.started(2, at: at(-240), model: "claude-3-5-haiku-20241022", estimated: 1_700),
            now: at(-240)
        )
        state.apply(
            [
                Events.routed(
                    2,
                    .background,
                    minimax,
                    reason: "claude-3-5-haiku-20241022 is a background (haiku) model"
                ),
                Events.finished(2, minimax, input: 1_800, output: 35, ttftMs: 310, durationMs: 900),
            ],
            now: at(-239)
        )
        // #3 think, rate limited by DeepSeek.
        state.apply(Events.started(3, at: at(-180), estimated: 20_400), now: at(-180))
        state.apply(
            [
                Events.routed(3, .think, reasoner, reason: "thinking is enabled"),
                Events.attemptFailed(3, reasoner, APIError(.rateLimit, "rate limited"), next: "retry"),
                Events.failed(
                    3,
                    reasoner,
                    APIError(.rateLimit, "deepseek: rate limited (retry after 20s)"),
                    durationMs: 1_500
                ),
            ],
            now: at(-178)
        )
        // #4 think, after the switch to Kimi: thinking, text and a tool call.
        state.apply(Events.started(4, at: at(-120), estimated: 31_000), now: at(-120))
        state.apply(
            [
                Events.routed(4, .think, kimi, reason: "thinking is enabled"),
                Events.firstToken(4, kimi, ttftMs: 1_300),
                Events.progress(
                    4,
                    tokens: 1_204,
                    [
                        .thinking("The user wants the router explained; read it first."),
                        .text(
                            "Here is the plan:\n1. Read the config loader.\n2. Trace one request through the router."
                        ),
                        .toolCall(name: "Read"), .toolArguments(#"{"file_path":"Sources/Proxy/Routing/Router.swift"}"#),
                    ]
                ),
                Events.finished(
                    4,
                    kimi,
                    input: 23_456,
                    output: 1_204,
                    cacheRead: 8_000,
                    ttftMs: 1_300,
                    durationMs: 14_800
                ),
            ],
            now: at(-105)
        )
        // #5 default, a short tool-use turn.
        state.apply(Events.started(5, at: at(-60), estimated: 14_200), now: at(-60))
        state.apply(
            [
                Events.routed(5, .default, glm, reason: "no other rule matched"),
                Events.finished(5, glm, input: 14_000, output: 96, ttftMs: 380, durationMs: 2_100, stop: .toolUse),
            ],
            now: at(-58)
        )
        // #6 default, streaming now.
        state.apply(Events.started(6, at: at(-4), estimated: 14_600), now: at(-4))
        state.apply(
            [
                Events.routed(6, .default, glm, reason: "no other rule matched"),
                Events.firstToken(6, glm, ttftMs: 650),
                Events.progress(
                    6,
                    tokens: 57,
                    [
                        .text(
                            "Let me look at `Sources/Proxy/Routing/Router.swift` first: the rules are applied in order, and the first match wins."
                        )
                    ]
                ),
            ],
            now: at(0)
        )
        return state
    }
}
