import Foundation
import Testing

/// Helpers for the end-to-end tests: processes, the scripted upstream, a private tmux server.
enum EndToEnd {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    /// The built `switchboard` (`$SWITCHBOARD_BINARY`, else `.build/debug/switchboard`).
    static var binary: String {
        ProcessInfo.processInfo.environment["SWITCHBOARD_BINARY"]
            ?? repository.appendingPathComponent(".build/debug/switchboard").path
    }

    static func which(_ tool: String) -> String? {
        for directory in ["/usr/local/bin", "/usr/bin", "/bin"]
        where FileManager.default.isExecutableFile(atPath: "\(directory)/\(tool)") {
            return "\(directory)/\(tool)"
        }
        let found = try? run(["/usr/bin/env", "sh", "-c", "command -v \(tool)"])
        guard let found, found.status == 0 else { return nil }
        let path = found.output.trimmingCharacters(in: .whitespacesAndNewlines)
        return path.isEmpty ? nil : path
    }

    static var toolsAvailable: Bool {
        which("tmux") != nil && which("python3") != nil && which("curl") != nil
    }

    /// Runs `arguments` to completion; standard output (and error, merged) as text.
    @discardableResult
    static func run(_ arguments: [String], input: String? = nil) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: arguments[0])
        process.arguments = Array(arguments.dropFirst())
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        let stdin = Pipe()
        process.standardInput = input == nil ? FileHandle.nullDevice : stdin
        try process.run()
        if let input {
            stdin.fileHandleForWriting.write(Data(input.utf8))
            try stdin.fileHandleForWriting.close()
        }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    /// Waits (polling, never a blind sleep) until `condition` returns a value.
    @discardableResult
    static func poll<T>(
        _ what: String,
        timeout: Duration = .seconds(10),
        sourceLocation: SourceLocation = #_sourceLocation,
        diagnostics: @autoclosure () -> String = "",
        _ condition: () throws -> T?
    ) async throws -> T {
        let deadline = ContinuousClock.now + timeout
        while true {
            if let value = try condition() { return value }
            if ContinuousClock.now >= deadline { break }
            try await Task.sleep(for: .milliseconds(40))
        }
        Issue.record("Timed out waiting for \(what)\n\(diagnostics())", sourceLocation: sourceLocation)
        throw CancellationError()
    }

    /// `arguments`, run through Python with an empty signal mask. Test code runs on threads that
    /// block SIGTERM, SIGINT and SIGHUP, and a child inherits its parent thread's mask, so
    /// without this `terminate()` (and tmux's SIGHUP) would never reach the child. `exec` keeps
    /// the pid, so the Process still watches the real program.
    static func unmasked(_ arguments: [String]) -> [String] {
        [
            which("python3") ?? "/usr/bin/python3", "-c",
            "import os, signal, sys; signal.pthread_sigmask(signal.SIG_SETMASK, set()); os.execv(sys.argv[1], sys.argv[1:])",
        ] + arguments
    }

    /// A fresh directory (each test removes its own).
    static func temporaryDirectory() throws -> String {
        let path = NSTemporaryDirectory() + "switchboard-e2e-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }
}

/// `Tests/E2E/scripted_upstream.py` on a free port.
final class ScriptedUpstream {
    let process = Process()
    let port: Int
    var base: String { "http://127.0.0.1:\(port)" }

    init() throws {
        let arguments = EndToEnd.unmasked([
            EndToEnd.which("python3") ?? "/usr/bin/python3",
            EndToEnd.repository.appendingPathComponent("Tests/E2E/scripted_upstream.py").path, "--port", "0",
        ])
        process.executableURL = URL(fileURLWithPath: arguments[0])
        process.arguments = Array(arguments.dropFirst())
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        // It prints exactly one line, `LISTENING <port>`, once bound.
        var line = Data()
        while !line.contains(0x0A) {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            line.append(chunk)
        }
        let text = String(decoding: line, as: UTF8.self)
        guard text.hasPrefix("LISTENING "),
            let port = Int(text.dropFirst(10).trimmingCharacters(in: .whitespacesAndNewlines))
        else {
            process.terminate()
            throw UpstreamError(description: "scripted upstream did not start: \(text)")
        }
        self.port = port
    }

    struct UpstreamError: Error, CustomStringConvertible {
        var description: String
    }

    deinit { stop() }

    func stop() {
        guard process.isRunning else { return }
        process.terminate()
        process.waitUntilExit()
    }

    /// Sets the responses for `model`.
    func script(_ model: String, _ responses: [[String: Any]], repeatLast: Bool = false) throws {
        let body = try JSONSerialization.data(withJSONObject: [
            "model": model, "responses": responses, "repeat_last": repeatLast,
        ])
        let result = try EndToEnd.run(
            [
                "/usr/bin/env", "curl", "-sS", "-f", "-X", "POST", "-H", "content-type: application/json",
                "--data-binary", "@-", base + "/_script",
            ],
            input: String(decoding: body, as: UTF8.self)
        )
        guard result.status == 0 else { throw UpstreamError(description: "script failed: \(result.output)") }
    }

    /// The chat requests the upstream received for `model`.
    func requests(model: String) throws -> [[String: Any]] {
        let result = try EndToEnd.run(["/usr/bin/env", "curl", "-sS", "-f", base + "/_requests?model=\(model)"])
        let json = try JSONSerialization.jsonObject(with: Data(result.output.utf8))
        return json as? [[String: Any]] ?? []
    }

    /// A streamed text answer with usage.
    static func text(_ text: String, pieces: Int = 3, chunkDelayMs: Int = 0, prompt: Int, completion: Int) -> [String:
        Any]
    {
        [
            "chunk_delay_ms": chunkDelayMs,
            "text_stream": [
                "text": text, "pieces": pieces,
                "usage": [
                    "prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion,
                ],
            ] as [String: Any],
        ]
    }
}

/// A private tmux server (`-L`, no user config) with one session running a command.
final class TmuxSession {
    let socket = "sbtest-\(UUID().uuidString.prefix(8))"
    let session = "dash"
    private let tmux: String
    private var socketPath = ""

    init(command: String, width: Int = 100, height: Int = 30) throws {
        tmux = EndToEnd.which("tmux") ?? "/usr/bin/tmux"
        // The tmux client forks the server, which keeps every descriptor the client inherited.
        // Foundation's Process watches a child through a descriptor it hands it (and pipes), so a
        // server holding one makes waitUntilExit and reads wait forever. Python's subprocess
        // closes every descriptor above 2, so the server inherits only /dev/null (and, as in
        // `unmasked`, an empty signal mask for the panes' processes).
        let started = try EndToEnd.run([
            EndToEnd.which("python3") ?? "/usr/bin/python3", "-c",
            "import signal, subprocess, sys; signal.pthread_sigmask(signal.SIG_SETMASK, set()); "
                + "sys.exit(subprocess.call(sys.argv[1:], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, "
                + "stderr=subprocess.DEVNULL))",
            tmux, "-L", socket, "-f", "/dev/null", "new-session", "-d", "-s", session, "-x", "\(width)", "-y",
            "\(height)",
            "sh", "-c", command, ";", "set-option", "-t", session, "remain-on-exit", "on",
        ])
        guard started.status == 0 else {
            throw ScriptedUpstream.UpstreamError(description: "tmux new-session failed: \(started.output)")
        }
        socketPath =
            (try? EndToEnd.run([tmux, "-L", socket, "display-message", "-p", "#{socket_path}"]).output)?
            .trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
    }

    deinit { kill() }

    /// Stops the session (its processes get SIGHUP) and the server, and removes its socket.
    func kill() {
        _ = try? EndToEnd.run([tmux, "-L", socket, "kill-session", "-t", session])
        _ = try? EndToEnd.run([tmux, "-L", socket, "kill-server"])
        if socketPath.hasSuffix("/" + socket) { try? FileManager.default.removeItem(atPath: socketPath) }
    }

    @discardableResult
    func command(_ arguments: String...) -> String {
        (try? EndToEnd.run([tmux, "-L", socket] + arguments).output) ?? ""
    }

    /// The screen's text (`escapes`: with SGR attribute codes; `history`: the scrollback too).
    func capture(escapes: Bool = false, history: Bool = false) -> String {
        var arguments = ["capture-pane", "-p", "-t", session]
        if escapes { arguments.append("-e") }
        if history { arguments += ["-S", "-"] }
        return (try? EndToEnd.run([tmux, "-L", socket] + arguments).output) ?? ""
    }

    /// Key names (`Enter`, `Escape`, `Down`…), as tmux understands them.
    func keys(_ names: String...) {
        _ = try? EndToEnd.run([tmux, "-L", socket, "send-keys", "-t", session] + names)
    }

    /// Literal text, typed.
    func type(_ text: String) {
        _ = try? EndToEnd.run([tmux, "-L", socket, "send-keys", "-t", session, "-l", text])
    }

    func resize(width: Int, height: Int) {
        command("resize-window", "-t", session, "-x", "\(width)", "-y", "\(height)")
    }

    func format(_ format: String) -> String {
        command("display-message", "-p", "-t", session, format).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    var paneIsDead: Bool { format("#{pane_dead}") == "1" }
}
