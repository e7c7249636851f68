import Foundation
import Testing

@testable import Proxy

/// The provider keys added for presets, passthrough, key pools and RPM budgets; and where a
/// broken config file goes wrong.
struct ProviderConfigTests {
    static func parse(_ provider: String, environment: [String: String] = [:]) throws(ConfigError) -> SwitchboardConfig
    {
        let text = """
            {"Providers": [{"name": "p", "api_base_url": "https://api.example.com/v1", "models": ["m"], \(provider)}],
             "Router": {"default": "p,m"}}
            """
        return try ConfigLoader(environment: environment, homeDirectory: "/nonexistent").parse(
            Data(text.utf8),
            source: .file("t.json")
        )
    }

    static func provider(_ text: String, environment: [String: String] = [:]) throws -> ProviderConfig {
        try #require(try parse(text, environment: environment).providers.first)
    }

    static func error(_ text: String) -> ConfigError? {
        do {
            _ = try parse(text)
            return nil
        } catch {
            return error
        }
    }

    @Test func presetNamesAPresetWhateverItsCase() throws {
        #expect(try Self.provider(#""preset": "NVIDIA""#).explicitPreset == .nvidia)
        #expect(try Self.provider(#""preset": "gemini""#).preset == .gemini)
        #expect(try Self.provider(#""api_key": "k""#).explicitPreset == nil)
    }

    @Test func anUnknownPresetIsAnErrorNamingTheKeyAndTheKnownPresets() throws {
        let error = try #require(Self.error(#""preset": "nim""#))
        #expect(error.key == "Providers[0] (p).preset")
        #expect(error.problem.contains("\"nim\""))
        for preset in ProviderPreset.allCases { #expect(error.problem.contains(preset.rawValue)) }
        #expect(Self.error(#""preset": 3"#)?.key == "Providers[0] (p).preset")
    }

    @Test func anthropicMarksAPassthroughProvider() throws {
        #expect(try Self.provider(#""anthropic": true"#).anthropic)
        #expect(try !Self.provider(#""anthropic": false"#).anthropic)
        #expect(try !Self.provider(#""api_key": "k""#).anthropic)
        #expect(Self.error(#""anthropic": "yes""#)?.key == "Providers[0] (p).anthropic")
    }

    @Test func claudeCodeRoutersAnthropicTransformerMeansPassthrough() throws {
        let provider = try Self.provider(#""transformer": {"use": ["Anthropic"]}"#)
        #expect(provider.anthropic)
        #expect(ProviderProfile.resolve(provider: provider, model: "m").passthrough)
        let perModel = try Self.provider(#""transformer": {"m": {"use": ["Anthropic"]}}"#)
        #expect(perModel.anthropic)
        #expect(try !Self.provider(#""transformer": {"use": ["deepseek"]}"#).anthropic)
    }

    @Test func passthroughGoesToTheMessagesEndpoint() {
        let cases = [
            ("https://api.deepseek.com/anthropic", "https://api.deepseek.com/anthropic/v1/messages"),
            ("https://api.z.ai/api/anthropic", "https://api.z.ai/api/anthropic/v1/messages"),
            ("https://api.minimax.io/anthropic/v1/messages", "https://api.minimax.io/anthropic/v1/messages"),
            ("http://127.0.0.1:8080/v1", "http://127.0.0.1:8080/v1/messages"),
        ]
        for (base, messages) in cases {
            let provider = ProviderConfig(
                name: "a",
                endpoint: ProviderConfig.endpoint(fromBaseURL: base),
                models: ["m"]
            )
            #expect(provider.messagesEndpoint == messages, "\(base)")
        }
    }

    @Test func rpmSetsTheBudgetAndMustBePositive() throws {
        #expect(try Self.provider(#""rpm": 40"#).requestsPerMinute == 40)
        #expect(try Self.provider(#""api_key": "k""#).requestsPerMinute == nil)
        #expect(Self.error(#""rpm": 0"#)?.key == "Providers[0] (p).rpm")
        #expect(Self.error(#""rpm": "fast""#)?.key == "Providers[0] (p).rpm")
    }

    @Test func apiKeyMayBeAListAndUnsetVariablesAreSkippedWithAWarning() throws {
        let config = try Self.parse(
            #""api_key": ["$KEY_ONE", "${KEY_TWO}", "$KEY_UNSET", "literal-key"]"#,
            environment: ["KEY_ONE": "nvapi-one", "KEY_TWO": "nvapi-two"]
        )
        #expect(config.providers[0].apiKeys == ["nvapi-one", "nvapi-two", "literal-key"])
        #expect(config.providers[0].missingKeyVariable == nil)
        #expect(config.providers[0].keyDescription == "3 keys")
        #expect(config.warnings.contains { $0.contains("api_key[2]") && $0.contains("KEY_UNSET") })
        #expect(Self.error(#""api_key": ["k", 5]"#)?.key == "Providers[0] (p).api_key[1]")
    }

    @Test func aListOfOnlyUnsetVariablesLeavesTheKeyMissing() throws {
        let provider = try Self.provider(#""api_key": ["$NOPE_A", "$NOPE_B"]"#)
        #expect(provider.apiKeys.isEmpty)
        #expect(provider.missingKeyVariable == "NOPE_A")
        #expect(provider.keyDescription == "missing (set $NOPE_A)")
    }

    @Test func ignoredTransformersAreWarnedAboutAndCoveredOnesAreNot() throws {
        let config = try Self.parse(
            #""preset": "deepseek", "transformer": {"use": ["deepseek", "forcereasoning", "bogus"], "m": {"use": ["cerebras"]}}"#
        )
        let transformerWarnings = config.warnings.filter { $0.contains("transformer") }
        #expect(transformerWarnings.count == 3)
        #expect(transformerWarnings.contains { $0.contains("transformer: forcereasoning") })
        #expect(transformerWarnings.contains { $0.contains("transformer: bogus unknown transformer") })
        #expect(transformerWarnings.contains { $0.contains("transformer.m: cerebras") })
        #expect(!transformerWarnings.contains { $0.contains("transformer: deepseek") })
    }

    // MARK: - Syntax errors

    @Test func syntaxErrorsSayLineAndColumn() {
        let bytes = Array("{\n  \"Router\": {\n    \"default\": \"p,m\"\n    \"think\": \"p,m\"\n  }\n}".utf8)
        #expect(ConfigSyntaxLocator.locate(bytes)?.hasPrefix("line 4, column 5:") == true)
    }

    @Test func json5CommentsAndTrailingCommasAreNotErrorsAndDoNotShiftPositions() {
        let valid = Array("// config\n{\n  /* block\n comment */ \"a\": [1, 2,],\n  \"b\": \"x\", // note\n}\n".utf8)
        #expect(ConfigSyntaxLocator.locate(valid) == nil)
        let broken = Array("// a comment with a \" quote\n{\n  \"a\": 1 \"b\": 2\n}".utf8)
        #expect(ConfigSyntaxLocator.locate(broken)?.hasPrefix("line 3, column 10:") == true)
    }

    @Test func columnsCountCharactersNotBytes() {
        let bytes = Array("{\"name\": \"héllo\" \"x\": 1}".utf8)
        #expect(ConfigSyntaxLocator.locate(bytes)?.hasPrefix("line 1, column 18:") == true)
    }

    @Test func theLoaderReportsTheLocation() {
        do {
            _ = try ConfigLoader(environment: [:], homeDirectory: "/nonexistent").parse(
                Data("{\n  \"Providers\": [\n    {\"name\": \"p\" \"models\": []}\n  ]\n}".utf8),
                source: .file("c.json")
            )
            Issue.record("a broken file loaded")
        } catch {
            #expect(error.description.hasPrefix("c.json: not valid JSON5: line 3, column 18:"), "\(error)")
        }
    }
}
