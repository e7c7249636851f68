import Foundation
import Testing

@testable import Dashboard
@testable import Proxy

/// `setup`'s edits of other programs' settings files: only the values it sets change.
struct SetupMergeTests {
    static let variables = [("ANTHROPIC_BASE_URL", "http://127.0.0.1:3456"), ("ANTHROPIC_AUTH_TOKEN", "switchboard")]

    @Test func anEmptyOrMissingFileGetsAnEnvBlock() throws {
        let text = try SetupCommand.claudeSettings("", variables: Self.variables)
        let json = try JSONParser.parse(Array(text.utf8))
        #expect(json["env"]?["ANTHROPIC_BASE_URL"] == "http://127.0.0.1:3456")
        #expect(json["env"]?["ANTHROPIC_AUTH_TOKEN"] == "switchboard")
    }

    @Test func otherSettingsAndCommentsSurviveByteForByte() throws {
        let old = """
            {
                // my theme
                "theme": "dark",
                /* permissions, kept */
                "permissions": {"allow": ["Bash(ls:*)"]},
                "env": {
                    "FOO": "bar", // mine
                    "ANTHROPIC_BASE_URL": "https://old.example"
                },
                "statusLine": {"type": "command", "command": "x"},
            }

            """
        let new = try SetupCommand.claudeSettings(old, variables: Self.variables)
        let expected = """
            {
                // my theme
                "theme": "dark",
                /* permissions, kept */
                "permissions": {"allow": ["Bash(ls:*)"]},
                "env": {
                    "FOO": "bar", // mine
                    "ANTHROPIC_BASE_URL": "http://127.0.0.1:3456",
                    "ANTHROPIC_AUTH_TOKEN": "switchboard"
                },
                "statusLine": {"type": "command", "command": "x"},
            }

            """
        #expect(new == expected)
        // Idempotent: a second merge changes nothing.
        #expect(try SetupCommand.claudeSettings(new, variables: Self.variables) == new)
    }

    @Test func aMissingEnvBlockIsAddedAfterTheLastSettingWithItsComment() throws {
        let old = "{\n  \"theme\": \"light\" // trailing note\n}\n"
        let new = try SetupCommand.claudeSettings(old, variables: Self.variables)
        #expect(new.hasPrefix("{\n  \"theme\": \"light\", // trailing note\n  \"env\": {\n"))
        let json = try JSONParser.parse(Array(Self.strippingComments(new).utf8))
        #expect(json["theme"] == "light" && json["env"]?["ANTHROPIC_AUTH_TOKEN"] == "switchboard")
    }

    @Test func oneLineAndEmptyObjectsTakeTheNewKeys() throws {
        let oneLine = try SetupCommand.claudeSettings(#"{"a": 1, "env": {"X": "y"}}"#, variables: Self.variables)
        #expect(
            oneLine
                == #"{"a": 1, "env": {"X": "y", "ANTHROPIC_BASE_URL": "http://127.0.0.1:3456", "ANTHROPIC_AUTH_TOKEN": "switchboard"}}"#
        )
        let empty = try SetupCommand.claudeSettings("{}\n", variables: Self.variables)
        let json = try JSONParser.parse(Array(empty.utf8))
        #expect(json["env"]?["ANTHROPIC_BASE_URL"] == "http://127.0.0.1:3456")
    }

    @Test func aFileThatIsNotJSONIsRefusedNotRewritten() {
        for broken in ["{\"a\": ", "[1, 2]", "{\"a\": 1} trailing", "{/* open"] {
            #expect(throws: JSONCEditor.SyntaxError.self, "\(broken)") {
                try SetupCommand.claudeSettings(broken, variables: Self.variables)
            }
        }
    }

    @Test func vsCodeKeepsItsOtherVariablesAndSettings() throws {
        let old = """
            {
            \t// editor
            \t"editor.fontSize": 14,
            \t"claudeCode.environmentVariables": [{"name": "HTTP_PROXY", "value": "http://proxy:8080"}, {"name": "ANTHROPIC_BASE_URL", "value": "x"}]
            }
            """
        let new = try SetupCommand.vscodeSettings(old, variables: Self.variables)
        #expect(new.hasPrefix("{\n\t// editor\n\t\"editor.fontSize\": 14,\n"))
        let json = try JSONParser.parse(Array(Self.strippingComments(new).utf8))
        let list = json["claudeCode.environmentVariables"]?.arrayValue ?? []
        #expect(
            list.compactMap { $0["name"]?.stringValue } == ["HTTP_PROXY", "ANTHROPIC_BASE_URL", "ANTHROPIC_AUTH_TOKEN"]
        )
        #expect(list.first { $0["name"] == "ANTHROPIC_BASE_URL" }?["value"] == "http://127.0.0.1:3456")
        #expect(json["claudeCode.disableLoginPrompt"] == true)
        #expect(try SetupCommand.vscodeSettings(new, variables: Self.variables) == new)
    }

    @Test func theDiffShowsOnlyWhatChanges() {
        let diff = LineDiff.unified(old: "a\nb\nc\nd\ne\nf", new: "a\nb\nc\nD\ne\nf", oldLabel: "old", newLabel: "new")
        #expect(diff == "--- old\n+++ new\n b\n c\n-d\n+D\n e\n f")
        #expect(LineDiff.unified(old: "same", new: "same", oldLabel: "o", newLabel: "n").isEmpty)
    }

    @Test func routesFollowTheGrades() {
        func entry(_ name: String, tools: ReportCard.Grade, thinking: ReportCard.Grade, ttft: Int) -> ReportCard.Entry {
            var entry = ReportCard.Entry(model: ModelRef(provider: "p", model: name))
            entry.text = .pass
            entry.toolCall = tools
            entry.toolResult = tools
            entry.parallelTools = tools
            entry.thinking = thinking
            entry.ttftMilliseconds = ttft
            entry.tokensPerSecond = 50
            return entry
        }
        let entries = [
            entry("fast", tools: .partial, thinking: .fail, ttft: 100),
            entry("tooly", tools: .pass, thinking: .fail, ttft: 900),
            entry("glm-4.6-thinker", tools: .partial, thinking: .pass, ttft: 800),
        ]
        let proposal = RouteProposal(entries: entries) { ContextWindow.published(model: $0.model) }
        let routes = Dictionary(uniqueKeysWithValues: proposal.routes.map { ($0.kind, $0.model.model) })
        #expect(routes[.default] == "tooly")
        #expect(routes[.background] == "fast")
        #expect(routes[.think] == "glm-4.6-thinker")
        #expect(routes[.longContext] == "glm-4.6-thinker")
    }

    /// JSONC → JSON for reading results back (comments outside strings only; enough for these tests).
    static func strippingComments(_ text: String) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false).map { line in
            guard let range = line.range(of: " //") ?? line.range(of: "\t//") else { return String(line) }
            return String(line[..<range.lowerBound])
        }.joined(separator: "\n")
    }
}
