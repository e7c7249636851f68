import ArgumentParser
import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Proxy

/// `switchboard statusline`: Claude Code's `statusLine` command. Reads Claude Code's JSON on
/// stdin, asks the running Switchboard about the session, prints one line.
struct StatuslineCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "statusline",
        abstract: "One status line for Claude Code: the model that really answers, its context window, tokens, cost.",
        discussion: """
            Claude Code runs it with its status JSON on stdin (session_id, model, workspace, transcript_path…).
            It asks the running Switchboard (GET /switchboard/session on loopback) and, when none runs,
            still prints what the session's transcript says. Always exits 0.

            Install into Claude Code's settings.json (a backup first): switchboard statusline --install
            """
    )

    @OptionGroup var configOptions: ConfigOptions

    @Flag(name: .long, help: "Add the status line to Claude Code's settings.json (backed up first).")
    var install = false

    @Flag(name: .long, help: "Remove Switchboard's status line from Claude Code's settings.json.")
    var uninstall = false

    @Option(
        name: .long,
        help: "Port of the Switchboard to ask (default: ANTHROPIC_BASE_URL when on loopback, else the config's)."
    )
    var port: Int?

    func validate() throws {
        if install && uninstall { throw ValidationError("--install and --uninstall do not go together") }
        if let port, !(1...65_535).contains(port) { throw ValidationError("--port must be between 1 and 65535") }
    }

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        if install || uninstall {
            let settings = ClaudeSettingsFile(path: ClaudeSettingsFile.defaultPath(environment: environment))
            var command = [ClaudeSettingsFile.quoted(Self.executablePath()), "statusline"]
            if let config = configOptions.config {
                command += ["--config", ClaudeSettingsFile.quoted(Self.absolute(config))]
            }
            if let port { command += ["--port", String(port)] }
            do {
                let message =
                    install
                    ? try settings.installStatusLine(command: command.joined(separator: " "))
                    : try settings.uninstallStatusLine()
                Console.out(message)
            } catch {
                Console.error("switchboard: \(error)")
                throw ExitCode(1)
            }
            return
        }
        let input = StatuslineInput(json: Self.readStandardInput())
        // A broken config still gets a line (Claude Code shows it), with the default address.
        guard
            let config = (try? ConfigLoader().load(explicitPath: configOptions.config))
                ?? (try? ConfigLoader().load(from: .builtin))
        else { return }
        let target = StatuslineTarget(config: config, environment: environment, port: port)
        var status: SessionStatus?
        var failure: String?
        if let session = input.sessionID {
            (status, failure) = await Self.ask(target, session: session)
        } else {
            failure = "no Claude Code session on stdin (this is Claude Code's statusLine command)"
        }
        let line = StatuslineText(
            input: input,
            status: status,
            unavailable: failure,
            address: target.display,
            transcript: status?.last == nil ? input.transcriptPath.flatMap(TranscriptTail.lastAnswer(path:)) : nil,
            config: config,
            unicode: StatuslineText.isUTF8(environment: environment)
        ).line
        Console.out(line)
    }

    /// Claude Code's JSON, at most 1 MB; nothing when stdin is a terminal (run by hand).
    static func readStandardInput() -> [UInt8] {
        guard isatty(0) == 0 else { return [] }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while bytes.count < 1 << 20 {
            let count = read(0, &buffer, buffer.count)
            if count <= 0 { break }
            bytes += buffer[0..<count]
        }
        return bytes
    }

    /// The session's status from the Switchboard at `target`, or why there is none.
    static func ask(_ target: StatuslineTarget, session: String) async -> (SessionStatus?, String?) {
        var components = URLComponents()
        components.queryItems = [URLQueryItem(name: "id", value: session)]
        var request = HTTPClientRequest(
            url: target.url + "/switchboard/session?" + (components.percentEncodedQuery ?? "")
        )
        request.method = .GET
        if let key = target.key { request.headers.add(name: "authorization", value: "Bearer \(key)") }
        // Nothing listening is known at once on loopback; the HTTP client would retry the
        // connection until its deadline, holding up every status line while Switchboard is down.
        guard Self.accepts(target.url) else { return (nil, "switchboard not running at \(target.display)") }
        do {
            let response = try await HTTPClient.shared.execute(request, timeout: .milliseconds(400))
            let body = try await response.body.collect(upTo: 1 << 20)
            guard response.status == .ok else {
                if response.status.code == 407 { return (nil, "switchboard refused the key (set its APIKEY)") }
                if response.status == .notFound { return (nil, "not a Switchboard with sessions at \(target.display)") }
                return (nil, "switchboard answered \(response.status.code)")
            }
            guard let status = try? SessionStatus.decode(Array(buffer: body)) else {
                return (nil, "unexpected answer from \(target.display)/switchboard/session")
            }
            return (status, nil)
        } catch {
            return (nil, "switchboard not running at \(target.display)")
        }
    }

    /// Whether something accepts connections at `url`'s host and port, when that is a loopback
    /// address (a refusal comes back at once there); `true` for any other address, or one that
    /// cannot be worked out (the HTTP client then tries, within its deadline, and says).
    static func accepts(_ url: String) -> Bool {
        guard let components = URLComponents(string: url), let host = components.host,
            ["127.0.0.1", "localhost", "::1", "[::1]"].contains(host)
        else { return true }
        let port = components.port ?? 80
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = AI_NUMERICSERV
        var results: UnsafeMutablePointer<addrinfo>?
        let name = host.hasPrefix("[") ? String(host.dropFirst().dropLast()) : host
        guard getaddrinfo(name, String(port), &hints, &results) == 0, let first = results else { return true }
        defer { freeaddrinfo(results) }
        var entry: UnsafeMutablePointer<addrinfo>? = first
        while let address = entry {
            let descriptor = socket(
                address.pointee.ai_family,
                Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue),
                0
            )
            if descriptor >= 0 {
                let connected = connect(descriptor, address.pointee.ai_addr, address.pointee.ai_addrlen) == 0
                close(descriptor)
                if connected { return true }
            }
            entry = address.pointee.ai_next
        }
        return false
    }

    /// This binary's absolute path, for the command Claude Code runs.
    static func executablePath() -> String {
        if let resolved = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            return resolved
        }
        return absolute(CommandLine.arguments[0])
    }

    static func absolute(_ path: String) -> String {
        if path.hasPrefix("/") { return path }
        return URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent(path).standardized
            .path
    }
}

/// Where the statusline asks: `ANTHROPIC_BASE_URL` when it points at loopback (Claude Code
/// passes its environment on), else the config's address on loopback.
struct StatuslineTarget: Equatable {
    var url: String
    var display: String
    var key: String?

    init(config: SwitchboardConfig, environment: [String: String], port: Int?) {
        var url = EnvScript.clientURL(config)
        if let base = environment["ANTHROPIC_BASE_URL"], let parsed = URL(string: base), parsed.scheme == "http",
            let host = parsed.host, ["127.0.0.1", "localhost", "::1", "[::1]"].contains(host)
        {
            url = base.hasSuffix("/") ? String(base.dropLast()) : base
        }
        if let port, var components = URLComponents(string: url) {
            components.port = port
            url = components.string ?? url
        }
        self.url = url
        display = url.replacingOccurrences(of: "http://", with: "")
        let token = environment["ANTHROPIC_AUTH_TOKEN"] ?? environment["ANTHROPIC_API_KEY"]
        key = config.apiKey ?? token.flatMap { $0.isEmpty ? nil : $0 }
    }
}

/// What the statusline uses of Claude Code's JSON (every field optional: it changes often).
struct StatuslineInput: Equatable {
    var sessionID: String?
    var transcriptPath: String?
    var modelID: String?
    var modelName: String?
    var directory: String?

    init(json bytes: [UInt8]) {
        guard let json = try? JSONParser.parse(bytes) else { return }
        sessionID = json["session_id"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 }
        transcriptPath = json["transcript_path"]?.stringValue
        modelID = json["model"]?["id"]?.stringValue
        modelName = json["model"]?["display_name"]?.stringValue
        directory = json["workspace"]?["current_dir"]?.stringValue ?? json["cwd"]?.stringValue
    }
}

/// The last answer in a transcript, read from its tail only (transcripts grow to many MB).
enum TranscriptTail {
    struct Answer: Equatable {
        var model: String
        var contextTokens: Int
    }

    static let tailBytes = 256 * 1024

    static func lastAnswer(path: String) -> Answer? {
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        guard let size = try? handle.seekToEnd() else { return nil }
        let start = size > UInt64(tailBytes) ? size - UInt64(tailBytes) : 0
        guard (try? handle.seek(toOffset: start)) != nil, let data = try? handle.readToEnd() else { return nil }
        return lastAnswer(in: Array(data))
    }

    /// The last `assistant` record with usage among complete lines (a partial first line is skipped).
    static func lastAnswer(in bytes: [UInt8]) -> Answer? {
        let lines = bytes.split(separator: UInt8(ascii: "\n"))
        for line in lines.reversed() {
            guard line.count < 8 << 20, let record = try? JSONParser.parse(Array(line)),
                record["type"]?.stringValue == "assistant", let message = record["message"],
                let usage = message["usage"], let model = message["model"]?.stringValue
            else { continue }
            let tokens = ["input_tokens", "cache_read_input_tokens", "cache_creation_input_tokens", "output_tokens"]
                .reduce(0) { $0 + (usage[$1]?.intValue ?? 0) }
            return Answer(model: model, contextTokens: tokens)
        }
        return nil
    }
}

/// The line itself.
struct StatuslineText {
    var input: StatuslineInput
    var status: SessionStatus?
    var unavailable: String?
    var address: String
    var transcript: TranscriptTail.Answer?
    var config: SwitchboardConfig
    var unicode: Bool

    static func isUTF8(environment: [String: String]) -> Bool {
        let locale =
            [environment["LC_ALL"], environment["LC_CTYPE"], environment["LANG"]]
            .compactMap { $0 }.first { !$0.isEmpty } ?? ""
        let lowered = locale.lowercased()
        return lowered.contains("utf-8") || lowered.contains("utf8")
    }

    var separator: String { unicode ? " │ " : " | " }

    var line: String {
        var parts: [String] = []
        if let status, let last = status.last {
            let model = [last.provider, last.model].compactMap { $0 }.joined(separator: " ")
            parts.append(model + (last.route.map { " (\($0))" } ?? ""))
            // A request refused before any answer says nothing about the context.
            let tokens = last.status >= 400 && last.contextTokens == 0 ? nil : last.contextTokens
            parts.append(context(tokens: tokens, window: last.contextWindow, estimated: last.estimated))
            parts.append(totals(status))
            if let error = last.errorType, last.status >= 400 {
                parts.append((unicode ? "✗ " : "x ") + "last request: \(error)")
            }
        } else if let status {
            let next = status.defaultModel.map { "next: \($0.replacingOccurrences(of: ",", with: " ")) (default)" }
            parts.append(next ?? "no default route")
            parts.append(context(tokens: nil, window: status.defaultWindow, estimated: false))
            parts.append(status.requests > 0 ? totals(status) : "no requests yet")
        } else {
            if let transcript {
                let window = Self.window(model: transcript.model, config: config)
                parts.append("last answer: \(transcript.model)")
                parts.append(context(tokens: transcript.contextTokens, window: window, estimated: false))
            } else if let asked = input.modelName ?? input.modelID {
                parts.append("claude asked for \(asked)")
            }
            parts.append(unavailable ?? "switchboard not running at \(address)")
        }
        if let status {
            for warning in status.warnings.prefix(2) { parts.append((unicode ? "⚠ " : "! ") + warning) }
        }
        return parts.joined(separator: separator)
    }

    /// `ctx 45.2k/200k 23%`; `ctx 45.2k/? (window unknown)`.
    func context(tokens: Int?, window: Int?, estimated: Bool) -> String {
        let used = tokens.map { (estimated ? "~" : "") + Format.count($0) } ?? "-"
        guard let window, window > 0 else { return "ctx \(used)/? (window unknown)" }
        // (`used` is "-" when nothing is known yet.)
        guard let tokens else { return "ctx -/\(Format.count(window))" }
        let share = Int((Double(tokens) / Double(window) * 100).rounded())
        return "ctx \(used)/\(Format.count(window)) \(share)%"
    }

    /// `12 req · 301k in · 4.1k out · $0.42`.
    func totals(_ status: SessionStatus) -> String {
        let dot = unicode ? " · " : " - "
        var cost: String
        switch (status.costUSD, status.unpriced) {
        case (nil, _): cost = "cost -"
        case (let value?, 0): cost = Self.dollars(value)
        case (let value?, _): cost = ">=" + Self.dollars(value)
        }
        if status.costUSD == 0, status.unpriced == 0 { cost = "$0 (free)" }
        var text = "\(status.requests) req\(dot)\(Format.count(status.inputTokens + status.cacheReadTokens)) in"
        text += "\(dot)\(Format.count(status.outputTokens)) out\(dot)\(cost)"
        if status.errors > 0 { text += "\(dot)\(status.errors) err" }
        return text
    }

    static func dollars(_ value: Double) -> String {
        value < 0.01 && value > 0 ? String(format: "$%.4f", value) : String(format: "$%.2f", value)
    }

    /// The window of a model named as the proxy names answers (the model id, no provider).
    static func window(model: String, config: SwitchboardConfig) -> Int? {
        for provider in config.providers where provider.models.contains(model) {
            if let window = provider.contextWindow(model: model) { return window }
        }
        return ContextWindow.published(model: model)
    }
}
