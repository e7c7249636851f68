import Foundation

/// One Claude Code session as a listing shows it: what its transcript says (read from its
/// head and tail only) joined with what the proxy saw of it.
public struct SessionSummary: Sendable, Equatable {
    /// The session id (the transcript's file name without `.jsonl`).
    public var id: String
    /// The working directory (the transcript's `cwd`; else the project folder's name).
    public var project: String
    /// The project folder under `projects/` the transcript lives in.
    public var folder: String
    /// The transcript's path.
    public var transcriptPath: String
    /// The session's first prompt, on one line; `nil` when none was found in the head.
    public var firstPrompt: String?
    /// The latest prompt found in the tail, on one line; `nil` when none was found.
    public var lastPrompt: String?
    /// User and assistant records in the transcript.
    public var messages: Int
    /// Bytes on disk of everything Claude Code keeps for the session.
    public var bytes: Int64
    /// The first timestamp read from the transcript; `nil` when none was found.
    public var started: Date?
    /// The transcript's modification time, or the proxy's latest request for the session if later.
    public var lastActivity: Date
    /// `cli`, `sdk-cli`, `claude-vscode`, … as Claude Code writes it.
    public var entrypoint: String?
    /// The git branch the session was last seen on; `nil` when the transcript names none.
    public var gitBranch: String?
    /// The Claude Code version that wrote the transcript; `nil` when it names none.
    public var version: String?
    /// Whether the session is in use: recently written to or seen by the proxy, or its Claude Code is running.
    public var live: Bool
    /// Lines that were not JSON, and records of a type this reader does not know (skipped).
    public var malformedLines: Int
    /// Records of a type this reader does not know (skipped).
    public var unknownRecords: Int
    /// The proxy's side, when the ledger (or this run) saw the session.
    public var traffic: SessionTraffic?

    /// A summary with the given fields; the optional ones default to empty.
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
    /// Requests the proxy handled for the session.
    public var requests = 0
    /// Requests that ended with a status outside 200–299.
    public var errors = 0
    /// Input tokens, not counting cache reads.
    public var inputTokens = 0
    /// Output tokens.
    public var outputTokens = 0
    /// Input tokens read from the provider's cache.
    public var cacheReadTokens = 0
    /// USD of the priced requests; `nil` when none had a known price.
    public var costUSD: Double?
    /// `provider,model` that answered, most requests first.
    public var models: [String] = []
    /// When the earliest request started; `nil` when there were none.
    public var firstRequest: Date?
    /// When the latest request started; `nil` when there were none.
    public var lastRequest: Date?
    /// The project the requests named (Claude Code's working directory).
    public var project: String?
    /// `claude-code`, `vscode`, `sdk`.
    public var client: String?

    /// No traffic: every count zero, every optional `nil`.
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
