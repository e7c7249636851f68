import Foundation
import NIOHTTP1

@testable import Proxy

/// The fake provider (`Tests/E2E/scripted_upstream.py`), run as a child process: OpenAI-compatible
/// (`…/chat/completions`) and Anthropic-compatible (`…/v1/messages`, for `"anthropic": true` providers).
///
/// Each test scripts the answers for its own model name (``TestModel/unique(_:)``), so tests
/// can share one upstream safely while running in parallel.
struct ScriptedUpstream: Sendable {
    let process: ChildProcess
    let port: Int

    /// `http://127.0.0.1:<port>`.
    var baseURL: String { "http://127.0.0.1:\(port)" }
    /// What a provider's `api_base_url` should say.
    var apiBaseURL: String { baseURL + "/v1" }

    /// The repository root, found from this file's path.
    static let repositoryRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // Support
        .deletingLastPathComponent()  // IntegrationTests
        .deletingLastPathComponent()  // Tests
        .deletingLastPathComponent()

    static var scriptPath: String {
        repositoryRoot.appendingPathComponent("Tests/E2E/scripted_upstream.py").path
    }

    /// `$PYTHON3`, else the first `python3` on `PATH`.
    static func pythonPath() -> String? {
        let environment = ProcessInfo.processInfo.environment
        if let explicit = environment["PYTHON3"], FileManager.default.isExecutableFile(atPath: explicit) {
            return explicit
        }
        for directory in (environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
            let candidate = "\(directory)/python3"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    /// Starts the upstream on a free port and waits for its `LISTENING <port>` line.
    /// - Parameter tls: a certificate and key to serve HTTPS with (control endpoints then need
    ///   that certificate too: for failure tests only).
    static func start(tls: (certificate: String, key: String)? = nil) async throws -> ScriptedUpstream {
        guard let python = pythonPath() else {
            throw ChildProcess.SpawnError(description: "python3 not found on PATH (set $PYTHON3)")
        }
        guard FileManager.default.fileExists(atPath: scriptPath) else {
            throw ChildProcess.SpawnError(description: "scripted upstream not found at \(scriptPath)")
        }
        let process = try ChildProcess(
            name: "upstream",
            executable: python,
            arguments: [scriptPath, "--port", "0"] + (tls.map { ["--tls", $0.certificate, $0.key] } ?? []),
            environment: TestEnvironment.base()
        )
        do {
            let port = try await process.waitForStdoutLine(timeout: .seconds(15)) { line -> Int? in
                line.hasPrefix("LISTENING ") ? Int(line.dropFirst("LISTENING ".count)) : nil
            }
            return ScriptedUpstream(process: process, port: port)
        } catch {
            await process.stop()
            throw error
        }
    }

    func stop() async {
        await process.stop()
    }

    // MARK: - Control endpoints

    /// Sets the queue of answers for `model` (the name the upstream receives, without provider).
    func script(_ model: String, _ responses: [JSONValue], repeatLast: Bool = false) async throws {
        let body: JSONValue = [
            "model": .string(model), "responses": .array(responses), "repeat_last": .bool(repeatLast),
        ]
        let result = try await TestHTTP.send(.POST, baseURL + "/_script", body: body.jsonBytes)
        guard result.status == 200 else {
            throw ChildProcess.SpawnError(description: "scripting \(model) failed: \(result.status) \(result.text)")
        }
    }

    /// The chat and messages requests the upstream received for `model` (every model's when
    /// `nil`), oldest first.
    func requests(_ model: String? = nil) async throws -> [RecordedRequest] {
        let query = model.map { "?model=" + ($0.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? $0) }
        let result = try await TestHTTP.send(.GET, baseURL + "/_requests" + (query ?? ""))
        guard case .array(let items)? = result.json else {
            throw ChildProcess.SpawnError(description: "bad /_requests answer: \(result.text)")
        }
        return items.map(RecordedRequest.init)
    }

    /// The connection states (`open`, `completed`, `client_closed`, `error`) for `model`'s requests.
    func connectionStates(_ model: String) async throws -> [String] {
        let result = try await TestHTTP.send(.GET, baseURL + "/_connections?model=\(model)")
        guard case .array(let items)? = result.json else {
            throw ChildProcess.SpawnError(description: "bad /_connections answer: \(result.text)")
        }
        return items.map { $0["state"]?.stringValue ?? "?" }
    }
}

/// One chat or messages request as the upstream recorded it.
struct RecordedRequest: Sendable {
    /// The whole record, as JSON text: headers, path, body (for "this secret appears nowhere" checks).
    let recordText: String
    let path: String
    /// Header names in lower case.
    let headers: [String: String]
    let body: JSONValue?
    /// The body exactly as received (`…/v1/messages` requests only).
    let bodyText: String?
    let time: Double

    init(_ record: JSONValue) {
        recordText = record.jsonString
        path = record["path"]?.stringValue ?? ""
        var headers: [String: String] = [:]
        for member in record["headers"]?.objectValue?.members ?? [] {
            headers[member.key.lowercased()] = member.value.stringValue ?? ""
        }
        self.headers = headers
        body = record["body"].flatMap { $0.isNull ? nil : $0 }
        bodyText = record["body_text"]?.stringValue
        time = record["time"]?.doubleValue ?? 0
    }
}

/// Unique model names, so tests sharing an upstream never consume each other's scripts.
enum TestModel {
    static func unique(_ stem: String) -> String {
        "\(stem)-\(UUID().uuidString.prefix(8).lowercased())"
    }
}

/// The environment children start with: the test's own, minus anything that would change
/// the product's behaviour behind the tests' back (outbound proxies, keys, config lookup).
enum TestEnvironment {
    static let removed: Set<String> = [
        "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY", "http_proxy", "https_proxy", "all_proxy", "no_proxy",
        "NVIDIA_API_KEY", "SWITCHBOARD_CONFIG", "SWITCHBOARD_BINARY",
    ]

    /// A state directory for this test process, so the usage ledger never writes into the
    /// real `~/.local/state` (a test that reads the ledger passes its own `XDG_STATE_HOME`).
    static let stateHome: String = {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent(
            "switchboard-tests-state-\(ProcessInfo.processInfo.processIdentifier)"
        ).path
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }()

    static func base(_ overrides: [String: String?] = [:]) -> [String: String] {
        var environment = ProcessInfo.processInfo.environment.filter { !removed.contains($0.key) }
        environment["XDG_STATE_HOME"] = stateHome
        for (key, value) in overrides { environment[key] = value }
        return environment
    }
}
