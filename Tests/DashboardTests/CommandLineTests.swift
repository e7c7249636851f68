import Foundation
import Logging
import Proxy
import Testing

@testable import Dashboard

#if canImport(Glibc)
    import Glibc
#endif

/// The command line's first-contact behaviour: typos, help, `env`, `check`'s report, logs.
struct CommandLineTests {
    @Test func aMistypedCommandGetsADidYouMean() {
        guard case .usageError(let message) = CommandLineFixups.fix(["chek"]) else {
            Issue.record("chek was not refused")
            return
        }
        #expect(message.contains("unknown command 'chek'"))
        #expect(message.contains("Did you mean 'check'?"))
        guard case .usageError(let prefix) = CommandLineFixups.fix(["ser", "--port", "1"]) else {
            Issue.record("ser was not refused")
            return
        }
        #expect(prefix.contains("Did you mean 'serve'?"))
        guard case .usageError(let far) = CommandLineFixups.fix(["zzzzzz"]) else {
            Issue.record("zzzzzz was not refused")
            return
        }
        #expect(!far.contains("Did you mean"))
    }

    @Test func realCommandsAndOptionsPassThrough() {
        #expect(CommandLineFixups.fix([]) == .run([]))
        #expect(CommandLineFixups.fix(["serve", "--port", "4000"]) == .run(["serve", "--port", "4000"]))
        #expect(CommandLineFixups.fix(["--config", "x.json"]) == .run(["--config", "x.json"]))
        #expect(CommandLineFixups.fix(["--help"]) == .run(["--help"]))
    }

    @Test func helpBeforeOrAfterACommandIsThatCommandsHelp() {
        #expect(CommandLineFixups.fix(["-h", "serve"]) == .run(["help", "serve"]))
        #expect(CommandLineFixups.fix(["--help", "check"]) == .run(["help", "check"]))
        #expect(CommandLineFixups.fix(["env", "-h"]) == .run(["help", "env"]))
    }

    func config(_ text: String, environment: [String: String] = [:]) throws -> SwitchboardConfig {
        try ConfigLoader(environment: environment, homeDirectory: "/nonexistent").parse(
            Data(text.utf8),
            source: .file("/tmp/config.json")
        )
    }

    @Test func envFollowsHostAndPortAndTellsClaudeCodeTheSmallestWindow() throws {
        var config = try config(
            """
            {"Providers":[{"name":"nvidia","api_base_url":"https://integrate.api.nvidia.com/v1","api_key":"k",
               "models":["z-ai/glm4.7","deepseek-ai/deepseek-v3.1"]}],
             "Router":{"default":"nvidia,z-ai/glm4.7","background":"nvidia,deepseek-ai/deepseek-v3.1"}}
            """
        )
        config.port = 4123
        config.host = "127.0.0.2"
        let text = EnvScript(config: config, stdoutIsTerminal: false).text
        #expect(text.contains("export ANTHROPIC_BASE_URL='http://127.0.0.2:4123'"))
        #expect(text.contains("export CLAUDE_CODE_AUTO_COMPACT_WINDOW=131072"), "\(text)")
        #expect(text.contains("export CLAUDE_CODE_MAX_CONTEXT_TOKENS=131072"), "\(text)")
        #expect(
            text.contains("# the smallest context window among the routed models: nvidia,deepseek-ai/deepseek-v3.1")
        )
    }

    @Test func theCompactWindowIsNeverBelowWhatClaudeCodeAccepts() throws {
        let config = try config(
            """
            {"Providers":[{"name":"local","api_base_url":"http://localhost:11434/v1","models":["small"],
               "context_window":32768}],
             "Router":{"default":"local,small"}}
            """
        )
        let variables = Dictionary(uniqueKeysWithValues: EnvScript.contextWindowVariables(config))
        #expect(variables["CLAUDE_CODE_MAX_CONTEXT_TOKENS"] == "32768")
        #expect(variables["CLAUDE_CODE_AUTO_COMPACT_WINDOW"] == "100000")
        let unknown = try self.config(
            """
            {"Providers":[{"name":"local","api_base_url":"http://localhost:11434/v1","models":["mystery"]}],
             "Router":{"default":"local,mystery"}}
            """
        )
        #expect(EnvScript.contextWindowVariables(unknown).isEmpty, "no window known: nothing is claimed")
    }

    @Test func checkReportsAPassThroughProviderAsSuchOnly() throws {
        let config = try config(
            """
            {"Providers":[{"name":"ds","api_base_url":"https://api.deepseek.com/anthropic","api_key":"k",
               "models":["deepseek-chat"],"transformer":{"use":["Anthropic","customparams"]}}],
             "Router":{"default":"ds,deepseek-chat"}}
            """
        )
        let report = ConfigReport(config: config).text
        #expect(report.contains("https://api.deepseek.com/anthropic/v1/messages (Anthropic API, passed through)"))
        #expect(report.contains("pass-through"))
        #expect(!report.contains("preset: openai"), "\(report)")
        #expect(!report.contains("customparams applied"), "\(report)")
        #expect(report.contains("transformers not applied (pass-through): customparams"))
    }

    @Test func checkSaysWhenTheBaseURLWasMapped() throws {
        let config = try config(
            """
            {"Providers":[{"name":"gemini","api_base_url":"https://generativelanguage.googleapis.com/v1beta/models/",
               "api_key":"k","models":["gemini-2.5-pro"],"transformer":{"use":["gemini"]}}],
             "Router":{"default":"gemini,gemini-2.5-pro"}}
            """
        )
        let report = ConfigReport(config: config).text
        #expect(report.contains("https://generativelanguage.googleapis.com/v1beta/openai/chat/completions"))
        #expect(
            report.contains(
                "api_base_url https://generativelanguage.googleapis.com/v1beta/models/ is Gemini's native API base"
            )
        )
    }

    @Test func logLinesNameTheComponentNotTheModule() {
        #expect(LogLineHandler.component("Dashboard", role: "serve") == "serve")
        #expect(LogLineHandler.component("Proxy", role: "serve") == "proxy")
        #expect(LogLineHandler.component("ServiceLifecycle", role: "dashboard") == "lifecycle")
    }

    static func event(_ message: Logger.Message, metadata: Logger.Metadata) -> LogEvent {
        LogEvent(
            level: .info,
            message: message,
            metadata: metadata,
            source: "Proxy",
            file: #fileID,
            function: #function,
            line: #line
        )
    }

    @Test func requestFieldsAreMetadataInReadingOrder() {
        let handler = LogLineHandler(role: "serve")
        let line = handler.format(
            Self.event(
                "#3 POST /v1/messages 424",
                metadata: [
                    "out": "0", "route": "default", "model": "m", "provider": "p", "reason": "no key \"here\"",
                    "error": "authentication_error", "zeta": "last",
                ]
            ),
            time: "T"
        )
        #expect(
            line
                == #"T info [proxy] #3 POST /v1/messages 424 route=default provider=p model=m out=0 error=authentication_error reason="no key \"here\"" zeta=last"#
        )
    }

    @Test func jsonLogsAreOneObjectPerLine() throws {
        let handler = LogLineHandler(role: "serve", json: true)
        let line = handler.format(
            Self.event("#3 POST /v1/messages 200", metadata: ["route": "think", "component": "config"]),
            time: "2026-11-30T20:00:00+0000"
        )
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: String])
        #expect(
            object == [
                "time": "2026-11-30T20:00:00+0000", "level": "info", "component": "config",
                "message": "#3 POST /v1/messages 200", "route": "think",
            ]
        )
        #expect(!line.contains("\n"))
    }

    @Test func aSecondInstanceNeverWritesIntoTheFirstsLog() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sb-log-\(UUID().uuidString)")
            .path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/switchboard.log"
        let first = try #require(LogFile.openLocked(path))
        defer { close(first) }
        // A lock is per open file: a second open, even in this process, is refused.
        #expect(LogFile.openLocked(path) == nil)
        #expect(LogFile.candidates(for: path)[1] == directory + "/switchboard-2.log")
        let second = try #require(LogFile.openLocked(LogFile.candidates(for: path)[1]))
        close(second)
    }
}
