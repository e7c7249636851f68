import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Proxy
import Synchronization

/// A failed check inside the harness; thrown so the test fails with the description.
struct HarnessFailure: Error, CustomStringConvertible {
    var description: String
}

/// Where the repository and the built binary are.
enum Paths {
    /// The package root (this file is `Tests/ProviderIntegrationTests/Harness.swift`).
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    static let scriptedUpstream = root + "/Tests/E2E/scripted_upstream.py"
    static let anthropicUpstream = root + "/Tests/ProviderIntegrationTests/anthropic_upstream.py"

    /// The `switchboard` built beside this test bundle, else the debug build.
    static func switchboard() throws -> String {
        let candidates = [
            URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent(
                "switchboard"
            )
            .path,
            root + "/.build/debug/switchboard",
        ]
        for path in candidates where FileManager.default.isExecutableFile(atPath: path) { return path }
        throw HarnessFailure(description: "no switchboard binary at \(candidates); run `swift build` first")
    }
}

/// A child process whose standard output and error go to files (no pipe can fill up), killed
/// by its owner in every path.
final class ChildProcess: Sendable {
    let name: String
    let pid: Int32
    let stdoutPath: String
    let stderrPath: String
    private let process: Mutex<Process?>

    init(name: String, arguments: [String], environment: [String: String], directory: String) throws {
        self.name = name
        stdoutPath = directory + "/\(name).stdout"
        stderrPath = directory + "/\(name).stderr"
        _ = FileManager.default.createFile(atPath: stdoutPath, contents: nil)
        _ = FileManager.default.createFile(atPath: stderrPath, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: arguments[0])
        process.arguments = Array(arguments.dropFirst())
        process.environment = environment
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle(forWritingAtPath: stdoutPath)
        process.standardError = FileHandle(forWritingAtPath: stderrPath)
        try process.run()
        pid = process.processIdentifier
        self.process = Mutex(process)
    }

    var stdout: String { (try? String(contentsOfFile: stdoutPath, encoding: .utf8)) ?? "" }
    var stderr: String { (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? "" }

    var isRunning: Bool { process.withLock { $0?.isRunning ?? false } }

    /// Waits for the process to exit by itself; returns its exit status.
    func waitForExit(timeout: Duration) async throws -> Int32 {
        try await eventually("\(name) to exit", timeout: timeout) { isRunning ? nil : true }
        return process.withLock { $0?.terminationStatus ?? -1 }
    }

    /// Kills the process (SIGKILL: a test never waits for a graceful drain) and reaps it.
    func terminate() {
        process.withLock { process in
            guard let running = process else { return }
            if running.isRunning { _ = kill(pid, SIGKILL) }
            running.waitUntilExit()
            process = nil
        }
    }

    deinit { terminate() }
}

/// Polls `check` until it returns a value, or fails after `timeout`.
@discardableResult
func eventually<T>(
    _ what: String,
    timeout: Duration = .seconds(10),
    _ check: () throws -> T?
) async throws -> T {
    let deadline = ContinuousClock.now + timeout
    while true {
        if let value = try check() { return value }
        if ContinuousClock.now > deadline { throw HarnessFailure(description: "timed out waiting for \(what)") }
        try await Task.sleep(for: .milliseconds(25))
    }
}

/// A temporary directory and the processes a test started; everything is killed and removed
/// by ``withSandbox(_:)`` whatever the test does.
final class Sandbox: Sendable {
    let directory: String
    private let children = Mutex<[ChildProcess]>([])

    init() throws {
        directory = NSTemporaryDirectory() + "switchboard-provider-tests-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    /// A clean environment: no proxies, no user config, `HOME` inside the sandbox.
    func environment(_ extra: [String: String] = [:]) -> [String: String] {
        let inherited = ProcessInfo.processInfo.environment
        var environment = ["HOME": directory, "PATH": inherited["PATH"] ?? "/usr/bin:/bin", "LANG": "C.UTF-8"]
        environment.merge(extra) { $1 }
        return environment
    }

    func spawn(_ name: String, _ arguments: [String], environment extra: [String: String] = [:]) throws -> ChildProcess
    {
        let child = try ChildProcess(
            name: name,
            arguments: arguments,
            environment: environment(extra),
            directory: directory
        )
        children.withLock { $0.append(child) }
        return child
    }

    /// The logs of every child, for a failure message.
    var logs: String {
        children.withLock { $0 }.map { child in
            "--- \(child.name) stderr ---\n\(String(child.stderr.suffix(4_000)))"
        }.joined(separator: "\n")
    }

    func close() {
        for child in children.withLock({ $0 }) { child.terminate() }
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// Writes `config` as the file at `name`; returns its path.
    @discardableResult
    func write(_ config: JSONValue, to name: String = "config.json") throws -> String {
        try write(text: config.jsonString, to: name)
    }

    /// Writes `text` atomically (a new inode, as editors save).
    @discardableResult
    func write(text: String, to name: String = "config.json") throws -> String {
        let path = directory + "/" + name
        try Data(text.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
        return path
    }

    /// A port nothing listens on (bound, then released).
    func closedPort() async throws -> Int {
        let probe = try spawn(
            "port-probe",
            [
                "/usr/bin/env", "python3", "-c",
                "import socket; s = socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1]); s.close()",
            ]
        )
        _ = try await probe.waitForExit(timeout: .seconds(10))
        guard let port = Int(probe.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw HarnessFailure(description: "no port from the probe: \(probe.stdout) \(probe.stderr)")
        }
        return port
    }
}

/// Runs `body` with a fresh sandbox and always cleans it up; a thrown failure carries the logs.
func withSandbox(_ body: (Sandbox) async throws -> Void) async throws {
    let sandbox = try Sandbox()
    do {
        try await body(sandbox)
    } catch {
        let logs = sandbox.logs
        sandbox.close()
        throw HarnessFailure(description: "\(error)\n\(logs)")
    }
    sandbox.close()
}

/// An HTTP answer, whole.
struct Answer: Sendable {
    var status: Int
    var headers: HTTPHeaders
    var body: [UInt8]

    var text: String { String(decoding: body, as: UTF8.self) }
    var json: JSONValue? { try? JSONParser.parse(body) }
}

enum HTTP {
    static func send(
        _ method: HTTPMethod,
        _ url: String,
        body: [UInt8]? = nil,
        headers: [(String, String)] = [],
        timeout: Duration = .seconds(30)
    ) async throws -> Answer {
        var request = HTTPClientRequest(url: url)
        request.method = method
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body {
            request.headers.add(name: "content-type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: body))
        }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(timeout.components.seconds))
        let bytes = try await response.body.collect(upTo: 32 << 20)
        return Answer(
            status: Int(response.status.code),
            headers: response.headers,
            body: Array(bytes.readableBytesView)
        )
    }

    static func post(_ url: String, json: JSONValue, headers: [(String, String)] = []) async throws -> Answer {
        try await send(.POST, url, body: json.jsonBytes, headers: headers)
    }

    static func get(_ url: String) async throws -> JSONValue {
        let answer = try await send(.GET, url)
        guard let json = answer.json else { throw HarnessFailure(description: "GET \(url): not JSON: \(answer.text)") }
        return json
    }
}

/// Reads `LISTENING <port>` from a fake upstream's first line.
func listeningPort(of child: ChildProcess) async throws -> Int {
    try await eventually("\(child.name) to listen") {
        guard let line = child.stdout.split(separator: "\n").first(where: { $0.hasPrefix("LISTENING ") }) else {
            if !child.isRunning { throw HarnessFailure(description: "\(child.name) exited: \(child.stderr)") }
            return nil
        }
        return Int(line.dropFirst("LISTENING ".count))
    }
}

/// `Tests/E2E/scripted_upstream.py`: an OpenAI-compatible provider scripted per model.
struct ScriptedUpstream {
    let process: ChildProcess
    let port: Int

    static func start(in sandbox: Sandbox, name: String = "scripted-upstream") async throws -> ScriptedUpstream {
        let process = try sandbox.spawn(name, ["/usr/bin/env", "python3", Paths.scriptedUpstream, "--port", "0"])
        return ScriptedUpstream(process: process, port: try await listeningPort(of: process))
    }

    var baseURL: String { "http://127.0.0.1:\(port)/v1" }

    func script(_ model: String, _ responses: [JSONValue], repeatLast: Bool = false) async throws {
        let answer = try await HTTP.post(
            "http://127.0.0.1:\(port)/_script",
            json: ["model": .string(model), "responses": .array(responses), "repeat_last": .bool(repeatLast)]
        )
        guard answer.status == 200 else { throw HarnessFailure(description: "script refused: \(answer.text)") }
    }

    /// The recorded chat requests, oldest first.
    func requests(model: String? = nil) async throws -> [JSONValue] {
        let query =
            model.map { "?model=" + ($0.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? $0) } ?? ""
        return try await HTTP.get("http://127.0.0.1:\(port)/_requests\(query)").arrayValue ?? []
    }

    /// A response streaming `text` (split in a few pieces).
    static func text(_ text: String) -> JSONValue {
        ["text_stream": ["text": .string(text), "pieces": 3]]
    }
}

/// `switchboard serve` on a free port.
struct Switchboard {
    let process: ChildProcess
    let url: String
    let configPath: String

    static func serve(
        in sandbox: Sandbox,
        config: JSONValue,
        environment: [String: String] = [:]
    ) async throws -> Switchboard {
        let path = try sandbox.write(config)
        return try await serve(in: sandbox, configPath: path, environment: environment)
    }

    static func serve(
        in sandbox: Sandbox,
        configPath: String,
        environment: [String: String] = [:]
    ) async throws -> Switchboard {
        let process = try sandbox.spawn(
            "switchboard",
            [try Paths.switchboard(), "serve", "--config", configPath, "--port", "0"],
            environment: environment
        )
        let prefix = "Switchboard listening on "
        let url = try await eventually("switchboard to listen") { () throws -> String? in
            guard let line = process.stdout.split(separator: "\n").first(where: { $0.hasPrefix(prefix) }) else {
                if !process.isRunning { throw HarnessFailure(description: "switchboard exited: \(process.stderr)") }
                return nil
            }
            return String(line.dropFirst(prefix.count))
        }
        return Switchboard(process: process, url: url, configPath: configPath)
    }

    /// Everything logged so far.
    var log: String { process.stderr }

    /// The log lines containing `text`.
    func logLines(containing text: String) -> [Substring] {
        log.split(separator: "\n").filter { $0.contains(text) }
    }

    /// Waits for a log line containing `text`.
    @discardableResult
    func waitForLog(_ text: String, timeout: Duration = .seconds(10)) async throws -> Substring {
        try await eventually("a log line containing \"\(text)\"", timeout: timeout) { logLines(containing: text).first }
    }

    func messages(_ body: JSONValue, headers: [(String, String)] = []) async throws -> Answer {
        try await HTTP.post(url + "/v1/messages", json: body, headers: [("anthropic-version", "2023-06-01")] + headers)
    }

    /// A small Claude Code-like request.
    static func request(model: String = "claude-sonnet-4-5", text: String = "hi", stream: Bool = false) -> JSONValue {
        [
            "model": .string(model), "max_tokens": 1_000, "stream": .bool(stream),
            "messages": [["role": "user", "content": .string(text)]],
        ]
    }
}

extension Answer {
    /// The text of a non-streaming Anthropic message.
    var messageText: String {
        (json?["content"]?.arrayValue ?? []).compactMap { $0["type"] == "text" ? $0["text"]?.stringValue : nil }
            .joined()
    }
}
