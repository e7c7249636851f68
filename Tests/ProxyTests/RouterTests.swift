import Foundation
import Testing

@testable import Proxy

struct RouterTests {
    static let configText = """
        {"Providers":[
           {"name":"main","api_base_url":"http://h/v1","models":["m-default","m-bg","m-think","m-long","m-web","m-image"]},
           {"name":"other","api_base_url":"http://o/v1","models":["o1"]}],
         "Router":{"default":"main,m-default","background":"main,m-bg","think":"main,m-think","longContext":"main,m-long",
                   "longContextThreshold":1000,"webSearch":"main,m-web","image":"main,m-image"},
         "fallback":{"default":["other,o1"],"think":["main,m-default","other,o1"]}}
        """

    static func config(_ text: String = configText) throws -> SwitchboardConfig {
        try ConfigLoader(environment: [:], homeDirectory: "/x").parse(Data(text.utf8), source: .builtin)
    }

    static func request(_ json: String) throws -> MessagesRequest {
        try MessagesRequest(json: try JSONParser.parse(json))
    }

    func route(_ json: String, tokens: Int = 10, config: SwitchboardConfig? = nil) throws -> RouteDecision {
        let config = try config ?? Self.config()
        var request = try Self.request(json)
        return try Router(config: config, table: RouteTable(configured: config.routes)).route(
            &request,
            estimatedTokens: tokens
        )
    }

    static let plain = #"{"model":"claude-sonnet-4-5","max_tokens":10,"messages":[{"role":"user","content":"hi"}]}"#
    static let haiku =
        #"{"model":"claude-haiku-4-5-20251001","max_tokens":10,"messages":[{"role":"user","content":"hi"}]}"#
    static let thinking =
        #"{"model":"claude-sonnet-4-5","max_tokens":10,"thinking":{"type":"enabled","budget_tokens":2000},"messages":[{"role":"user","content":"hi"}]}"#
    static let webSearch =
        #"{"model":"claude-sonnet-4-5","max_tokens":10,"tools":[{"type":"web_search_20250305","name":"web_search"}],"messages":[{"role":"user","content":"hi"}]}"#
    static let image =
        #"{"model":"claude-sonnet-4-5","max_tokens":10,"messages":[{"role":"user","content":[{"type":"image","source":{"type":"url","url":"https://x/a.png"}},{"type":"text","text":"what?"}]}]}"#

    @Test func plainRequestsGoToDefaultWithItsFallbacks() throws {
        let decision = try route(Self.plain)
        #expect(decision.kind == .default)
        #expect(decision.target == ModelRef(provider: "main", model: "m-default"))
        #expect(
            decision.candidates == [
                ModelRef(provider: "main", model: "m-default"), ModelRef(provider: "other", model: "o1"),
            ]
        )
    }

    @Test func eachRuleOnItsOwn() throws {
        #expect(try route(Self.haiku).kind == .background)
        #expect(try route(Self.thinking).kind == .think)
        #expect(try route(Self.thinking).fallbacks.count == 2)
        #expect(try route(Self.webSearch).kind == .webSearch)
        #expect(try route(Self.image).kind == .image)
        #expect(try route(Self.plain, tokens: 1001).kind == .longContext)
        #expect(try route(Self.plain, tokens: 1000).kind == .default, "the threshold itself is not above it")
    }

    @Test func claudeCodesAdaptiveThinkingIsNotThink() throws {
        let adaptive =
            #"{"model":"claude-opus-5-5","max_tokens":10,"thinking":{"type":"adaptive","display":"omitted"},"output_config":{"effort":"medium"},"messages":[{"role":"user","content":"hi"}]}"#
        #expect(try route(adaptive).kind == .default)
        let highEffort = adaptive.replacingOccurrences(of: "medium", with: "high")
        #expect(try route(highEffort).kind == .think)
        let maxEffort = adaptive.replacingOccurrences(of: "medium", with: "max")
        #expect(try route(maxEffort).kind == .think)
        let disabled =
            #"{"model":"claude-haiku-4-5","max_tokens":10,"thinking":{"type":"disabled"},"messages":[{"role":"user","content":"hi"}]}"#
        #expect(try route(disabled).kind == .background)
    }

    @Test func precedenceFirstMatchWins() throws {
        // explicit beats long context
        let explicit = #"{"model":"other,o1","max_tokens":10,"messages":[{"role":"user","content":"hi"}]}"#
        let explicitDecision = try route(explicit, tokens: 5000)
        #expect(explicitDecision.kind == .explicit)
        #expect(explicitDecision.target == ModelRef(provider: "other", model: "o1"))
        #expect(explicitDecision.fallbacks.isEmpty)
        // long context beats subagent, background, web search, think
        let everything = #"""
            {"model":"claude-haiku-4-5","max_tokens":10,"thinking":{"type":"enabled","budget_tokens":1024},
             "system":"<CCR-SUBAGENT-MODEL>other,o1</CCR-SUBAGENT-MODEL>\nYou are a subagent",
             "tools":[{"type":"web_search_20250305","name":"web_search"}],
             "messages":[{"role":"user","content":"hi"}]}
            """#
        #expect(try route(everything, tokens: 5000).kind == .longContext)
        // subagent beats background
        #expect(try route(everything).kind == .subagent)
        // background beats web search and think
        let noTag = everything.replacingOccurrences(
            of: "<CCR-SUBAGENT-MODEL>other,o1</CCR-SUBAGENT-MODEL>\\n",
            with: ""
        )
        #expect(try route(noTag).kind == .background)
        // web search beats think
        let sonnet = noTag.replacingOccurrences(of: "claude-haiku-4-5", with: "claude-sonnet-4-5")
        #expect(try route(sonnet).kind == .webSearch)
    }

    @Test func unconfiguredRoutesFallThrough() throws {
        let config = try Self.config(
            #"{"Providers":[{"name":"p","api_base_url":"http://h/v1","models":["d","t"]}],"Router":{"default":"p,d","think":"p,t","longContextThreshold":100}}"#
        )
        #expect(try route(Self.haiku, config: config).kind == .default)
        #expect(try route(Self.webSearch, config: config).kind == .default)
        #expect(try route(Self.plain, tokens: 5000, config: config).kind == .default)
        let thinkingHaiku =
            #"{"model":"claude-haiku-4-5","max_tokens":10,"thinking":{"type":"enabled","budget_tokens":2000},"messages":[{"role":"user","content":"hi"}]}"#
        let decision = try route(thinkingHaiku, config: config)
        #expect(decision.kind == .think, "no background route: the next rule decides")
        #expect(decision.reason.contains("no background route"))
    }

    /// Threshold 1000: 900 estimated cl100k tokens are 1,260 of a model whose tokenizer counts 1.4× as many.
    @Test func longContextThresholdIsInTheOtherwiseRoutedModelsTokens() throws {
        let config = try Self.config()
        let calibration = TokenCalibration(minimumSamples: 3)
        let router = Router(config: config, table: RouteTable(configured: config.routes), calibration: calibration)
        var request = try Self.request(Self.plain)
        #expect(try router.route(&request, estimatedTokens: 900).kind == .default)

        let thinkModel = ModelRef(provider: "main", model: "m-think")
        for _ in 0..<3 { calibration.record(thinkModel, estimated: 10_000, reported: 14_000) }
        // Only the model that would serve the request counts: plain requests go to m-default, still uncalibrated.
        #expect(try router.route(&request, estimatedTokens: 900).kind == .default)
        var thinking = try Self.request(Self.thinking)
        let decision = try router.route(&thinking, estimatedTokens: 900)
        #expect(decision.kind == .longContext)
        #expect(decision.target.model == "m-long")
        #expect(decision.reason.contains("about 1260 input tokens in main,m-think's tokens"), "\(decision.reason)")

        // A model whose tokenizer is coarser stays on its route above the cl100k threshold.
        let defaultModel = ModelRef(provider: "main", model: "m-default")
        for _ in 0..<3 { calibration.record(defaultModel, estimated: 10_000, reported: 8_000) }
        #expect(try router.route(&request, estimatedTokens: 1100).kind == .default)
        #expect(try router.route(&request, estimatedTokens: 1300).kind == .longContext)
    }

    @Test func aRequestLongerThanTheRoutedModelsWindowGoesToLongContextWhenItFits() throws {
        let config = try Self.config(
            """
            {"Providers":[{"name":"p","api_base_url":"http://h/v1","models":["small","big","tiny"],
               "context_window":{"small":32768,"big":200000,"tiny":16384}}],
             "Router":{"default":"p,small","longContext":"p,big","background":"p,tiny","longContextThreshold":100000}}
            """
        )
        // Under the threshold, but more than the default model's 32K window.
        let long = try route(Self.plain, tokens: 40_000, config: config)
        #expect(long.kind == .longContext)
        #expect(long.target == ModelRef(provider: "p", model: "big"))
        #expect(long.reason.contains("more than p,small's window of 32768"), "\(long.reason)")
        // Within the window: the usual route.
        #expect(try route(Self.plain, tokens: 30_000, config: config).kind == .default)
        // Longer than the longContext model takes too (threshold out of the way): nothing fits,
        // so the usual route, and the provider's refusal says how long is too long.
        var noThreshold = config
        noThreshold.longContextThreshold = 10_000_000
        #expect(try route(Self.plain, tokens: 250_000, config: noThreshold).kind == .default)
        #expect(try route(Self.plain, tokens: 150_000, config: noThreshold).kind == .longContext)
        let unknownWindow = try Self.config()
        #expect(
            try route(Self.plain, tokens: 900, config: unknownWindow).kind == .default,
            "no window known: no change"
        )
    }

    @Test func aLongRequestWithoutALongContextRouteSaysSoFirst() throws {
        let config = try Self.config(
            #"{"Providers":[{"name":"p","api_base_url":"http://h/v1","models":["d","t"]}],"Router":{"default":"p,d","think":"p,t","longContextThreshold":100}}"#
        )
        let decision = try route(Self.haiku, tokens: 5000, config: config)
        #expect(decision.kind == .default)
        #expect(
            decision.reason
                == "default (about 5000 input tokens, above the 100 threshold, but no longContext route is set; "
                + "claude-haiku-4-5-20251001 is a background (haiku) model, but no background route is set)"
        )
    }

    @Test func countTokensAnswersInTheRoutedModelsTokensOnceLearned() throws {
        let config = try Self.config()
        let calibration = TokenCalibration(minimumSamples: 1)
        let router = Router(config: config, table: RouteTable(configured: config.routes), calibration: calibration)
        var request = try Self.request(Self.plain)
        #expect(router.countedTokens(&request, estimatedTokens: 500) == 500)
        calibration.record(ModelRef(provider: "main", model: "m-default"), estimated: 1000, reported: 1250)
        #expect(router.countedTokens(&request, estimatedTokens: 500) == 625)
        // An explicit model is the route's model too.
        var explicit = try Self.request(Self.plain.replacingOccurrences(of: "claude-sonnet-4-5", with: "other,o1"))
        #expect(router.countedTokens(&explicit, estimatedTokens: 500) == 500)
        calibration.record(ModelRef(provider: "other", model: "o1"), estimated: 1000, reported: 900)
        #expect(router.countedTokens(&explicit, estimatedTokens: 500) == 450)
        // Without a calibration store, the estimate as before.
        let plainRouter = Router(config: config, table: RouteTable(configured: config.routes))
        #expect(plainRouter.countedTokens(&request, estimatedTokens: 500) == 500)
    }

    @Test func subagentTagIsFoundInAnySystemBlockAndStripped() throws {
        let config = try Self.config()
        var request = try Self.request(
            #"""
            {"model":"claude-sonnet-4-5","max_tokens":10,
             "system":[{"type":"text","text":"x-anthropic-billing-header: cc_version=1"},
                       {"type":"text","text":"You are Claude Code."},
                       {"type":"text","text":"<CCR-SUBAGENT-MODEL>other,o1</CCR-SUBAGENT-MODEL>\nYou explore code."}],
             "messages":[{"role":"user","content":"hi"}]}
            """#
        )
        let decision = try Router(config: config, table: RouteTable(configured: config.routes)).route(
            &request,
            estimatedTokens: 1
        )
        #expect(decision.kind == .subagent)
        #expect(decision.target == ModelRef(provider: "other", model: "o1"))
        #expect(request.system[2] == "You explore code.")
        #expect(!request.system.joined().contains("CCR-SUBAGENT"))
    }

    @Test func subagentTagInASystemRoleMessageIsStrippedEvenWhenAnotherRuleWins() throws {
        let config = try Self.config()
        var request = try Self.request(
            #"""
            {"model":"claude-sonnet-4-5","max_tokens":10,
             "messages":[{"role":"system","content":"<CCR-SUBAGENT-MODEL>other,o1</CCR-SUBAGENT-MODEL>rules"},
                         {"role":"user","content":"hi"}]}
            """#
        )
        let decision = try Router(config: config, table: RouteTable(configured: config.routes)).route(
            &request,
            estimatedTokens: 5000
        )
        #expect(decision.kind == .longContext)
        #expect(request.messages[0].content == [.text("rules")])
    }

    @Test func subagentTagNamingAnUnknownProviderIsIgnored() throws {
        let decision = try route(
            #"{"model":"claude-sonnet-4-5","max_tokens":10,"system":"<CCR-SUBAGENT-MODEL>nope,x</CCR-SUBAGENT-MODEL>","messages":[{"role":"user","content":"hi"}]}"#
        )
        #expect(decision.kind == .default)
        #expect(decision.reason.contains("nope,x"))
    }

    @Test func explicitModelMayBeUnlistedButItsProviderMustExist() throws {
        let unlisted = try route(
            #"{"model":"main,brand-new-model","max_tokens":1,"messages":[{"role":"user","content":"hi"}]}"#
        )
        #expect(unlisted.target == ModelRef(provider: "main", model: "brand-new-model"))
        #expect(throws: APIError.self) {
            try route(#"{"model":"nowhere,m","max_tokens":1,"messages":[{"role":"user","content":"hi"}]}"#)
        }
        do {
            _ = try route(#"{"model":"nowhere,m","max_tokens":1,"messages":[{"role":"user","content":"hi"}]}"#)
        } catch let error as APIError {
            #expect(error.kind == .invalidRequest)
            #expect(error.message.contains("nowhere"))
        }
    }

    @Test func imageInsideAToolResultCounts() throws {
        let decision = try route(
            #"""
            {"model":"claude-sonnet-4-5","max_tokens":10,"messages":[
              {"role":"user","content":"look"},
              {"role":"assistant","content":[{"type":"tool_use","id":"t1","name":"Read","input":{"file_path":"/a.png"}}]},
              {"role":"user","content":[{"type":"tool_result","tool_use_id":"t1","content":[{"type":"image","source":{"type":"base64","media_type":"image/png","data":"AAAA"}}]}]}]}
            """#
        )
        #expect(decision.kind == .image)
        #expect(
            try route(
                #"""
                {"model":"claude-sonnet-4-5","max_tokens":10,"messages":[
                  {"role":"user","content":[{"type":"image","source":{"type":"url","url":"https://x"}}]},
                  {"role":"assistant","content":"ok"},{"role":"user","content":"and now?"}]}
                """#
            ).kind == .default,
            "only the last user turn counts"
        )
    }

    @Test func switchedRoutesApplyToTheNextRequest() throws {
        let config = try Self.config()
        let table = RouteTable(configured: config.routes)
        let router = Router(config: config, table: table)
        var request = try Self.request(Self.plain)
        #expect(try router.route(&request, estimatedTokens: 1).target.model == "m-default")
        table.switchRoute(.default, to: ModelRef(provider: "other", model: "o1"))
        #expect(try router.route(&request, estimatedTokens: 1).target == ModelRef(provider: "other", model: "o1"))
        table.switchRoute(.default, to: nil)
        #expect(try router.route(&request, estimatedTokens: 1).target.model == "m-default")
    }
}

struct RouteTableTests {
    let a = ModelRef(provider: "a", model: "1")
    let b = ModelRef(provider: "b", model: "2")

    @Test func switchingAndResetting() {
        let table = RouteTable(configured: [.default: a])
        #expect(table.target(for: .default) == a)
        #expect(table.target(for: .think) == nil)
        table.switchRoute(.think, to: b)
        #expect(table.target(for: .think) == b)
        #expect(table.entries()[.think]?.isSwitched == true)
        table.switchRoute(.default, to: a)
        #expect(table.entries()[.default]?.isSwitched == false, "switching to the configured model is no switch")
        table.switchRoute(.think, to: nil)
        #expect(table.target(for: .think) == nil)
    }

    @Test func switchesSurviveReconfigurationWhileTheirProviderExists() {
        let table = RouteTable(configured: [.default: a])
        table.switchRoute(.default, to: b)
        table.reconfigure([.default: a, .think: a], keepingSwitchesValidFor: ["a", "b"])
        #expect(table.target(for: .default) == b)
        #expect(table.target(for: .think) == a)
        table.reconfigure([.default: a], keepingSwitchesValidFor: ["a"])
        #expect(table.target(for: .default) == a, "the switched provider is gone")
    }
}
