import Foundation
import Testing

@testable import Proxy

/// `switchboard check --probe --card` against simulated models of the scripted upstream: one
/// per way a provider lets Claude Code down.
@Suite(.stack)
struct ReportCardTests {
    /// What one card run printed and left behind.
    struct Card {
        let exitStatus: ChildProcess.Termination?
        let entry: JSONValue
        let stdout: String
        let stderr: String
        let modelsFile: JSONValue?
        let requests: [RecordedRequest]
    }

    /// Grades `up,<model>` simulated as `simulation`, with the provider's `preset`.
    func grade(
        _ stem: String,
        _ simulation: JSONValue,
        preset: String = "nvidia",
        json: Bool = true,
        responses: [JSONValue]? = nil
    ) async throws -> Card {
        let stack = try Stack.current()
        let model = TestModel.unique(stem)
        try await stack.upstream.script(model, responses ?? [["model": simulation]], repeatLast: responses != nil)
        let directory = try TemporaryDirectory("card")
        let config: JSONValue = [
            "Providers": [
                [
                    "name": "up", "api_base_url": .string(stack.upstream.apiBaseURL),
                    "api_key": .string(SwitchboardProcess.providerKey), "models": [.string(model)],
                    "preset": .string(preset),
                ]
            ],
            "Router": ["default": .string("up,\(model)")],
            "API_TIMEOUT_MS": 10000,
        ]
        let path = try directory.write("config.json", config.jsonString)
        let run = try await SwitchboardProcess.run(
            ["check", "--probe", "--card", "--config", path, "--model", "up,\(model)"] + (json ? ["--json"] : []),
            environment: ["HOME": directory.url.path, "LANG": "C.UTF-8"],
            timeout: .seconds(60)
        )
        let entry: JSONValue
        if json {
            let parsed = try JSONParser.parse(Array(run.stdout.utf8))
            entry = try #require(parsed["models"]?.arrayValue?.first, "\(run.stdout)\n\(run.stderr)")
        } else {
            entry = .null
        }
        let kept = FileManager.default.contents(
            atPath: directory.url.appendingPathComponent("switchboard-models.json").path
        )
        return Card(
            exitStatus: run.status,
            entry: entry,
            stdout: run.stdout,
            stderr: run.stderr,
            modelsFile: try kept.map { try JSONParser.parse($0) },
            requests: try await stack.upstream.requests(model)
        )
    }

    static let columns = ["text", "tool_call", "tool_result", "parallel_tools", "thinking"]

    @Test func aModelThatDoesEverythingPassesEveryColumn() async throws {
        let card = try await grade("card-good", [:])
        for column in Self.columns { #expect(card.entry[column] == "pass", "\(column): \(card.entry.jsonString)") }
        // The NIM preset's output cap, accepted at the first try.
        #expect(card.entry["max_tokens"] == 16_384)
        #expect(card.entry["ttft_ms"]?.intValue != nil)
        #expect(card.entry["tokens_per_second"]?.doubleValue != nil)
        #expect(card.entry["thinking_field"] == "thinking")
        #expect(card.entry["errors"] == [])
        #expect(card.exitStatus == .exited(0), "\(card.stderr)")
        // The tool call carried Claude Code's schema to the provider, and the key stayed secret.
        let toolRequest = try #require(card.requests.first { $0.body?["tools"] != nil })
        #expect(toolRequest.body?["tools"]?.jsonString.contains("run_in_background") == true)
        #expect(
            !card.stdout.contains(SwitchboardProcess.providerKey)
                && !card.stderr.contains(SwitchboardProcess.providerKey)
        )
        // Kept beside the config, dated.
        let kept = try #require(card.modelsFile?["models"]?.arrayValue?.first)
        #expect(kept["model"] == card.entry["model"] && kept["tool_call"] == "pass")
        #expect(kept["date"]?.stringValue?.isEmpty == false)
    }

    @Test func aProviderThatBreaksToolCallsFailsThemAndExitsOne() async throws {
        let card = try await grade("card-notools", ["tools": "text"])
        #expect(card.entry["text"] == "pass")
        #expect(card.entry["tool_call"] == "fail")
        #expect(card.entry["parallel_tools"] == "fail")
        #expect(card.exitStatus == .exited(1))
        let errors = card.entry["errors"]?.arrayValue?.compactMap(\.stringValue) ?? []
        #expect(errors.contains { $0.hasPrefix("tool_call: no tool call came back") }, "\(errors)")
    }

    @Test func argumentsThatDoNotFitTheSchemaArePartial() async throws {
        let card = try await grade("card-badargs", ["tools": "bad_args"])
        #expect(card.entry["tool_call"] == "partial")
        let errors = card.entry["errors"]?.arrayValue?.compactMap(\.stringValue) ?? []
        #expect(errors.contains { $0.contains("lack the required \"command\"") }, "\(errors)")
        #expect(card.exitStatus == .exited(0))
    }

    @Test func oneToolCallWhereTwoWereAskedIsPartial() async throws {
        let card = try await grade("card-serial", ["parallel": false])
        #expect(card.entry["parallel_tools"] == "partial")
        #expect(card.entry["tool_call"] == "pass")
    }

    @Test func aProviderThatHidesThinkingFailsThatColumnOnly() async throws {
        let card = try await grade("card-nothink", ["reasoning_field": .null])
        #expect(card.entry["thinking"] == "fail")
        #expect(card.entry["thinking_field"] == .null)
        #expect(card.entry["text"] == "pass" && card.entry["tool_call"] == "pass")
        #expect(card.exitStatus == .exited(0))
        // The other field name a provider may use still counts.
        let other = try await grade("card-reasoning", ["reasoning_field": "reasoning"])
        #expect(other.entry["thinking"] == "pass")
    }

    @Test func aLowerOutputCapThanThePresetSaysIsFoundInAFewCalls() async throws {
        let card = try await grade("card-cap", ["max_tokens_cap": 5000])
        #expect(card.entry["max_tokens"] == 5000, "\(card.entry.jsonString)")
        let sizes = card.requests.compactMap { $0.body?["max_tokens"]?.intValue }.filter { $0 >= 5000 }
        #expect(sizes.count <= 7, "\(sizes)")
        let errors = card.entry["errors"]?.arrayValue?.compactMap(\.stringValue) ?? []
        #expect(errors.contains { $0.hasPrefix("max_tokens: 16384 refused") }, "\(errors)")
    }

    @Test func aCapStatedNowhereIsBisected() async throws {
        // The openai preset states no cap: the search starts at 32768 and bisects.
        let card = try await grade("card-bisect", ["max_tokens_cap": 3000], preset: "openai")
        let found = try #require(card.entry["max_tokens"]?.intValue)
        #expect(found <= 3000)
        #expect(found > 1000)
    }

    @Test func aRateLimitDuringTheProbeIsWaitedOut() async throws {
        // The second request (the tool call) is refused with 429 and Retry-After: 1.
        let card = try await grade("card-429", ["rate_limit_at": [2]])
        for column in Self.columns { #expect(card.entry[column] == "pass", "\(column): \(card.entry.jsonString)") }
        let clean = try await grade("card-429-clean", [:])
        #expect(card.requests.count == clean.requests.count + 1)
    }

    /// A provider that refuses the key (or does not know the model, or cannot be reached): the
    /// text probe fails and says why; the other probes are skipped, not sent one by one after
    /// their retries to fail the same way.
    @Test func aProviderThatCannotBeUsedFailsTheFirstProbeAndSkipsTheRest() async throws {
        let refusal: JSONValue = ["status": 401, "json": ["error": ["message": "Invalid API key"]]]
        let card = try await grade("card-401", [:], responses: [refusal])
        #expect(card.entry["text"] == "fail", "\(card.entry.jsonString)")
        for column in Self.columns.dropFirst() {
            #expect(card.entry[column] == "skipped", "\(column): \(card.entry.jsonString)")
        }
        #expect(card.entry["max_tokens"] == .null)
        let errors = card.entry["errors"]?.arrayValue?.compactMap(\.stringValue) ?? []
        #expect(
            errors.first?.hasPrefix("text: ") == true && errors.first?.contains("Invalid API key") == true,
            "\(errors)"
        )
        #expect(errors.contains { $0.contains("skipped (the provider cannot be used as configured") }, "\(errors)")
        #expect(card.requests.count == 1, "only the text probe reached the provider")
        #expect(card.exitStatus == .exited(1), "\(card.stderr)")
    }

    @Test func theTableUsesASCIIMarksOutsideUTF8() async throws {
        let stack = try Stack.current()
        let model = TestModel.unique("card-ascii")
        try await stack.upstream.script(model, [["model": ["tools": "text"]]])
        let directory = try TemporaryDirectory("card-ascii")
        let config: JSONValue = [
            "Providers": [
                [
                    "name": "up", "api_base_url": .string(stack.upstream.apiBaseURL),
                    "api_key": .string(SwitchboardProcess.providerKey), "models": [.string(model)],
                ]
            ],
            "Router": ["default": .string("up,\(model)")],
        ]
        let path = try directory.write("config.json", config.jsonString)
        for (locale, pass, fail) in [("C", "+", "x"), ("en_US.UTF-8", "✓", "✗")] {
            let run = try await SwitchboardProcess.run(
                ["check", "--probe", "--card", "--config", path],
                environment: ["HOME": directory.url.path, "LANG": locale, "LC_ALL": nil, "LC_CTYPE": nil],
                timeout: .seconds(60)
            )
            let row = try #require(run.stdout.split(separator: "\n").first { $0.hasPrefix("up,") })
            let marks = row.split(separator: " ").dropFirst().prefix(2).map(String.init)
            #expect(marks == [pass, fail], "\(locale): \(row)")
            #expect(run.status == .exited(1))
        }
    }
}
