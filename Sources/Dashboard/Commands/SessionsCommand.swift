import ArgumentParser
import Foundation
import Proxy

/// `switchboard sessions`: Claude Code's sessions on disk joined with the ledger's traffic;
/// show one, archive, restore and prune.
struct SessionsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sessions",
        abstract: "Claude Code's sessions with their traffic and cost; archive, restore and prune them safely.",
        discussion: """
            Reads Claude Code's data directory ($CLAUDE_CONFIG_DIR, else ~/.claude) and the usage ledger.
            Archiving moves a session's files into <data dir>/switchboard-archive/ (nothing is deleted);
            restore puts them back exactly.

            Examples:
              switchboard sessions                          # newest first
              switchboard sessions list --since 7d --project ~/src/app --json
              switchboard sessions show 4818c222
              switchboard sessions archive 4818c222 0ea4dc3f
              switchboard sessions prune --older-than 30d --larger-than 50MB --dry-run
            """,
        subcommands: [
            SessionsList.self, SessionsShow.self, SessionsArchive.self, SessionsRestore.self, SessionsPrune.self,
        ],
        defaultSubcommand: SessionsList.self
    )
}

/// The options every `sessions` command shares: the config (for the ledger) and the data directory.
struct SessionsOptions: ParsableArguments {
    @OptionGroup var configOptions: ConfigOptions

    @Option(name: .long, help: "Claude Code's data directory (default: $CLAUDE_CONFIG_DIR, else ~/.claude).")
    var claudeDir: String?

    @Flag(name: .long, help: "Do not use or update the scan cache (~/.cache/switchboard/sessions.json).")
    var noCache = false

    var directory: ClaudeDataDirectory {
        claudeDir.map { ClaudeDataDirectory(root: ($0 as NSString).expandingTildeInPath) } ?? ClaudeDataDirectory()
    }

    /// The ledger's query, when the config names a SQLite ledger that exists. A config that
    /// cannot be read only costs the traffic columns (with a warning).
    func ledger() -> UsageQuery? {
        let config: SwitchboardConfig
        do {
            config = try ConfigLoader().load(explicitPath: configOptions.config)
        } catch {
            Console.error("switchboard: sessions: config error (listing without the ledger): \(error)")
            return nil
        }
        guard let path = config.usage.localPath(), FileManager.default.fileExists(atPath: path) else { return nil }
        do {
            return try UsageQuery(path: path)
        } catch {
            Console.error("switchboard: sessions: cannot read the ledger \(path): \(error)")
            return nil
        }
    }

    /// Every session on disk with its traffic.
    func listing(now: Date = Date()) -> (listing: SessionCatalog.Listing, ledger: UsageQuery?) {
        let ledger = ledger()
        var traffic: [String: SessionTraffic] = [:]
        if let ledger {
            do {
                traffic = try ledger.sessionTraffic()
            } catch {
                Console.error("switchboard: sessions: cannot read the ledger: \(error)")
            }
        }
        let catalog = SessionCatalog(directory: directory, cachePath: noCache ? nil : SessionScanCache.defaultPath())
        return (catalog.list(now: now, traffic: traffic), ledger)
    }

    /// The sessions named by `ids` (full ids or unique prefixes); exits 1 naming any not found.
    func resolve(_ ids: [String], in sessions: [SessionSummary]) throws -> [SessionSummary] {
        var found: [SessionSummary] = []
        var missing: [String] = []
        for id in ids {
            if let session = SessionCatalog.find(id, in: sessions) { found.append(session) } else { missing.append(id) }
        }
        if !missing.isEmpty {
            Console.error(
                "switchboard: sessions: no session (or more than one) matches \(missing.joined(separator: ", "))"
            )
            throw ExitCode(1)
        }
        return found
    }
}

struct SessionsList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "The sessions, newest first: project, entrypoint, messages, size, requests, tokens, cost."
    )

    @OptionGroup var options: SessionsOptions

    @Option(name: .long, help: "Only sessions of this working directory.")
    var project: String?

    @Option(name: .long, help: "Only sessions active since: 24h, 7d, 30d, or a date such as 2026-11-01.")
    var since: String?

    @Flag(name: .long, help: "One JSON object per session, one per line.")
    var json = false

    func validate() throws {
        if let since, StatsTime.parse(since) == nil {
            throw ValidationError("--since: \"\(since)\" is not 24h, 7d, 30d or a date")
        }
    }

    func run() async throws {
        let now = Date()
        var sessions = options.listing(now: now).listing.sessions
        if let since, let start = StatsTime.parse(since, now: now) {
            sessions = sessions.filter { $0.lastActivity >= start }
        }
        if let project {
            let wanted = ((project as NSString).expandingTildeInPath as NSString).standardizingPath
            let absolute = wanted.hasPrefix("/") ? wanted : FileManager.default.currentDirectoryPath + "/" + wanted
            let folder = ClaudeDataDirectory.folderName(forProject: absolute)
            sessions = sessions.filter { $0.project == absolute || $0.folder == folder }
        }
        if json {
            if !sessions.isEmpty { Console.out(SessionFormat.jsonLines(sessions)) }
        } else {
            Console.out(SessionFormat.table(sessions, now: now))
        }
    }
}

struct SessionsShow: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "One session: its summary, its turns with the model that really answered, and how to resume it."
    )

    @OptionGroup var options: SessionsOptions

    @Argument(help: "The session id (or a unique prefix).")
    var id: String

    func run() async throws {
        let (listing, ledger) = options.listing()
        guard let session = try options.resolve([id], in: listing.sessions).first else { throw ExitCode(1) }
        var rows: [UsageRow] = []
        if let ledger {
            rows = (try? ledger.rows(session: session.id)) ?? []
        }
        let turns = SessionTurns.read(path: session.transcriptPath, rows: rows)
        Console.out(SessionFormat.show(session, turns: turns))
    }
}
