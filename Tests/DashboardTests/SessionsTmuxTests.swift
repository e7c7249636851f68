import Foundation
import Testing

/// The Sessions view in the real binary, in a private tmux server: a Claude Code data directory
/// with one old session, a request that names another session, `s`, `R`, `a` + `y`, Enter.
@Suite(.serialized, .enabled(if: EndToEnd.toolsAvailable, "needs tmux, python3 and curl"), .timeLimit(.minutes(1)))
final class SessionsTmuxTests {
    static let oldID = "4818c222-495a-43cd-9e75-de47d0980782"
    static let liveID = "0ea4dc3f-0b69-4f95-bdeb-dfdb8a764bf0"

    let directory: String
    let configPath: String
    let upstream: ScriptedUpstream
    private var tmux: TmuxSession?

    init() throws {
        try #require(FileManager.default.isExecutableFile(atPath: EndToEnd.binary), "no switchboard binary")
        directory = try EndToEnd.temporaryDirectory()
        configPath = directory + "/config.json"
        upstream = try ScriptedUpstream()
        let config: [String: Any] = [
            "Providers": [
                [
                    "name": "scripted", "api_base_url": upstream.base + "/v1", "api_key": "sk-scripted-0123456789",
                    "models": ["sb-default"],
                ] as [String: Any]
            ],
            "Router": ["default": "scripted,sb-default"],
        ]
        try JSONSerialization.data(withJSONObject: config).write(to: URL(fileURLWithPath: configPath))
        // One session on disk, two days old.
        let folder = directory + "/.claude/projects/-srv-old-api"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let transcript = """
            {"type":"user","message":{"role":"user","content":"tidy the old api"},"timestamp":"2026-11-28T10:00:00.000Z","cwd":"/srv/old-api","sessionId":"\(Self.oldID)","entrypoint":"cli","gitBranch":"main","isSidechain":false}
            {"type":"assistant","message":{"id":"msg_1","model":"m","role":"assistant","content":[]},"timestamp":"2026-11-28T10:00:05.000Z","cwd":"/srv/old-api","sessionId":"\(Self.oldID)","isSidechain":false}

            """
        let path = folder + "/\(Self.oldID).jsonl"
        try Data(transcript.utf8).write(to: URL(fileURLWithPath: path))
        try FileManager.default.setAttributes(
            [.modificationDate: Date().addingTimeInterval(-2 * 86_400)],
            ofItemAtPath: path
        )
    }

    deinit {
        tmux?.kill()
        upstream.stop()
        try? FileManager.default.removeItem(atPath: directory)
    }

    @Test func theSessionsViewListsArchivesAndFiltersRequests() async throws {
        try upstream.script("sb-default", [ScriptedUpstream.text("hi", prompt: 50, completion: 5)], repeatLast: true)
        let environment = "PATH=/usr/bin:/bin HOME='\(directory)' LANG=C.UTF-8 TERM=tmux-256color"
        let command = "env -i \(environment) '\(EndToEnd.binary)' --config '\(configPath)' --port 0; echo EXIT=$?"
        let tmux = try TmuxSession(command: command, width: 100, height: 30)
        self.tmux = tmux
        let url = try await EndToEnd.poll("the listen address", diagnostics: tmux.capture()) {
            tmux.capture().firstMatch(of: /http:\/\/127\.0\.0\.1:[1-9][0-9]*/).map { String($0.0) }
        }
        // A request from a live Claude Code session (its id in metadata.user_id, as Claude Code sends it).
        let userID = #"{\"device_id\":\"d\",\"account_uuid\":\"\",\"session_id\":\"\#(Self.liveID)\"}"#
        let body =
            #"{"model":"claude-sonnet-4-5","max_tokens":64,"stream":false,"metadata":{"user_id":""#
            + userID + #""},"messages":[{"role":"user","content":"hello"}]}"#
        let status = try EndToEnd.run(
            [
                "/usr/bin/env", "curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}", "-X", "POST", "-H",
                "content-type: application/json", "-H", "x-api-key: t", "--data-binary", "@-", url + "/v1/messages",
            ],
            input: body
        ).output
        #expect(status == "200")
        // The Requests pane's session column: the short id (no project in this request).
        try await EndToEnd.poll("the session column", diagnostics: tmux.capture()) {
            tmux.capture().contains("SESSION") && tmux.capture().contains("0ea4dc3f") ? true : nil
        }

        tmux.keys("s")
        let screen = try await EndToEnd.poll("the Sessions view with both sessions", diagnostics: tmux.capture()) {
            let screen = tmux.capture()
            return screen.contains("Sessions") && screen.contains("/srv/old-api") && screen.contains("*") ? screen : nil
        }
        let lines = screen.split(separator: "\n")
        let live = try #require(lines.firstIndex { $0.contains("*") && $0.contains("session 0ea4dc3f") })
        let old = try #require(lines.firstIndex { $0.contains("/srv/old-api") })
        #expect(live < old, "live sessions first")

        // The live one: R prints its resume command; a is refused.
        tmux.keys("R")
        try await EndToEnd.poll("the resume command", diagnostics: tmux.capture()) {
            tmux.capture().contains("claude --resume \(Self.liveID)") ? true : nil
        }
        tmux.keys("a")
        try await EndToEnd.poll("the refusal", diagnostics: tmux.capture()) {
            tmux.capture().contains("is live: not archived") ? true : nil
        }
        // The old one: a asks, y archives (the file moves into the archive).
        tmux.keys("Down")
        tmux.keys("a")
        try await EndToEnd.poll("the confirmation line", diagnostics: tmux.capture()) {
            tmux.capture().contains("Archive 4818c222 (/srv/old-api") ? true : nil
        }
        tmux.keys("y")
        try await EndToEnd.poll("the archive notice", diagnostics: tmux.capture()) {
            tmux.capture().contains("archived 4818c222") ? true : nil
        }
        let archived =
            directory + "/.claude/switchboard-archive/\(Self.oldID)/files/projects/-srv-old-api/\(Self.oldID).jsonl"
        #expect(FileManager.default.fileExists(atPath: archived))
        #expect(
            !FileManager.default.fileExists(atPath: directory + "/.claude/projects/-srv-old-api/\(Self.oldID).jsonl")
        )

        // Enter on the live one lists its requests only.
        tmux.keys("Home")
        tmux.keys("Enter")
        try await EndToEnd.poll("the filtered Requests pane", diagnostics: tmux.capture()) {
            tmux.capture().contains("Requests of session 0ea4dc3f") ? true : nil
        }
        tmux.keys("q")
        try await EndToEnd.poll("the dashboard to exit", diagnostics: tmux.capture(history: true)) {
            tmux.capture(history: true).contains("EXIT=0") ? true : nil
        }
    }
}
