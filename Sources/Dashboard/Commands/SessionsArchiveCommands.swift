import ArgumentParser
import Foundation
import Proxy

/// `switchboard sessions archive ID...`: moves sessions into the archive (live ones only with --force).
struct SessionsArchive: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "archive",
        abstract: "Move sessions into <data dir>/switchboard-archive/ (restore puts them back exactly)."
    )

    @OptionGroup var options: SessionsOptions

    @Flag(name: .long, help: "Archive even a live session (written to or used in the last few minutes).")
    var force = false

    @Argument(help: "Session ids (or unique prefixes).")
    var ids: [String]

    func run() async throws {
        let sessions = try options.resolve(ids, in: options.listing().listing.sessions)
        let archive = SessionArchive(directory: options.directory)
        var failed = false
        for session in sessions {
            do {
                let manifest = try archive.archive(session, force: force)
                Console.out(
                    "archived \(session.id) (\(manifest.items.count) path\(manifest.items.count == 1 ? "" : "s"), "
                        + "\(SessionFormat.bytes(manifest.bytes))); restore with: switchboard sessions restore \(session.id)"
                )
            } catch {
                Console.error("switchboard: sessions archive: \(error)")
                failed = true
            }
        }
        if failed { throw ExitCode(1) }
    }
}

/// `switchboard sessions restore ID...`: puts archived sessions back.
struct SessionsRestore: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore",
        abstract: "Put archived sessions back where they were (same paths, bytes and times)."
    )

    @OptionGroup var options: SessionsOptions

    @Argument(help: "Archived session ids (or unique prefixes); none: list the archive.")
    var ids: [String] = []

    func run() async throws {
        let archive = SessionArchive(directory: options.directory)
        let archived = archive.archived()
        if ids.isEmpty {
            if archived.isEmpty { Console.out("the archive is empty (\(options.directory.archive))") }
            for manifest in archived {
                Console.out(
                    "\(manifest.id)  archived \(ISO8601DateFormatter().string(from: manifest.archivedAt))  "
                        + "\(SessionFormat.bytes(manifest.bytes))  \(manifest.project)"
                )
            }
            return
        }
        var failed = false
        for id in ids {
            let matches = archived.filter { $0.id == id || $0.id.hasPrefix(id) }
            let full = matches.first(where: { $0.id == id })?.id ?? (matches.count == 1 ? matches[0].id : id)
            do {
                let manifest = try archive.restore(id: full)
                Console.out(
                    "restored \(manifest.id): \(SessionFormat.bytes(manifest.bytes)) back in \(options.directory.root)"
                )
            } catch {
                Console.error("switchboard: sessions restore: \(error)")
                failed = true
            }
        }
        if failed { throw ExitCode(1) }
    }
}

/// `switchboard sessions prune --older-than 30d [--larger-than 50MB] [--dry-run]`: archives old sessions.
struct SessionsPrune: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prune",
        abstract: "Archive sessions idle for longer than --older-than (and at least --larger-than); never deletes."
    )

    @OptionGroup var options: SessionsOptions

    @Option(name: .long, help: "Idle for longer than: 30d, 12h, 2w.")
    var olderThan: String

    @Option(name: .long, help: "Only sessions at least this big: 50MB, 1GB, 800KB.")
    var largerThan: String?

    @Flag(name: .long, help: "List what would be archived and the bytes freed; change nothing.")
    var dryRun = false

    func validate() throws {
        guard let unit = olderThan.last, "mhdw".contains(unit), StatsTime.parse(olderThan) != nil else {
            throw ValidationError("--older-than: \"\(olderThan)\" is not a duration such as 30d, 12h or 2w")
        }
        if let largerThan, SessionFormat.parseBytes(largerThan) == nil {
            throw ValidationError("--larger-than: \"\(largerThan)\" is not a size such as 50MB")
        }
    }

    func run() async throws {
        let now = Date()
        let cutoff = StatsTime.parse(olderThan, now: now) ?? now
        let minimum = largerThan.flatMap(SessionFormat.parseBytes) ?? 0
        let candidates = options.listing(now: now).listing.sessions.filter {
            !$0.live && $0.lastActivity < cutoff && $0.bytes >= minimum
        }
        let total = candidates.reduce(Int64(0)) { $0 + $1.bytes }
        if candidates.isEmpty {
            Console.out("nothing to prune")
            return
        }
        let archive = SessionArchive(directory: options.directory)
        var freed: Int64 = 0
        var failed = false
        for session in candidates {
            let line =
                "\(session.id)  \(SessionFormat.age(session.lastActivity, now: now)) idle  "
                + "\(SessionFormat.bytes(session.bytes))  \(session.project)"
            if dryRun {
                Console.out("would archive " + line)
                continue
            }
            do {
                try archive.archive(session)
                freed += session.bytes
                Console.out("archived " + line)
            } catch {
                Console.error("switchboard: sessions prune: \(error)")
                failed = true
            }
        }
        if dryRun {
            Console.out(
                "\(candidates.count) session\(candidates.count == 1 ? "" : "s"), \(SessionFormat.bytes(total)) "
                    + "(\(total) bytes) would move to \(options.directory.archive); nothing changed (--dry-run)"
            )
        } else {
            Console.out(
                "moved \(SessionFormat.bytes(freed)) to \(options.directory.archive) (restore with: switchboard sessions restore ID)"
            )
        }
        if failed { throw ExitCode(1) }
    }
}
