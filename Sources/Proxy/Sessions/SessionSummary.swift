import Foundation

/// One Claude Code session as a listing shows it: what its transcript says (read from its
/// head and tail only) joined with what the proxy saw of it.
public struct SessionSummary: Sendable, Equatable {
    public var id: String
    /// The working directory (the transcript's `cwd`; else the project folder's name).
    public var project: String
    /// The project folder under `projects/` the transcript lives in.
    public var folder: String
    /// The transcript's path.
    public var transcriptPath: String
    public var firstPrompt: String?
    public var lastPrompt: String?
    /// User and assistant records in the transcript.
    public var messages: Int
    /// Bytes on disk of everything Claude Code keeps for the session.
    public var bytes: Int64
    public var started: Date?
    public var lastActivity: Date
    /// `cli`, `sdk-cli`, `claude-vscode`, … as Claude Code writes it.
    public var entrypoint: String?
    public var gitBranch: String?
    public var version: String?
    public var live: Bool
    /// Lines that were not JSON, and records of a type this reader does not know (skipped).
    public var malformedLines: Int
    public var unknownRecords: Int
    /// The proxy's side, when the ledger (or this run) saw the session.
    public var traffic: SessionTraffic?

    public init(
        id: String,
        project: String,
        folder: String,
        transcriptPath: String,
        firstPrompt: String? = nil,
        lastPrompt: String? = nil,
        messages: Int = 0,
        bytes: Int64 = 0,
        started: Date? = nil,
        lastActivity: Date,
        entrypoint: String? = nil,
        gitBranch: String? = nil,
        version: String? = nil,
        live: Bool = false,
        malformedLines: Int = 0,
        unknownRecords: Int = 0,
        traffic: SessionTraffic? = nil
    ) {
        self.id = id
        self.project = project
        self.folder = folder
        self.transcriptPath = transcriptPath
        self.firstPrompt = firstPrompt
        self.lastPrompt = lastPrompt
        self.messages = messages
        self.bytes = bytes
        self.started = started
        self.lastActivity = lastActivity
        self.entrypoint = entrypoint
        self.gitBranch = gitBranch
        self.version = version
        self.live = live
        self.malformedLines = malformedLines
        self.unknownRecords = unknownRecords
        self.traffic = traffic
    }

    /// The command that resumes the session where it was started.
    public var resumeCommand: String {
        "cd \(ShellQuote.quote(project)) && claude --resume \(id)"
    }
}

/// What the proxy saw of one session: from the usage ledger, or from this run's requests.
public struct SessionTraffic: Sendable, Equatable {
    public var requests = 0
    public var errors = 0
    public var inputTokens = 0
    public var outputTokens = 0
    public var cacheReadTokens = 0
    /// USD of the priced requests; `nil` when none had a known price.
    public var costUSD: Double?
    /// `provider,model` that answered, most requests first.
    public var models: [String] = []
    public var firstRequest: Date?
    public var lastRequest: Date?
    /// The project the requests named (Claude Code's working directory).
    public var project: String?
    /// `claude-code`, `vscode`, `sdk`.
    public var client: String?

    public init() {}
}

/// Quoting for a POSIX shell, only when needed.
enum ShellQuote {
    static func quote(_ text: String) -> String {
        let plain = text.unicodeScalars.allSatisfy {
            $0.isASCII && (CharacterSet.alphanumerics.contains($0) || "/._-+:@%=,".unicodeScalars.contains($0))
        }
        if plain && !text.isEmpty { return text }
        return "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
