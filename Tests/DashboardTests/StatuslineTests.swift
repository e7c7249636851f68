import Foundation
import Proxy
import Testing

@testable import Dashboard

/// `switchboard statusline`: Claude Code's stdin JSON, the line, the transcript fallback, and
/// the careful edit of Claude Code's settings.json.
struct StatuslineTests {
    /// What Claude Code 2.1.332 wrote to a statusLine command's stdin (captured in tmux).
    static let claudeCodeInput = """
        {"session_id":"358c48d6-7a7a-47d5-a2bb-beb991cfae88","transcript_path":"/tmp/h/.claude/projects/-tmp-w/358c48d6-7a7a-47d5-a2bb-beb991cfae88.jsonl","cwd":"/tmp/w","effort":{"level":"medium"},"model":{"id":"claude-opus-5-5","display_name":"Opus 5.5"},"workspace":{"current_dir":"/tmp/w","project_dir":"/tmp/w","added_dirs":[]},"version":"2.1.332","output_style":{"name":"default"},"cost":{"total_cost_usd":0,"total_duration_ms":1052,"total_api_duration_ms":0,"total_lines_added":0,"total_lines_removed":0},"context_window":{"total_input_tokens":0,"total_output_tokens":0,"context_window_size":1000000,"current_usage":null,"used_percentage":null,"remaining_percentage":null},"exceeds_200k_tokens":false,"fast_mode":false,"thinking":{"enabled":true}}
        """

    static func config() throws -> SwitchboardConfig {
        try ConfigLoader(environment: [:], homeDirectory: "/x").parse(
            Data(
                #"""
                {"Providers":[{"name":"nim","api_base_url":"https://integrate.api.nvidia.com/v1","api_key":"k",
                  "models":["z-ai/glm4.7","odd-model"]}],
                 "Router":{"default":"nim,z-ai/glm4.7"}, "PORT": 4111}
                """#.utf8
            ),
            source: .builtin
        )
    }

    static func text(
        status: SessionStatus?,
        transcript: TranscriptTail.Answer? = nil,
        unavailable: String? = nil,
        unicode: Bool = true
    ) throws -> String {
        StatuslineText(
            input: StatuslineInput(json: Array(claudeCodeInput.utf8)),
            status: status,
            unavailable: unavailable,
            address: "127.0.0.1:4111",
            transcript: transcript,
            config: try config(),
            unicode: unicode
        ).line
    }

    static func known() -> SessionStatus {
        var status = SessionStatus(sessionID: "s")
        status.known = true
        status.last = .init(
            provider: "nim",
            model: "z-ai/glm4.7",
            route: "think",
            contextTokens: 45_200,
            contextWindow: 200_000,
            estimated: false,
            status: 200,
            errorType: nil,
            at: Date()
        )
        status.requests = 12
        status.inputTokens = 280_000
        status.cacheReadTokens = 21_000
        status.outputTokens = 4_100
        status.costUSD = 0.42
        return status
    }

    @Test func readsClaudeCodesJSON() {
        let input = StatuslineInput(json: Array(Self.claudeCodeInput.utf8))
        #expect(input.sessionID == "358c48d6-7a7a-47d5-a2bb-beb991cfae88")
        #expect(input.transcriptPath?.hasSuffix("358c48d6-7a7a-47d5-a2bb-beb991cfae88.jsonl") == true)
        #expect(input.modelName == "Opus 5.5")
        #expect(input.directory == "/tmp/w")
        #expect(StatuslineInput(json: Array("not json".utf8)).sessionID == nil)
        #expect(StatuslineInput(json: Array(#"{"session_id":""}"#.utf8)).sessionID == nil)
    }

    @Test func lineNamesTheRealModelItsWindowShareAndTheSessionsTotals() throws {
        #expect(
            try Self.text(status: Self.known())
                == "nim z-ai/glm4.7 (think) │ ctx 45k/200k 23% │ 12 req · 301k in · 4.1k out · $0.42"
        )
        #expect(
            try Self.text(status: Self.known(), unicode: false)
                == "nim z-ai/glm4.7 (think) | ctx 45k/200k 23% | 12 req - 301k in - 4.1k out - $0.42"
        )
    }

    @Test func costsThatAreUnknownFreeOrPartlyKnownSaySo() throws {
        var status = Self.known()
        status.costUSD = nil
        status.unpriced = 12
        #expect(try Self.text(status: status).contains("4.1k out · cost -"))
        status.costUSD = 0
        status.unpriced = 0
        #expect(try Self.text(status: status).contains("$0 (free)"))
        status.costUSD = 1.5
        status.unpriced = 2
        #expect(try Self.text(status: status).contains(">=$1.50"))
    }

    @Test func unknownWindowAndWarningsAndErrors() throws {
        var status = Self.known()
        status.last?.contextWindow = nil
        status.last?.status = 429
        status.last?.errorType = "rate_limit_error"
        status.errors = 1
        status.warnings = ["nim: rate-limited (429) 3 s ago, key 2 cooling down", "b", "c"]
        let line = try Self.text(status: status)
        #expect(line.contains("ctx 45k/? (window unknown)"))
        #expect(line.contains("· 1 err"))
        #expect(line.contains("✗ last request: rate_limit_error"))
        #expect(line.hasSuffix("⚠ nim: rate-limited (429) 3 s ago, key 2 cooling down │ ⚠ b"))
    }

    @Test func aNewSessionShowsWhatWillAnswerIt() throws {
        var status = SessionStatus(sessionID: "s")
        status.defaultModel = "nim,z-ai/glm4.7"
        status.defaultWindow = 200_000
        #expect(try Self.text(status: status) == "next: nim z-ai/glm4.7 (default) │ ctx -/200k │ no requests yet")
    }

    @Test func withoutSwitchboardTheTranscriptStillTellsTheModelAndContext() throws {
        let line = try Self.text(
            status: nil,
            transcript: .init(model: "z-ai/glm4.7", contextTokens: 100_000),
            unavailable: "switchboard not running at 127.0.0.1:4111"
        )
        #expect(line == "last answer: z-ai/glm4.7 │ ctx 100k/200k 50% │ switchboard not running at 127.0.0.1:4111")
        let bare = try Self.text(status: nil, unavailable: "switchboard not running at 127.0.0.1:4111")
        #expect(bare == "claude asked for Opus 5.5 │ switchboard not running at 127.0.0.1:4111")
    }

    @Test func transcriptTailFindsTheLastAnswerAmongBrokenAndForeignLines() {
        let lines = [
            #"partial line cut by the tail window"}"#,
            #"{"type":"assistant","message":{"model":"old","usage":{"input_tokens":1,"output_tokens":1}}}"#,
            #"{"type":"assistant","message":{"model":"z-ai/glm4.7","usage":{"input_tokens":100,"cache_read_input_tokens":50,"cache_creation_input_tokens":5,"output_tokens":7}}}"#,
            #"{"type":"user","message":{"role":"user","content":"hi"}}"#,
            #"{"type":"some-future-record","x":1}"#,
            #"{not json"#,
        ]
        let answer = TranscriptTail.lastAnswer(in: Array(lines.joined(separator: "\n").utf8))
        #expect(answer == .init(model: "z-ai/glm4.7", contextTokens: 162))
        #expect(TranscriptTail.lastAnswer(in: Array("{}\n".utf8)) == nil)
        #expect(TranscriptTail.lastAnswer(path: "/nonexistent/file.jsonl") == nil)
    }

    @Test func asksTheLoopbackBaseURLClaudeCodeUsesElseTheConfigsAddress() throws {
        let config = try Self.config()
        #expect(StatuslineTarget(config: config, environment: [:], port: nil).url == "http://127.0.0.1:4111")
        let loopback = StatuslineTarget(
            config: config,
            environment: ["ANTHROPIC_BASE_URL": "http://localhost:5000/", "ANTHROPIC_AUTH_TOKEN": "tok"],
            port: nil
        )
        #expect(loopback.url == "http://localhost:5000")
        #expect(loopback.key == "tok")
        let remote = StatuslineTarget(
            config: config,
            environment: ["ANTHROPIC_BASE_URL": "https://api.example.com"],
            port: nil
        )
        #expect(remote.url == "http://127.0.0.1:4111")
        #expect(StatuslineTarget(config: config, environment: [:], port: 5999).url == "http://127.0.0.1:5999")
    }

    // MARK: - settings.json

    static let claudeSettings = """
        {
          // a comment Claude Code users sometimes add
          "model": "opus",
          "env": {
            "FOO": "a,b}{"
          },
          "permissions": { "allow": ["Bash(ls:*)"] }
        }

        """

    @Test func addingAKeyKeepsEveryOtherByte() throws {
        let value = ClaudeSettingsFile.statusLineValue(command: "/bin/switchboard statusline")
        let added = try JSONMemberScanner.setting("statusLine", to: value, in: Self.claudeSettings)
        #expect(
            added == """
                {
                  // a comment Claude Code users sometimes add
                  "model": "opus",
                  "env": {
                    "FOO": "a,b}{"
                  },
                  "permissions": { "allow": ["Bash(ls:*)"] },
                  "statusLine": {
                    "type": "command",
                    "command": "/bin/switchboard statusline",
                    "padding": 0
                  }
                }

                """
        )
        // Replacing it changes only its value; removing it gives back the original exactly.
        let replaced = try JSONMemberScanner.setting("statusLine", to: .string("x"), in: added)
        #expect(replaced.contains(#"  "statusLine": "x"\#n}"#))
        #expect(try JSONMemberScanner.removing("statusLine", from: added) == Self.claudeSettings)
        // A member in the middle goes with its line and comma.
        let withoutEnv = try JSONMemberScanner.removing("env", from: Self.claudeSettings)
        #expect(!withoutEnv.contains("FOO"))
        #expect(try JSONMemberScanner.topLevel(withoutEnv).map(\.key) == ["model", "permissions"])
    }

    @Test func emptyObjectsAndBadFiles() throws {
        let value = JSONValue.object(["type": .string("command")])
        #expect(
            try JSONMemberScanner.setting("statusLine", to: value, in: "{}")
                == "{\n  \"statusLine\": {\n    \"type\": \"command\"\n  }\n}\n"
        )
        #expect(try JSONMemberScanner.removing("a", from: "{\"a\": 1}\n") == "{}\n")
        #expect(throws: JSONMemberScanner.Failure.self) { try JSONMemberScanner.topLevel("[1, 2]") }
        #expect(throws: JSONMemberScanner.Failure.self) { try JSONMemberScanner.topLevel(#"{"a": "open"#) }
        #expect(throws: JSONMemberScanner.Failure.self) { try JSONMemberScanner.topLevel(#"{"a": {"b": 1}"#) }
    }

    static func temporaryDirectory() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("statusline-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    static func backups(in directory: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.contains(".switchboard-backup-") }
    }

    @Test func installBacksUpIsIdempotentAndUninstallRestoresTheUsersOwnStatusLine() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/settings.json"
        let original = """
            {
              "statusLine": {"type": "command", "command": "~/my-line.sh"},
              "model": "opus"
            }

            """
        try Data(original.utf8).write(to: URL(fileURLWithPath: path))
        chmod(path, 0o600)
        let file = ClaudeSettingsFile(path: path)
        let message = try file.installStatusLine(command: "/opt/sb/switchboard statusline")
        #expect(message.contains("replaces the status line you had"))
        let installed = try #require(try file.read())
        let parsed = try JSONParser.parse(Array(installed.utf8))
        #expect(parsed["statusLine"]?["command"]?.stringValue == "/opt/sb/switchboard statusline")
        #expect(parsed["model"]?.stringValue == "opus")
        let backups = try Self.backups(in: directory)
        #expect(backups.count == 1)
        #expect(try String(contentsOfFile: directory + "/" + backups[0], encoding: .utf8) == original)
        let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        #expect(mode == 0o600)

        // Again: nothing changes, no new backup.
        #expect(try file.installStatusLine(command: "/opt/sb/switchboard statusline").contains("already installed"))
        #expect(try Self.backups(in: directory).count == 1)
        #expect(try file.read() == installed)

        // Uninstall puts the user's own line back, byte for byte as it was.
        _ = try file.uninstallStatusLine()
        let restored = try #require(try file.read())
        #expect(try JSONParser.parse(Array(restored.utf8)) == JSONParser.parse(Array(original.utf8)))
        #expect(restored.contains(#""statusLine": {"type": "command", "command": "~/my-line.sh"}"#))
        #expect(try Self.backups(in: directory).count == 2)
        // Someone else's status line is never removed.
        #expect(throws: ClaudeSettingsFile.Failure.self) { try file.uninstallStatusLine() }
    }

    @Test func installIntoNoFileAndUninstallWithoutAPreviousLine() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let file = ClaudeSettingsFile(path: directory + "/sub/settings.json")
        _ = try file.installStatusLine(command: "switchboard statusline")
        #expect(try Self.backups(in: directory + "/sub").isEmpty)
        #expect(try JSONParser.parse(Array(try #require(try file.read()).utf8))["statusLine"] != nil)
        _ = try file.uninstallStatusLine()
        #expect(try file.read() == "{\n}\n")
        #expect(try file.uninstallStatusLine().contains("nothing changed"))
    }

    @Test func commandWordsAreQuotedForTheShell() {
        #expect(ClaudeSettingsFile.quoted("/usr/local/bin/switchboard") == "/usr/local/bin/switchboard")
        #expect(ClaudeSettingsFile.quoted("/home/me/My Tools/switchboard") == "'/home/me/My Tools/switchboard'")
        #expect(ClaudeSettingsFile.quoted("it's") == #"'it'\''s'"#)
    }

    /// Nothing listening on a loopback port is known at once (the HTTP client would retry the
    /// connection until its 400 ms deadline on every status line while Switchboard is down).
    @Test func aClosedLoopbackPortIsKnownWithoutAConnectionAttemptByTheHTTPClient() throws {
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #expect(listener >= 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(listener, pointer, length) == 0 && listen(listener, 4) == 0
                    && getsockname(listener, pointer, &length) == 0
            }
        }
        #expect(bound)
        let port = Int(UInt16(bigEndian: address.sin_port))
        #expect(StatuslineCommand.accepts("http://127.0.0.1:\(port)"))
        #expect(StatuslineCommand.accepts("http://localhost:\(port)"))
        close(listener)
        #expect(!StatuslineCommand.accepts("http://127.0.0.1:\(port)"))
        // Not loopback: left to the HTTP client.
        #expect(StatuslineCommand.accepts("http://192.0.2.1:\(port)"))
    }
}
