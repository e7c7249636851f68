import Foundation

/// Who sent a request and from where, as the ledger records it: the kind of client (from the
/// user agent and the `cc_entrypoint` in Claude Code's billing system block), Claude Code's
/// session id (`metadata.user_id`, which Claude Code sends as JSON with `session_id`) and the
/// working directory the request names ("Primary working directory: ...").
public struct RequestOrigin: Sendable, Equatable {
    /// `claude-code`, `vscode`, `sdk` or `other`.
    public var client: String
    /// The request's `User-Agent` header, cut to 200 characters; `nil` when absent.
    public var userAgent: String?
    /// Claude Code's session id from `metadata.user_id`; `nil` for other clients.
    public var sessionID: String?
    /// The directory after "Primary working directory:" in the request; `nil` when it names none.
    public var workingDirectory: String?

    /// An origin from its parts; the defaults are an unknown (`other`) client.
    public init(
        client: String = "other",
        userAgent: String? = nil,
        sessionID: String? = nil,
        workingDirectory: String? = nil
    ) {
        self.client = client
        self.userAgent = userAgent
        self.sessionID = sessionID
        self.workingDirectory = workingDirectory
    }

    /// Reads the origin from a parsed request and its user agent.
    init(request: MessagesRequest, userAgent: String?) {
        let entrypoint = Self.entrypoint(system: request.system)
        self.init(
            client: Self.classify(userAgent: userAgent, entrypoint: entrypoint),
            userAgent: userAgent.map { String($0.prefix(200)) },
            sessionID: Self.sessionID(metadata: request.body["metadata"]),
            workingDirectory: Self.workingDirectory(request)
        )
    }

    /// The `cc_entrypoint` value of Claude Code's billing block
    /// (`x-anthropic-billing-header: cc_version=…; cc_entrypoint=cli;`).
    static func entrypoint(system: [String]) -> String? {
        for block in system.prefix(3) where block.hasPrefix("x-anthropic-billing-header") {
            guard let range = block.range(of: "cc_entrypoint=") else { continue }
            let value = block[range.upperBound...].prefix { $0 != ";" && !$0.isWhitespace }
            return value.isEmpty ? nil : String(value)
        }
        return nil
    }

    /// The client kind: Claude Code's entrypoint when present, else the user agent.
    static func classify(userAgent: String?, entrypoint: String?) -> String {
        if let entrypoint {
            switch entrypoint {
            case "cli": return "claude-code"
            case "claude-vscode", "vscode": return "vscode"
            default: if entrypoint.hasPrefix("sdk") { return "sdk" }
            }
        }
        let agent = (userAgent ?? "").lowercased()
        if agent.hasPrefix("claude-cli/") {
            if agent.contains("claude-vscode") { return "vscode" }
            if agent.contains("sdk") { return "sdk" }
            return "claude-code"
        }
        if agent.hasPrefix("anthropic/") || agent.contains("anthropic-sdk") || agent.hasPrefix("anthropic-") {
            return "sdk"
        }
        return entrypoint == nil ? "other" : "claude-code"
    }

    /// `session_id` from Claude Code's JSON `metadata.user_id`, or the older
    /// `user_…_account__session_<id>` form.
    static func sessionID(metadata: JSONValue?) -> String? {
        guard let userID = metadata?["user_id"]?.stringValue, !userID.isEmpty else { return nil }
        if userID.hasPrefix("{"), let json = try? JSONParser.parse(Array(userID.utf8)),
            let session = json["session_id"]?.stringValue, !session.isEmpty
        {
            return String(session.prefix(100))
        }
        if let range = userID.range(of: "_session_") {
            let session = userID[range.upperBound...]
            return session.isEmpty ? nil : String(session.prefix(100))
        }
        return nil
    }

    private static let marker = "Primary working directory: "

    /// The directory after "Primary working directory: " in the system prompt or the first
    /// user message (Claude Code puts its environment block in either).
    static func workingDirectory(_ request: MessagesRequest) -> String? {
        for block in request.system {
            if let directory = directory(in: block) { return directory }
        }
        for message in request.messages.prefix(2) {
            for case .text(let text) in message.content {
                if let directory = directory(in: text) { return directory }
            }
        }
        return nil
    }

    static func directory(in text: String) -> String? {
        guard let range = text.range(of: marker) else { return nil }
        let value = text[range.upperBound...].prefix { $0 != "\n" && $0 != "\r" }
            .trimmingCharacters(in: .whitespaces)
        return value.isEmpty ? nil : String(value.prefix(500))
    }
}
