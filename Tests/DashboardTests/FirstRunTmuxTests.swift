import Foundation
import Proxy
import Testing

/// `switchboard` started bare (no config, no key) in a tmux pane: it says what is missing,
/// `s` runs `setup` in the terminal (typed answers, the key without echo), and the dashboard
/// comes back with the new config.
@Suite(.serialized, .enabled(if: EndToEnd.toolsAvailable, "needs tmux, python3 and curl"), .timeLimit(.minutes(2)))
final class FirstRunTmuxTests {
    let home: String
    let upstream: ScriptedUpstream
    private var sessions: [TmuxSession] = []

    init() throws {
        try #require(FileManager.default.isExecutableFile(atPath: EndToEnd.binary), "no binary at \(EndToEnd.binary)")
        home = try EndToEnd.temporaryDirectory()
        upstream = try ScriptedUpstream()
    }

    deinit {
        for session in sessions { session.kill() }
        upstream.stop()
        try? FileManager.default.removeItem(atPath: home)
    }

    @Test func bareStartOffersSetupAndComesBackConfigured() async throws {
        let model = "firstrun-\(UUID().uuidString.prefix(6).lowercased())"
        try upstream.script(model, [["model": [String: Any]()]])
        let secret = "nvapi-typed-9f3e1a77"
        let command =
            "env -i PATH=/usr/bin:/bin HOME='\(home)' LANG=C.UTF-8 TERM=tmux-256color '\(EndToEnd.binary)' --port 0; echo EXIT=$?"
        let tmux = try TmuxSession(command: command, width: 120, height: 40)
        sessions.append(tmux)
        try await EndToEnd.poll("the missing-setup banner", diagnostics: tmux.capture()) {
            tmux.capture().contains("No config and no $NVIDIA_API_KEY: requests will fail: press S") ? true : nil
        }
        tmux.type("S")
        func waitFor(_ text: String, timeout: Duration = .seconds(20)) async throws {
            try await Self.waitFor(text, in: tmux, timeout: timeout)
        }
        try await waitFor("Provider [1]:")
        tmux.keys("Enter")
        try await waitFor("API base URL")
        tmux.type(upstream.base + "/v1")
        tmux.keys("Enter")
        try await waitFor("API key (not shown")
        tmux.type(secret)
        tmux.keys("Enter")
        try await waitFor("Models to grade")
        tmux.keys("Enter")
        try await waitFor("Use these routes? (Y/n)", timeout: .seconds(60))
        tmux.keys("Enter")
        try await waitFor("/.config/switchboard/config.json? (a backup is kept")
        tmux.keys("Enter")
        try await waitFor("/.claude/settings.json? (a backup is kept")
        tmux.keys("Enter")
        // No claude on this PATH: the proof says so and stays on the screen until Enter; then the
        // dashboard is back, configured.
        try await waitFor("Claude Code is not on PATH")
        try await waitFor("Press Enter to go back to the dashboard")
        try await Task.sleep(for: .milliseconds(300))
        #expect(tmux.capture().contains("Claude Code is not on PATH"), "the dashboard came back before Enter")
        tmux.keys("Enter")
        try await EndToEnd.poll("the dashboard again", timeout: .seconds(20), diagnostics: tmux.capture()) {
            let screen = tmux.capture()
            return screen.contains("nvidia,\(model)") && !screen.contains("press S") ? true : nil
        }
        #expect(!tmux.capture(history: true).contains(secret), "the key was echoed")
        let configPath = home + "/.config/switchboard/config.json"
        let config = try String(contentsOfFile: configPath, encoding: .utf8)
        #expect(config.contains(secret))
        let mode = (try FileManager.default.attributesOfItem(atPath: configPath)[.posixPermissions] as? Int) ?? 0
        #expect(mode & 0o077 == 0, "config with a key must be 0600, is \(String(mode, radix: 8))")
        let settings = try String(contentsOfFile: home + "/.claude/settings.json", encoding: .utf8)
        #expect(settings.contains("ANTHROPIC_BASE_URL") && !settings.contains(secret))
        tmux.type("q")
        try await EndToEnd.poll("exit", timeout: .seconds(20), diagnostics: tmux.capture(history: true)) {
            tmux.capture(history: true).contains("EXIT=0") ? true : nil
        }
    }

    /// `switchboard setup` in a terminal, the proposed routes declined: each route asks for its
    /// model (a number from the list or a name), and the config has the answers.
    @Test func declinedRoutesAreAskedOneByOneAndWrittenAsAnswered() async throws {
        let talker = "talker-\(UUID().uuidString.prefix(6).lowercased())"
        let toolUser = "tools-\(UUID().uuidString.prefix(6).lowercased())"
        try upstream.script(toolUser, [["model": [String: Any]()]])
        try upstream.script(talker, [["model": ["tools": "text", "reasoning_field": NSNull()]]])
        let command =
            "env -i PATH=/usr/bin:/bin HOME='\(home)' LANG=C.UTF-8 TERM=tmux-256color NVIDIA_API_KEY=nvapi-env-key "
            + "'\(EndToEnd.binary)' setup --no-verify; echo EXIT=$?"
        let tmux = try TmuxSession(command: command, width: 120, height: 40)
        sessions.append(tmux)
        func waitFor(_ text: String, timeout: Duration = .seconds(20)) async throws {
            try await Self.waitFor(text, in: tmux, timeout: timeout)
        }
        try await waitFor("Provider [1]:")
        tmux.keys("Enter")
        try await waitFor("API base URL")
        tmux.type(upstream.base + "/v1")
        tmux.keys("Enter")
        try await waitFor("Models to grade")
        tmux.type("\(talker),\(toolUser)")
        tmux.keys("Enter")
        try await waitFor("Use these routes? (Y/n)", timeout: .seconds(60))
        // The proposal puts the tool user on the default route; the answers put the talker
        // everywhere (by number) except think (by name).
        let proposed = tmux.capture(history: true)
        #expect(proposed.contains("default      nvidia,\(toolUser)"), "\(proposed)")
        tmux.type("n")
        tmux.keys("Enter")
        // Proposed: default, background and think (longContext only for a model with a known window).
        let hasLong = proposed.contains("  longContext ")
        let routes = ["default", "background", "think"] + (hasLong ? ["longContext"] : [])
        for route in routes {
            try await waitFor("  \(route) [")
            if route == "think" { tmux.type(toolUser) } else { tmux.type("1") }
            tmux.keys("Enter")
        }
        try await waitFor("/.config/switchboard/config.json? (a backup is kept")
        tmux.keys("Enter")
        try await waitFor("/.claude/settings.json? (a backup is kept")
        tmux.keys("Enter")
        try await waitFor("EXIT=0", timeout: .seconds(30))
        let path = home + "/.config/switchboard/config.json"
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let config = try ConfigLoader(environment: ["NVIDIA_API_KEY": "nvapi-env-key"], homeDirectory: home)
            .parse(Data(text.utf8), source: .file(path))
        #expect(config.routes[.default]?.model == talker)
        #expect(config.routes[.background]?.model == talker)
        if hasLong { #expect(config.routes[.longContext]?.model == talker) }
        #expect(config.routes[.think]?.model == toolUser)
        #expect(text.contains("your choice"), "the config says why each route has its model")
    }

    /// Waits until `text` is on `tmux`'s screen or in its scrollback.
    static func waitFor(_ text: String, in tmux: TmuxSession, timeout: Duration) async throws {
        try await EndToEnd.poll("\"\(text)\"", timeout: timeout, diagnostics: tmux.capture(history: true)) {
            tmux.capture(history: true).contains(text) ? true : nil
        }
    }
}
