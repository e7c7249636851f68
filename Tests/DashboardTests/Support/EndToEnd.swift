import Foundation
import TestSupport
import Testing

/// Helpers for the end-to-end tests: processes, the scripted upstream, a private tmux server.
/// Processes start through TestSupport's ``ChildProcess``, as in the integration tests.
enum EndToEnd {
    static let repository = TestSupport.ScriptedUpstream.repositoryRoot

    /// The built `switchboard` (`$SWITCHBOARD_BINARY`, else the one beside the tests, else
    /// `.build/debug/switchboard`).
    static var binary: String {
        (try? SwitchboardBinary.path()) ?? repository.appendingPathComponent(".build/debug/switchboard").path
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
        let inputDirectory = try input.map { _ in try TemporaryDirectory("input") }
        let standardInput = try inputDirectory.map { try $0.write("stdin", input ?? "") } ?? "/dev/null"
        let process = try ChildProcess(
            name: "run",
            executable: arguments[0],
            arguments: Array(arguments.dropFirst()),
            environment: ProcessInfo.processInfo.environment,
            standardInput: standardInput,
            mergingStandardError: true
        )
        let status: Int32
        switch process.waitForExitBlocking() {
        case .exited(let code)?: status = code
        case .signalled(let signal)?: status = signal
        case nil: status = -1
        }
        return (status, process.stdout)
    }

    /// Waits (polling, never a blind sleep) until `condition` returns a value.
    @discardableResult
    static func poll<T>(
        _ what: String,
        timeout: Duration = .seconds(20),
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

/// `Tests/E2E/scripted_upstream.py` on a free port: TestSupport's ``TestSupport/ScriptedUpstream``
/// with synchronous calls and Foundation JSON, as these tests use it.
final class ScriptedUpstream: Sendable {
    let shared: TestSupport.ScriptedUpstream
    var port: Int { shared.port }
    var base: String { shared.baseURL }

    init() throws {
        shared = try TestSupport.ScriptedUpstream.startBlocking()
    }

    struct UpstreamError: Error, CustomStringConvertible {
        var description: String
    }

    deinit { stop() }

    func stop() {
        shared.stopBlocking()
    }

    /// Sets the responses for `model`.
    func script(_ model: String, _ responses: [[String: Any]], repeatLast: Bool = false) throws {
        try shared.scriptBlocking(model, try responses.map(TestJSON.value), repeatLast: repeatLast)
    }

    /// The chat requests the upstream received for `model`.
    func requests(model: String) throws -> [[String: Any]] {
        try shared.requestsBlocking(model).compactMap {
            try JSONSerialization.jsonObject(with: Data($0.recordText.utf8)) as? [String: Any]
        }
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
        // The tmux client forks the server, which keeps every descriptor the client inherited
        // (with Foundation's Process, its pipes: waitUntilExit and reads then waited forever).
        // Python's subprocess closes every descriptor above 2 and gives the server only
        // /dev/null, not `run`'s output file (and, as in `unmasked`, an empty signal mask for
        // the panes' processes).
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
