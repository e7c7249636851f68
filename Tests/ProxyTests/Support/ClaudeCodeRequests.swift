@testable import Proxy

/// Real Claude Code request bodies (`Fixtures/claude-code/*.body.json`).
enum ClaudeCodeRequests {
    /// A main-loop turn: adaptive thinking, 12 tools, `max_tokens` 128000.
    static let mainTurn = "01-main-turn-with-tools.body.json"
    /// The follow-up: an assistant turn with thinking (real signature), text and a `Write` call.
    static let followUp = "02-followup-tool-result-with-thinking.body.json"
    /// A haiku title side call: thinking disabled, no tools.
    static let titleSideCall = "03-haiku-title-side-call.body.json"
    static let all = [mainTurn, followUp, titleSideCall]

    /// The fixture's body as JSON.
    static func body(_ name: String) throws -> JSONValue {
        try JSONParser.parse(Fixture.bytes(name, subdirectory: "claude-code"))
    }

    /// The fixture read as a request, after `edit` changed its body.
    static func request(_ name: String, edit: (inout JSONObject) -> Void = { _ in }) throws -> MessagesRequest {
        guard case .object(var object) = try body(name) else {
            throw HarnessFailure(description: "\(name) is not a JSON object")
        }
        edit(&object)
        return try MessagesRequest(json: .object(object))
    }

    /// The Chat Completions body `preset` builds for `request` to `model`.
    static func chatBody(
        _ request: MessagesRequest,
        preset: ProviderPreset,
        model: String,
        signatures: ThoughtSignatureStore? = nil
    ) -> JSONObject {
        ChatRequestBuilder(options: preset.requestOptions(model: model)).build(
            request,
            model: model,
            signatures: signatures
        )
        .body
    }

    /// The body built through a resolved profile (preset plus transformers).
    static func chatBody(_ request: MessagesRequest, profile: ProviderProfile, model: String) -> JSONObject {
        ChatRequestBuilder(options: profile.request).build(request, model: model).body
    }
}
