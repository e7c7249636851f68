import Foundation

@testable import Proxy

/// The built `switchboard` binary, run as `switchboard serve --config … --port 0`.
struct SwitchboardProcess: Sendable {
    let process: ChildProcess
    /// `http://127.0.0.1:<port>`, as the binary printed it.
    let url: String
    let configDirectory: TemporaryDirectory

    /// The key the standard test provider sends upstream; it must never show in logs.
    static let providerKey = "prov-secret-4f9a2c7e81d3"

    /// `$SWITCHBOARD_BINARY`, else `switchboard` next to the test bundle, else `.build/debug/switchboard`.
    static func binaryPath() throws -> String {
        try SwitchboardBinary.path()
    }

    /// Starts `serve` with `config` (JSON text) and waits for the URL line.
    static func start(
        config: String,
        arguments: [String] = [],
        environment: [String: String?] = [:]
    ) async throws -> SwitchboardProcess {
        let directory = try TemporaryDirectory("config")
        let path = directory.url.appendingPathComponent("config.json").path
        try Data(config.utf8).write(to: URL(fileURLWithPath: path))
        return try await start(
            arguments: ["serve", "--config", path, "--port", "0"] + arguments,
            environment: environment,
            directory: directory
        )
    }

    /// Starts the binary with `arguments` (which must make it serve) and waits for the URL line.
    static func start(
        arguments: [String],
        environment: [String: String?] = [:],
        directory: TemporaryDirectory
    ) async throws -> SwitchboardProcess {
        let process = try ChildProcess(
            name: "switchboard",
            executable: try binaryPath(),
            arguments: arguments,
            environment: TestEnvironment.base(environment)
        )
        do {
            let prefix = "Switchboard listening on "
            let url = try await process.waitForStdoutLine(timeout: .seconds(20)) { line -> String? in
                line.hasPrefix(prefix) ? String(line.dropFirst(prefix.count)).trimmingCharacters(in: .whitespaces) : nil
            }
            return SwitchboardProcess(process: process, url: url, configDirectory: directory)
        } catch {
            await process.stop()
            throw error
        }
    }

    /// Runs the binary to completion (for `check` and failing `serve`s).
    static func run(
        _ arguments: [String],
        environment: [String: String?] = [:],
        timeout: Duration = .seconds(20)
    ) async throws -> (status: ChildProcess.Termination?, stdout: String, stderr: String) {
        let process = try ChildProcess(
            name: "switchboard-run",
            executable: try binaryPath(),
            arguments: arguments,
            environment: TestEnvironment.base(environment)
        )
        let status = await process.waitForExit(timeout: timeout)
        if status == nil { await process.stop() }
        return (status, process.stdout, process.stderr)
    }

    var stderr: String { process.stderr }
    var stdout: String { process.stdout }

    /// The request lines of the log (`… POST /v1/messages <status> …`).
    var requestLines: [Substring] {
        stderr.split(separator: "\n").filter { $0.contains(" POST /v1/messages ") }
    }

    /// The log (stderr) lines containing `text`.
    func logLines(containing text: String) -> [Substring] {
        stderr.split(separator: "\n").filter { $0.contains(text) }
    }

    /// Waits for a log line containing `text`; throws (with the log) if none comes within `timeout`.
    @discardableResult
    func waitForLog(_ text: String, timeout: Duration = .seconds(10)) async throws -> Substring {
        let deadline = ContinuousClock.now + timeout
        while true {
            if let line = logLines(containing: text).first { return line }
            if ContinuousClock.now > deadline {
                throw ChildProcess.SpawnError(
                    description:
                        "no log line containing \"\(text)\" within \(timeout).\nstderr:\n\(stderr.suffix(4_000))"
                )
            }
            try await Task.sleep(for: .milliseconds(25))
        }
    }

    /// SIGTERM, then SIGKILL.
    @discardableResult
    func stop() async -> ChildProcess.Termination {
        await process.stop()
    }

    /// A client for this proxy.
    var client: AnthropicClient { AnthropicClient(baseURL: url) }
}

/// Configs for the tests, in claude-code-router's format.
enum TestConfig {
    /// One provider `up` at the scripted upstream; tests name models explicitly (`up,<model>`).
    static func standard(
        upstream: ScriptedUpstream,
        providers: [JSONValue] = [],
        router: JSONObject? = nil,
        extra: JSONObject = [:]
    ) -> String {
        var root: JSONObject = [
            "Providers": .array(
                [
                    [
                        "name": "up", "api_base_url": .string(upstream.apiBaseURL),
                        "api_key": .string(SwitchboardProcess.providerKey),
                        "models": ["default-model", "fallback-model"],
                    ]
                ] + providers
            ),
            "Router": .object(router ?? ["default": "up,default-model"]),
            "API_TIMEOUT_MS": 5000,
            "LOG_LEVEL": "info",
        ]
        for member in extra.members { root[member.key] = member.value }
        return JSONValue.object(root).jsonString
    }
}
