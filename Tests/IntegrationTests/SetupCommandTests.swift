import Foundation
import NIOHTTP1
import Testing

@testable import Proxy

/// `switchboard setup` driven by flags, on a fresh HOME, against simulated models.
@Suite(.stack)
struct SetupCommandTests {
    static let secret = "nvapi-setup-secret-7d41c9"

    /// A fresh HOME and two simulated models: one that calls tools, one that does not.
    struct Fixture {
        let home: TemporaryDirectory
        let toolUser: String
        let talker: String
        let baseURL: String

        init(_ stack: Stack) async throws {
            home = try TemporaryDirectory("setup-home")
            toolUser = TestModel.unique("setup-tools")
            talker = TestModel.unique("setup-talk")
            try await stack.upstream.script(toolUser, [["model": [:]]])
            try await stack.upstream.script(talker, [["model": ["tools": "text", "reasoning_field": .null]]])
            baseURL = stack.upstream.apiBaseURL
        }

        func path(_ relative: String) -> String { home.url.appendingPathComponent(relative).path }

        func read(_ relative: String) -> String? {
            FileManager.default.contents(atPath: path(relative)).map { String(decoding: $0, as: UTF8.self) }
        }

        func setup(_ arguments: [String], models: [String]? = nil) async throws -> (
            status: ChildProcess.Termination?, stdout: String, stderr: String
        ) {
            try await SwitchboardProcess.run(
                [
                    "setup", "--provider", "nvidia", "--key-env", "NVIDIA_API_KEY", "--base-url", baseURL,
                    "--models", (models ?? [talker, toolUser]).joined(separator: ","), "--port", "45123",
                ] + arguments,
                environment: [
                    "HOME": home.url.path, "NVIDIA_API_KEY": SetupCommandTests.secret, "CLAUDE_CONFIG_DIR": nil,
                    "XDG_STATE_HOME": home.url.path + "/state",
                ],
                timeout: .seconds(90)
            )
        }
    }

    static let claudeSettings = """
        {
          // keep me
          "model": "opus",
          "env": {
            "MY_VAR": "1"
          },
          "permissions": { "allow": ["Bash(git status)"] }
        }

        """

    static let vscodeSettings = """
        // VS Code user settings
        {
        \t"editor.tabSize": 4, /* inline */
        \t"files.autoSave": "afterDelay",
        }
        """

    @Test func flagsOnAFreshHomeWriteEverythingAndUndoPutsItBack() async throws {
        let stack = try Stack.current()
        let fixture = try await Fixture(stack)
        let run = try await fixture.setup(["--yes", "--no-verify"])
        #expect(run.status == .exited(0), "\(run.stdout)\n\(run.stderr)")
        #expect(!run.stdout.contains(Self.secret) && !run.stderr.contains(Self.secret))

        // Switchboard's config: the key by reference, routes from the grades.
        let configText = try #require(fixture.read(".config/switchboard/config.json"))
        #expect(configText.contains("\"$NVIDIA_API_KEY\"") && !configText.contains(Self.secret))
        #expect(configText.contains("// "))
        let config = try ConfigLoader(
            environment: ["NVIDIA_API_KEY": Self.secret],
            homeDirectory: fixture.home.url.path
        )
        .load()
        #expect(config.routes[.default]?.model == fixture.toolUser)
        #expect(config.routes[.think]?.model == fixture.toolUser)
        #expect(config.port == 45123)
        #expect(config.providers.first?.requestsPerMinute == 40)
        // The grades were kept beside it.
        #expect(fixture.read(".config/switchboard/switchboard-models.json")?.contains(fixture.talker) == true)

        // Claude Code's settings: the env block points at the port.
        let settings = try JSONParser.parse(Array(try #require(fixture.read(".claude/settings.json")).utf8))
        #expect(settings["env"]?["ANTHROPIC_BASE_URL"] == "http://127.0.0.1:45123")
        #expect(settings["env"]?["ANTHROPIC_AUTH_TOKEN"] == "switchboard")
        // No VS Code folder: not created.
        #expect(!FileManager.default.fileExists(atPath: fixture.path(".config/Code")))

        let undo = try await fixture.setup(["--undo"])
        #expect(undo.status == .exited(0), "\(undo.stderr)")
        #expect(fixture.read(".claude/settings.json") == nil)
        #expect(fixture.read(".config/switchboard/config.json") == nil)
        // Moved aside, not deleted.
        let aside = try FileManager.default.contentsOfDirectory(atPath: fixture.path(".claude"))
        #expect(aside.contains { $0.hasPrefix("settings.json.switchboard-undone-") })
    }

    @Test func existingSettingsSurviveByteForByteAndARerunChangesNothing() async throws {
        let stack = try Stack.current()
        let fixture = try await Fixture(stack)
        try fixture.home.write(".claude/settings.json", Self.claudeSettings)
        try fixture.home.write(".config/Code/User/settings.json", Self.vscodeSettings)
        let run = try await fixture.setup(["--yes", "--no-verify"], models: [fixture.toolUser])
        #expect(run.status == .exited(0), "\(run.stdout)\n\(run.stderr)")
        // The diff was shown before writing.
        #expect(run.stdout.contains("+    \"ANTHROPIC_BASE_URL\": \"http://127.0.0.1:45123\""), "\(run.stdout)")

        let claude = try #require(fixture.read(".claude/settings.json"))
        #expect(
            claude.hasPrefix("{\n  // keep me\n  \"model\": \"opus\",\n  \"env\": {\n    \"MY_VAR\": \"1\",\n"),
            "\(claude)"
        )
        #expect(claude.hasSuffix("  },\n  \"permissions\": { \"allow\": [\"Bash(git status)\"] }\n}\n"), "\(claude)")
        let vscode = try #require(fixture.read(".config/Code/User/settings.json"))
        #expect(
            vscode.hasPrefix(
                "// VS Code user settings\n{\n\t\"editor.tabSize\": 4, /* inline */\n\t\"files.autoSave\": \"afterDelay\",\n"
            ),
            "\(vscode)"
        )
        #expect(vscode.contains("\"claudeCode.environmentVariables\"") && vscode.contains("http://127.0.0.1:45123"))

        // Backups hold the originals.
        let backups = try FileManager.default.contentsOfDirectory(atPath: fixture.path(".claude"))
            .filter { $0.hasPrefix("settings.json.switchboard-backup-") }
        #expect(backups.count == 1)
        #expect(backups.first.flatMap { fixture.read(".claude/\($0)") } == Self.claudeSettings)

        // Idempotent: the same answers change no file and make no new backup.
        let again = try await fixture.setup(["--yes", "--no-verify"], models: [fixture.toolUser])
        #expect(again.status == .exited(0), "\(again.stderr)")
        #expect(fixture.read(".claude/settings.json") == claude)
        #expect(fixture.read(".config/Code/User/settings.json") == vscode)
        #expect(again.stdout.components(separatedBy: "unchanged").count - 1 == 3, "\(again.stdout)")

        let undo = try await fixture.setup(["--undo"])
        #expect(undo.status == .exited(0))
        #expect(fixture.read(".claude/settings.json") == Self.claudeSettings)
        #expect(fixture.read(".config/Code/User/settings.json") == Self.vscodeSettings)
    }

    @Test func aMissingKeyVariableIsAnErrorThatWritesNothing() async throws {
        let stack = try Stack.current()
        let fixture = try await Fixture(stack)
        let run = try await SwitchboardProcess.run(
            ["setup", "--provider", "nvidia", "--key-env", "NO_SUCH_KEY_VAR", "--models", "m", "--yes"],
            environment: ["HOME": fixture.home.url.path]
        )
        #expect(run.status == .exited(2))
        #expect(run.stderr.contains("$NO_SUCH_KEY_VAR is not set"))
        #expect(fixture.read(".config/switchboard/config.json") == nil)
    }

    /// Ollama chosen but not running: setup says so at once (a client that retries a refused
    /// connection until its deadline kept the user waiting 30 s, then printed the pool's error).
    @Test func aProviderThatIsNotRunningIsReportedAtOnceWithWhatToDo() async throws {
        let home = try TemporaryDirectory("setup-ollama-down")
        let port = try RawConnection.closedPort()
        let run = try await SwitchboardProcess.run(
            ["setup", "--provider", "ollama", "--base-url", "http://127.0.0.1:\(port)/v1", "--yes", "--no-verify"],
            environment: ["HOME": home.url.path],
            timeout: .seconds(15)
        )
        #expect(run.status == .exited(1), "\(run.stdout)\n\(run.stderr)")
        #expect(
            run.stderr.contains("could not list the models at http://127.0.0.1:\(port)/v1/models: "),
            "\(run.stderr)"
        )
        #expect(
            run.stderr.contains(
                "connection refused (nothing listens there: is Ollama running? Start it with `ollama serve`)"
            ),
            "\(run.stderr)"
        )
        #expect(!run.stderr.contains("SingleConnectionFailure"), "the pool's own error, not a sentence")
        #expect(FileManager.default.contents(atPath: home.url.path + "/.config/switchboard/config.json") == nil)
    }

    @Test func withoutModelsTheCatalogueIsListedAndFiltered() async throws {
        let stack = try Stack.current()
        let fixture = try await Fixture(stack)
        let embedder = "nvidia/nv-embedqa-e5-v5-\(UUID().uuidString.prefix(6))"
        let body: JSONValue = ["extra": [.string(embedder)]]
        _ = try await TestHTTP.send(.POST, stack.upstream.baseURL + "/_catalogue", body: body.jsonBytes)
        let run = try await SwitchboardProcess.run(
            [
                "setup", "--provider", "nvidia", "--key-env", "NVIDIA_API_KEY", "--base-url", fixture.baseURL,
                "--yes", "--no-verify",
            ],
            environment: ["HOME": fixture.home.url.path, "NVIDIA_API_KEY": Self.secret],
            timeout: .seconds(120)
        )
        // The catalogue holds every scripted model of the shared upstream; two were graded.
        #expect(run.stdout.contains("Grading 2 models"), "\(run.stdout)\n\(run.stderr)")
        let configText = fixture.read(".config/switchboard/config.json") ?? ""
        #expect(!configText.contains(embedder))
        let config = try ConfigLoader(
            environment: ["NVIDIA_API_KEY": Self.secret],
            homeDirectory: fixture.home.url.path
        )
        .load()
        let models = config.providers.first?.models ?? []
        #expect(models.count == 2)
        // The key went to the provider as a bearer token.
        for model in models {
            let requests = try await stack.upstream.requests(model)
            #expect(!requests.isEmpty && requests.allSatisfy { $0.headers["authorization"] == "Bearer \(Self.secret)" })
        }
    }
}
