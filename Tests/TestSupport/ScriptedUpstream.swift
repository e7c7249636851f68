import Foundation
import NIOHTTP1

import Proxy

/// The fake provider (`Tests/E2E/scripted_upstream.py`), run as a child process: OpenAI-compatible
/// (`…/chat/completions`) and Anthropic-compatible (`…/v1/messages`, for `"anthropic": true` providers).
///
/// Each test scripts the answers for its own model name (``TestModel/unique(_:)``), so tests
/// can share one upstream safely while running in parallel. Every call has an `async` form and a
/// blocking one (`…Blocking`), for synchronous test code.
public struct ScriptedUpstream: Sendable {
    public let process: ChildProcess
    public let port: Int

    public init(process: ChildProcess, port: Int) {
        self.process = process
        self.port = port
    }

    /// `http://127.0.0.1:<port>`.
    public var baseURL: String { "http://127.0.0.1:\(port)" }
    /// What a provider's `api_base_url` should say.
    public var apiBaseURL: String { baseURL + "/v1" }

    /// The repository root, found from this file's path.
    public static let repositoryRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // TestSupport
        .deletingLastPathComponent()  // Tests
        .deletingLastPathComponent()

    public static var scriptPath: String {
        repositoryRoot.appendingPathComponent("Tests/E2E/scripted_upstream.py").path
    }

    /// `$PYTHON3`, else the first `python3` on `PATH`.
    public static func pythonPath() -> String? {
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
    public static func start(tls: (certificate: String, key: String)? = nil) async throws -> ScriptedUpstream {
        let process = try spawn(tls: tls)
        do {
            let port = try await process.waitForStdoutLine(timeout: .seconds(15), listeningPort)
            return ScriptedUpstream(process: process, port: port)
        } catch {
            await process.stop()
            throw error
        }
    }

    /// The same, blocking the calling thread.
    public static func startBlocking(tls: (certificate: String, key: String)? = nil) throws -> ScriptedUpstream {
        let process = try spawn(tls: tls)
        do {
            let port = try process.waitForStdoutLineBlocking(timeout: .seconds(15), listeningPort)
            return ScriptedUpstream(process: process, port: port)
        } catch {
            process.stopBlocking()
            throw error
        }
    }

    private static func spawn(tls: (certificate: String, key: String)?) throws -> ChildProcess {
        guard let python = pythonPath() else {
            throw ChildProcess.SpawnError(description: "python3 not found on PATH (set $PYTHON3)")
        }
        guard FileManager.default.fileExists(atPath: scriptPath) else {
            throw ChildProcess.SpawnError(description: "scripted upstream not found at \(scriptPath)")
        }
        return try ChildProcess(
            name: "upstream",
            executable: python,
            arguments: [scriptPath, "--port", "0"] + (tls.map { ["--tls", $0.certificate, $0.key] } ?? []),
            environment: TestEnvironment.base()
        )
    }

    /// The port in the `LISTENING <port>` line.
    private static func listeningPort(_ line: Substring) -> Int? {
        line.hasPrefix("LISTENING ") ? Int(line.dropFirst("LISTENING ".count)) : nil
    }

    public func stop() async {
        await process.stop()
    }

    /// The same, blocking the calling thread.
    public func stopBlocking() {
        process.stopBlocking()
    }

    // MARK: - Control endpoints

    /// Sets the queue of answers for `model` (the name the upstream receives, without provider).
    public func script(_ model: String, _ responses: [JSONValue], repeatLast: Bool = false) async throws {
        let body = Self.scriptBody(model, responses, repeatLast)
        try Self.scripted(model, try await TestHTTP.send(.POST, baseURL + "/_script", body: body))
    }

    /// The same, blocking the calling thread.
    public func scriptBlocking(_ model: String, _ responses: [JSONValue], repeatLast: Bool = false) throws {
        let body = Self.scriptBody(model, responses, repeatLast)
        try Self.scripted(model, try TestHTTP.sendBlocking(.POST, baseURL + "/_script", body: body))
    }

    private static func scriptBody(_ model: String, _ responses: [JSONValue], _ repeatLast: Bool) -> [UInt8] {
        let body: JSONValue = [
            "model": .string(model), "responses": .array(responses), "repeat_last": .bool(repeatLast),
        ]
        return body.jsonBytes
    }

    private static func scripted(_ model: String, _ result: HTTPResult) throws {
        guard result.status == 200 else {
            throw ChildProcess.SpawnError(description: "scripting \(model) failed: \(result.status) \(result.text)")
        }
    }

    /// The chat and messages requests the upstream received for `model` (every model's when
    /// `nil`), oldest first.
    public func requests(_ model: String? = nil) async throws -> [RecordedRequest] {
        try Self.records(try await TestHTTP.send(.GET, baseURL + "/_requests" + Self.query(model)))
    }

    /// The same, blocking the calling thread.
    public func requestsBlocking(_ model: String? = nil) throws -> [RecordedRequest] {
        try Self.records(try TestHTTP.sendBlocking(.GET, baseURL + "/_requests" + Self.query(model)))
    }

    /// The connection states (`open`, `completed`, `client_closed`, `error`) for `model`'s requests.
    public func connectionStates(_ model: String) async throws -> [String] {
        try Self.records(try await TestHTTP.send(.GET, baseURL + "/_connections" + Self.query(model))).map {
            $0.state ?? "?"
        }
    }

    /// The same, blocking the calling thread.
    public func connectionStatesBlocking(_ model: String) throws -> [String] {
        try Self.records(try TestHTTP.sendBlocking(.GET, baseURL + "/_connections" + Self.query(model))).map {
            $0.state ?? "?"
        }
    }

    private static func query(_ model: String?) -> String {
        model.map { "?model=" + ($0.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? $0) } ?? ""
    }

    private static func records(_ result: HTTPResult) throws -> [RecordedRequest] {
        guard case .array(let items)? = result.json else {
            throw ChildProcess.SpawnError(description: "bad answer from the scripted upstream: \(result.text)")
        }
        return items.map(RecordedRequest.init)
    }
}

/// One chat or messages request (or its connection's entry) as the upstream recorded it.
public struct RecordedRequest: Sendable {
    /// The whole record, as JSON text: headers, path, body (for "this secret appears nowhere" checks).
    public let recordText: String
    /// The whole record.
    public let record: JSONValue
    public let path: String
    /// Header names in lower case.
    public let headers: [String: String]
    public let body: JSONValue?
    /// The body exactly as received (`…/v1/messages` requests only).
    public let bodyText: String?
    public let time: Double
    /// A connection's state (`open`, `completed`, `client_closed`, `error`), from `/_connections`.
    public let state: String?

    public init(_ record: JSONValue) {
        self.record = record
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
        state = record["state"]?.stringValue
    }
}

/// Unique model names, so tests sharing an upstream never consume each other's scripts.
public enum TestModel {
    public static func unique(_ stem: String) -> String {
        "\(stem)-\(UUID().uuidString.prefix(8).lowercased())"
    }
}

/// The environment children start with: the test's own, minus anything that would change
/// the product's behaviour behind the tests' back (outbound proxies, keys, config lookup).
public enum TestEnvironment {
    public static let removed: Set<String> = [
        "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY", "http_proxy", "https_proxy", "all_proxy", "no_proxy",
        "NVIDIA_API_KEY", "SWITCHBOARD_CONFIG", "SWITCHBOARD_BINARY",
    ]

    /// A state directory for this test process, so the usage ledger never writes into the
    /// real `~/.local/state` (a test that reads the ledger passes its own `XDG_STATE_HOME`).
    public static let stateHome: String = {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent(
            "switchboard-tests-state-\(ProcessInfo.processInfo.processIdentifier)"
        ).path
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }()

    public static func base(_ overrides: [String: String?] = [:]) -> [String: String] {
        var environment = ProcessInfo.processInfo.environment.filter { !removed.contains($0.key) }
        environment["XDG_STATE_HOME"] = stateHome
        for (key, value) in overrides { environment[key] = value }
        return environment
    }
}
