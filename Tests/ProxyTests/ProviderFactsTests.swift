import Testing

@testable import Proxy

/// Provider facts adjusted after review: each would send a request the provider refuses, or
/// lose reasoning, without its rule.
struct ProviderFactsTests {
    @Test func zhipuGetsEarlierReasoningBack() throws {
        let turns = try ProviderPresetTests.assistantTurns(.zhipu, model: "glm-4.7")
        #expect(turns.first?["reasoning_content"] == "Let me think about this.")
    }

    @Test func nimDoesNotGetReasoningContentInMessages() throws {
        let turns = try ProviderPresetTests.assistantTurns(.nvidia, model: "z-ai/glm4.7")
        #expect(turns.first?["reasoning_content"] == nil)
    }

    @Test(arguments: [("enabled", 65_536), ("disabled", 8_192)])
    func deepSeekChatInThinkingModeTakesTheReasonersLimit(thinking: String, cap: Int) throws {
        let request = try ClaudeCodeRequests.request(ClaudeCodeRequests.mainTurn) {
            $0["max_tokens"] = .int(128_000)
            $0["thinking"] =
                thinking == "enabled" ? ["type": "enabled", "budget_tokens": 10_000] : ["type": "disabled"]
        }
        let body = ClaudeCodeRequests.chatBody(request, preset: .deepseek, model: "deepseek-chat")
        #expect(body["max_tokens"] == .int(cap))
        #expect((body["thinking"] != nil) == (thinking == "enabled"))
    }

    @Test func openRouterIsNeverToldToSwitchReasoningOff() throws {
        let off = try ClaudeCodeRequests.request(ClaudeCodeRequests.titleSideCall)
        #expect(off.thinkingIntent == .off)
        #expect(
            ClaudeCodeRequests.chatBody(off, preset: .openrouter, model: "deepseek/deepseek-r1")["reasoning"] == nil
        )
        let on = try ClaudeCodeRequests.request(ClaudeCodeRequests.mainTurn) {
            $0["thinking"] = ["type": "enabled", "budget_tokens": 20_000]
            $0["output_config"] = nil  // the budget decides the effort
        }
        #expect(
            ClaudeCodeRequests.chatBody(on, preset: .openrouter, model: "deepseek/deepseek-r1")["reasoning"] == [
                "effort": "high"
            ]
        )
    }

    @Test func reasoningTransformerOnNIMUsesTheChatTemplateNotATopLevelKey() throws {
        let provider = ProviderConfig(
            name: "nim",
            endpoint: "https://integrate.api.nvidia.com/v1/chat/completions",
            models: ["qwen/qwen3-235b"],
            transformer: ["use": ["reasoning"]]
        )
        let profile = ProviderProfile.resolve(provider: provider, model: "qwen/qwen3-235b")
        let request = try ClaudeCodeRequests.request(ClaudeCodeRequests.mainTurn)
        let body = ChatRequestBuilder(options: profile.request).build(request, model: "qwen/qwen3-235b").body
        #expect(body["enable_thinking"] == nil)
        #expect(body["chat_template_kwargs"]?["enable_thinking"] == true)
    }

    @Test func reasoningDetailsBecomeThinking() throws {
        let chunk = ChatChunk(
            json: try JSONParser.parse(
                #"{"choices":[{"index":0,"delta":{"content":"","reasoning_details":[{"type":"reasoning.text","text":"step one"}]}}]}"#
            )
        )
        #expect(chunk.reasoning == "step one")
    }

    @Test func openRouterTransformerElsewhereIsReportedNotNeeded() {
        var profile = ProviderProfile(preset: .openai)
        #expect(
            Transformer(name: "openrouter").apply(to: &profile)
                == .notNeeded("the reasoning field is always read as thinking")
        )
    }
}
