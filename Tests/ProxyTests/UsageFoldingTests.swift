import Foundation
import Testing

@testable import Proxy

/// Rows folded from proxy events, request origins, prices and budgets.
struct UsageFoldingTests {
    static let t0 = Date(timeIntervalSince1970: 1_790_000_000)

    static func config(_ text: String) throws -> SwitchboardConfig {
        try ConfigLoader(environment: [:], homeDirectory: "/x").parse(Data(text.utf8), source: .builtin)
    }

    static let configText = """
        {"Providers":[
           {"name":"deepseek","api_base_url":"https://api.deepseek.com/v1","api_key":"k","models":["deepseek-chat","other-model"]},
           {"name":"nim","api_base_url":"https://integrate.api.nvidia.com/v1","api_key":"k","models":["z-ai/glm4.7"]},
           {"name":"custom","api_base_url":"http://h/v1","models":["m1","m2"],
            "price":{"input":1,"output":2},"prices":{"m2":{"input":10,"output":20,"cache_read":1}}}],
         "Router":{"default":"deepseek,deepseek-chat"}}
        """

    static func started(_ id: UInt64, model: String = "claude-sonnet-4-5", origin: RequestOrigin = RequestOrigin())
        -> ProxyEvent
    {
        .started(
            .init(
                id: RequestID(id),
                time: t0,
                requestedModel: model,
                stream: true,
                bodyBytes: 1234,
                estimatedInputTokens: 900,
                messageCount: 1,
                toolCount: 0,
                maxTokens: 100,
                origin: origin
            )
        )
    }

    static func routed(_ id: UInt64, _ target: String) -> ProxyEvent {
        .routed(
            .init(
                id: RequestID(id),
                decision: RouteDecision(kind: .default, target: ModelRef(parsing: target)!, reason: "default route")
            )
        )
    }

    func fold(_ events: [ProxyEvent], config: SwitchboardConfig? = nil) throws -> [UsageRow] {
        let book = PriceBook(config: try config ?? Self.config(Self.configText))
        var folder = UsageFolder(instance: "host-a")
        return events.compactMap { folder.apply($0, price: book.price) }
    }

    @Test func successRowCarriesTheProvidersNumbersAndCost() throws {
        let origin = RequestOrigin(
            client: "claude-code",
            userAgent: "claude-cli/2",
            sessionID: "s1",
            workingDirectory: "/w"
        )
        let rows = try fold([
            Self.started(1, origin: origin),
            Self.routed(1, "deepseek,deepseek-chat"),
            .firstToken(
                .init(id: RequestID(1), target: ModelRef(parsing: "deepseek,deepseek-chat")!, ttft: .milliseconds(120))
            ),
            .finished(
                .init(
                    id: RequestID(1),
                    target: ModelRef(parsing: "deepseek,deepseek-chat")!,
                    stopReason: .endTurn,
                    usage: Usage(inputTokens: 1_000_000, outputTokens: 1_000_000, cacheReadInputTokens: 1_000_000),
                    ttft: .milliseconds(120),
                    duration: .milliseconds(2_500),
                    messageID: "msg_1",
                    keyIndex: 1,
                    usageEstimated: false,
                    answerBytes: 777
                )
            ),
        ])
        #expect(rows.count == 1)
        let row = try #require(rows.first)
        #expect(row.instance == "host-a")
        #expect(row.client == "claude-code")
        #expect(row.sessionID == "s1")
        #expect(row.project == "/w")
        #expect(row.requestedModel == "claude-sonnet-4-5")
        #expect(row.route == "default")
        #expect(row.routeReason == "default route")
        #expect(row.provider == "deepseek" && row.model == "deepseek-chat")
        #expect(row.attempts == 1 && row.retries == 0 && row.fallbacks == 0)
        #expect(row.keyIndex == 1)
        #expect(row.status == 200 && row.errorType == nil && row.stopReason == "end_turn")
        #expect(row.inputTokens == 1_000_000 && row.outputTokens == 1_000_000 && row.cacheReadTokens == 1_000_000)
        #expect(!row.estimated)
        #expect(row.ttftMilliseconds == 120 && row.durationMilliseconds == 2_500)
        #expect(row.requestBytes == 1234 && row.answerBytes == 777)
        #expect(row.messageID == "msg_1")
        // DeepSeek: 0.28 in + 0.42 out + 0.028 cache read per million.
        #expect(abs((row.costUSD ?? -1) - 0.728) < 1e-9)
        // Sonnet list price: 3 + 15 + 0.30.
        #expect(abs((row.anthropicUSD ?? -1) - 18.3) < 1e-9)
        #expect(abs((row.savedUSD ?? -1) - (18.3 - 0.728)) < 1e-9)
    }

    @Test func retryAndFallbackAreCountedAsAttempts() throws {
        let error = APIError(.overloaded, "busy", status: 503)
        let rows = try fold([
            Self.started(2),
            Self.routed(2, "deepseek,deepseek-chat"),
            .attemptFailed(
                .init(
                    id: RequestID(2),
                    target: ModelRef(parsing: "deepseek,deepseek-chat")!,
                    error: error,
                    next: "retry 1 of 2 in 1s",
                    keyIndex: 0
                )
            ),
            .attemptFailed(
                .init(
                    id: RequestID(2),
                    target: ModelRef(parsing: "deepseek,deepseek-chat")!,
                    error: error,
                    next: "fall back to nim,z-ai/glm4.7"
                )
            ),
            .finished(
                .init(
                    id: RequestID(2),
                    target: ModelRef(parsing: "nim,z-ai/glm4.7")!,
                    stopReason: .toolUse,
                    usage: Usage(inputTokens: 10, outputTokens: 5),
                    ttft: nil,
                    duration: .seconds(3)
                )
            ),
        ])
        let row = try #require(rows.first)
        #expect(row.attempts == 3 && row.retries == 1 && row.fallbacks == 1)
        #expect(row.provider == "nim" && row.model == "z-ai/glm4.7")
        #expect(row.keyIndex == 0)
        // NIM's hosted endpoints are free: cost 0, marked free (not unknown).
        #expect(row.costUSD == 0 && row.free)
    }

    @Test func failureBeforeAnswerHasNoTokensAndTheLastTriedModel() throws {
        let error = APIError(.rateLimit, "slow down", status: 429)
        let rows = try fold([
            Self.started(3),
            Self.routed(3, "deepseek,deepseek-chat"),
            .attemptFailed(
                .init(
                    id: RequestID(3),
                    target: ModelRef(parsing: "deepseek,deepseek-chat")!,
                    error: error,
                    next: "give up"
                )
            ),
            .failed(
                .init(
                    id: RequestID(3),
                    target: nil,
                    error: error,
                    ttft: nil,
                    duration: .milliseconds(40),
                    outputTokens: 0
                )
            ),
        ])
        let row = try #require(rows.first)
        #expect(row.status == 429 && row.errorType == "rate_limit_error")
        #expect(row.attempts == 1 && row.retries == 0 && row.fallbacks == 0)
        #expect(row.provider == "deepseek")
        #expect(row.inputTokens == 0 && row.outputTokens == 0)
        #expect(row.costUSD == 0)
    }

    @Test func cancelledMidStreamKeepsEstimatesMarkedAsSuch() throws {
        let rows = try fold([
            Self.started(4),
            Self.routed(4, "custom,m1"),
            .failed(
                .init(
                    id: RequestID(4),
                    target: ModelRef(parsing: "custom,m1")!,
                    error: APIError(.invalidRequest, "client closed the connection", status: 499),
                    ttft: .milliseconds(50),
                    duration: .milliseconds(900),
                    outputTokens: 40,
                    estimatedInputTokens: 900,
                    answerBytes: 300
                )
            ),
        ])
        let row = try #require(rows.first)
        #expect(row.status == 499 && row.errorType == "cancelled")
        #expect(row.attempts == 1)
        #expect(row.inputTokens == 900 && row.outputTokens == 40 && row.estimated)
        #expect(row.answerBytes == 300 && row.ttftMilliseconds == 50)
        // custom's provider-wide price: 1 in, 2 out.
        #expect(abs((row.costUSD ?? -1) - (900.0 * 1 + 40 * 2) / 1_000_000) < 1e-12)
    }

    @Test func unknownPriceIsNilNeverZero() throws {
        let rows = try fold([
            Self.started(5, model: "gpt-4o"),
            Self.routed(5, "deepseek,other-model"),
            .finished(
                .init(
                    id: RequestID(5),
                    target: ModelRef(parsing: "deepseek,other-model")!,
                    stopReason: .endTurn,
                    usage: Usage(inputTokens: 10, outputTokens: 5),
                    ttft: nil,
                    duration: .seconds(1),
                    usageEstimated: true
                )
            ),
        ])
        let row = try #require(rows.first)
        #expect(row.costUSD == nil && !row.free)
        // Not a Claude model: nothing to compare with.
        #expect(row.anthropicUSD == nil && row.savedUSD == nil)
        #expect(row.estimated)
    }

    @Test func perModelPriceWinsOverTheProvidersPrice() throws {
        let book = PriceBook(config: try Self.config(Self.configText))
        #expect(book.price(provider: "custom", model: "m2") == Price(input: 10, output: 20, cacheRead: 1))
        #expect(book.price(provider: "custom", model: "m1") == Price(input: 1, output: 2))
        #expect(book.price(provider: "deepseek", model: "deepseek-chat")?.output == 0.42)
        #expect(book.price(provider: "nim", model: "z-ai/glm4.7")?.free == true)
        #expect(book.price(provider: "nobody", model: "x") == nil)
        // Cache reads without their own price are charged as input.
        #expect(Price(input: 2, output: 4).cost(input: 0, output: 0, cacheRead: 1_000_000) == 2)
    }

    @Test func anthropicListPrices() {
        #expect(BuiltInPrices.anthropic(requestedModel: "claude-opus-4-5-20251101")?.input == 5)
        #expect(BuiltInPrices.anthropic(requestedModel: "claude-opus-4-1-20250805")?.input == 15)
        #expect(BuiltInPrices.anthropic(requestedModel: "claude-sonnet-4-5-20250929")?.output == 15)
        #expect(BuiltInPrices.anthropic(requestedModel: "claude-haiku-4-5-20251001")?.input == 1)
        #expect(BuiltInPrices.anthropic(requestedModel: "claude-3-5-haiku-20241022")?.input == 0.8)
        #expect(BuiltInPrices.anthropic(requestedModel: "deepseek,deepseek-chat") == nil)
        // Asked again (answers are remembered), and past the memo's bound, the answers are the same.
        for round in 0..<2 {
            for n in 0..<300 {
                #expect(BuiltInPrices.anthropic(requestedModel: "claude-sonnet-4-\(n)")?.input == 3)
                #expect(BuiltInPrices.anthropic(requestedModel: "model-\(n)-\(round)") == nil)
            }
            #expect(BuiltInPrices.anthropic(requestedModel: "claude-opus-4-1-20250805")?.input == 15)
            #expect(BuiltInPrices.anthropic(requestedModel: "deepseek,deepseek-chat") == nil)
        }
    }

    /// The config error for a provider with `providerExtra` and a top level with `topExtra`.
    static func error(provider providerExtra: String = "", top topExtra: String = "") -> String? {
        let text =
            #"{"Providers":[{"name":"p","api_base_url":"http://h/v1","models":["m"]"# + providerExtra
            + #"}],"Router":{"default":"p,m"}"# + topExtra + "}"
        do {
            _ = try config(text)
            return nil
        } catch {
            return "\(error)"
        }
    }

    @Test func badPricesAndBudgetsAreConfigErrors() {
        #expect(Self.error(provider: #","price":{"input":1,"output":2,"cache_read":0.1}"#) == nil)
        #expect(Self.error(provider: #","price":{"input":"x","output":1}"#)?.contains("price") == true)
        #expect(Self.error(provider: #","price":{"input":1}"#)?.contains("output") == true)
        #expect(Self.error(provider: #","prices":{"n":{"input":1,"output":1}}"#)?.contains("prices.n") == true)
        #expect(Self.error(provider: #","budget":{"daily_usd":1,"enforce":"yes"}"#)?.contains("budget") == true)
        #expect(Self.error(top: #","budget":{"daily_usd":-1}"#)?.contains("daily_usd") == true)
        #expect(Self.error(top: #","USAGE_DB":3"#)?.contains("USAGE_DB") == true)
        #expect(Self.error(top: #","USAGE_RETENTION_DAYS":0"#)?.contains("USAGE_RETENTION_DAYS") == true)
    }

    static func minimal(_ extra: String) throws -> SwitchboardConfig {
        try config(
            #"{"Providers":[{"name":"p","api_base_url":"http://h/v1","models":["m"]}],"Router":{"default":"p,m"},"#
                + extra + "}"
        )
    }

    @Test func usageSettingsFromTheConfig() throws {
        let config = try Self.minimal(
            #""USAGE_DB":"/tmp/x.sqlite","USAGE_RETENTION_DAYS":7,"budget":{"daily_usd":5,"monthly_usd":50,"enforce":true}"#
        )
        #expect(config.usage.destination == .file("/tmp/x.sqlite"))
        #expect(config.usage.retentionDays == 7)
        #expect(config.usage.budget == Budget(dailyUSD: 5, monthlyUSD: 50, enforce: true))
        #expect(try Self.minimal(#""USAGE_DB":false"#).usage.localPath() == nil)
        #expect(try Self.minimal(#""USAGE_DB":"postgres://u@h/db""#).usage.postgresURL == "postgres://u@h/db")
        #expect(try Self.minimal(#""LOG":true"#).usage.retentionDays == 90)
        #expect(
            UsageSettings.defaultPath(environment: ["HOME": "/home/u"])
                == "/home/u/.local/state/switchboard/usage.sqlite"
        )
        #expect(
            UsageSettings.defaultPath(environment: ["HOME": "/home/u", "XDG_STATE_HOME": "/s"])
                == "/s/switchboard/usage.sqlite"
        )
    }

    // MARK: - Origin

    @Test func originFromClaudeCodeRequest() throws {
        let body = """
            {"model":"claude-sonnet-4-5","max_tokens":10,
             "system":[{"type":"text","text":"x-anthropic-billing-header: cc_version=2.1.332.469; cc_entrypoint=cli;"},
                       {"type":"text","text":"You are Claude Code.\\n - Primary working directory: /home/u/project\\n - Is a git repository: true"}],
             "metadata":{"user_id":"{\\"device_id\\":\\"d\\",\\"account_uuid\\":\\"\\",\\"session_id\\":\\"b1f19e65\\"}"},
             "messages":[{"role":"user","content":"hi"}]}
            """
        let request = try MessagesRequest(json: try JSONParser.parse(body))
        let origin = RequestOrigin(request: request, userAgent: "claude-cli/2.1.332 (external, cli)")
        #expect(origin.client == "claude-code")
        #expect(origin.sessionID == "b1f19e65")
        #expect(origin.workingDirectory == "/home/u/project")
    }

    @Test func clientKinds() {
        #expect(RequestOrigin.classify(userAgent: nil, entrypoint: "claude-vscode") == "vscode")
        #expect(RequestOrigin.classify(userAgent: "claude-cli/2 (external, sdk-cli)", entrypoint: "sdk-cli") == "sdk")
        #expect(RequestOrigin.classify(userAgent: "Anthropic/Python 0.40.0", entrypoint: nil) == "sdk")
        #expect(RequestOrigin.classify(userAgent: "curl/8", entrypoint: nil) == "other")
        #expect(RequestOrigin.sessionID(metadata: ["user_id": "user_abc_account__session_123"]) == "123")
        #expect(RequestOrigin.sessionID(metadata: ["user_id": "plain"]) == nil)
    }

    @Test func workingDirectoryInTheFirstUserMessage() throws {
        let fixture = try ClaudeCodeRequests.request(ClaudeCodeRequests.followUp)
        let origin = RequestOrigin(request: fixture, userAgent: nil)
        #expect(origin.workingDirectory == "/tmp/cc-explore/runs/think/work")
        #expect(origin.sessionID == "b1f19e65-6822-4cc7-b8c1-5357cb22de7b")
        #expect(origin.client == "sdk")
    }

    // MARK: - Budgets

    @Test func budgetsWarnOnceAt80And100AndEnforce() throws {
        let config = try Self.config(
            """
            {"Providers":[{"name":"deepseek","api_base_url":"https://api.deepseek.com/v1","api_key":"k","models":["deepseek-chat"],
                           "budget":{"daily_usd":1,"enforce":true}},
                          {"name":"nim","api_base_url":"https://integrate.api.nvidia.com/v1","api_key":"k","models":["m"]}],
             "Router":{"default":"nim,m"},
             "budget":{"daily_usd":10,"monthly_usd":100}}
            """
        )
        var tracker = BudgetTracker(now: Self.t0)
        #expect(tracker.add(cost: 0.5, provider: "deepseek", at: Self.t0, config: config).isEmpty)
        #expect(tracker.refusal(provider: "deepseek", config: config, now: Self.t0) == nil)
        let at80 = tracker.add(cost: 0.35, provider: "deepseek", at: Self.t0, config: config)
        #expect(at80.count == 1 && at80[0].contains("deepseek") && at80[0].contains("80%"))
        #expect(tracker.status(config: config).level == .warning)
        // Once only.
        #expect(tracker.add(cost: 0.01, provider: "deepseek", at: Self.t0, config: config).isEmpty)
        let at100 = tracker.add(cost: 0.2, provider: "deepseek", at: Self.t0, config: config)
        #expect(at100.count == 1 && at100[0].contains("reached") && at100[0].contains("refused"))
        #expect(tracker.status(config: config).level == .exceeded)
        let refusal = try #require(tracker.refusal(provider: "deepseek", config: config, now: Self.t0))
        #expect(refusal.status == 429 && !refusal.shouldRetry && refusal.message.contains("deepseek.budget.daily_usd"))
        // Other providers are not limited by deepseek's budget; the global one is not enforced.
        #expect(tracker.refusal(provider: "nim", config: config, now: Self.t0) == nil)
        // A new day starts afresh.
        let tomorrow = Self.t0.addingTimeInterval(86_400)
        #expect(tracker.refusal(provider: "deepseek", config: config, now: tomorrow) == nil)
    }

    @Test func globalBudgetCountsEveryProvider() throws {
        let config = try Self.config(
            """
            {"Providers":[{"name":"a","api_base_url":"http://h/v1","models":["m"]},{"name":"b","api_base_url":"http://h/v1","models":["m"]}],
             "Router":{"default":"a,m"},
             "budget":{"monthly_usd":2,"enforce":true}}
            """
        )
        var tracker = BudgetTracker(now: Self.t0)
        tracker.seed(today: [:], thisMonth: ["a": 1.5])
        #expect(tracker.refusal(provider: "b", config: config, now: Self.t0) == nil)
        let messages = tracker.add(cost: 0.6, provider: "b", at: Self.t0, config: config)
        #expect(messages.count == 1 && messages[0].contains("all providers"))
        #expect(
            tracker.refusal(provider: "b", config: config, now: Self.t0)?.message.contains("budget.monthly_usd") == true
        )
        #expect(abs(tracker.status(config: config).spentThisMonth - 2.1) < 1e-9)
    }
}
