import Foundation

/// The dashboard's log file: while the screen belongs to ncurses, standard error (swift-log,
/// and anything a library prints) goes here instead.
enum LogFile {
    /// An oversized log is rolled over to `.1` when the dashboard starts.
    static let rolloverSize: UInt64 = 10 * 1024 * 1024

    /// `$XDG_STATE_HOME/switchboard/switchboard.log` (default `~/.local/state/…`).
    static func defaultPath(environment: [String: String], home: String) -> String {
        let base = environment["XDG_STATE_HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? home + "/.local/state"
        return base + "/switchboard/switchboard.log"
    }

    /// Points file descriptor 2 at `path` (appending), or, when another running instance holds
    /// that log, at `name-2.log`, `name-3.log`…: each instance writes its own log. Returns a
    /// duplicate of the original standard error to restore later and the path in use, or `nil`
    /// when no file can be opened.
    static func redirectStandardError(to path: String) -> (saved: Int32, path: String)? {
        let directory = (path as NSString).deletingLastPathComponent
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        for candidate in candidates(for: path) {
            guard let file = openLocked(candidate) else { continue }
            let saved = dup(2)
            // The lock belongs to the open file, which descriptor 2 now shares: it is held
            // until the process exits.
            dup2(file, 2)
            close(file)
            return (saved, candidate)
        }
        return nil
    }

    /// `path`, then `name-2.ext` … `name-9.ext`.
    static func candidates(for path: String) -> [String] {
        let base = (path as NSString).deletingPathExtension
        let ext = (path as NSString).pathExtension
        return [path] + (2...9).map { ext.isEmpty ? "\(base)-\($0)" : "\(base)-\($0).\(ext)" }
    }

    /// Opens `path` for appending with an exclusive lock, rolling an oversized log over to
    /// `.1` first; `nil` when another process holds it or it cannot be opened.
    static func openLocked(_ path: String) -> Int32? {
        var file = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
        guard file >= 0 else { return nil }
        guard flock(file, LOCK_EX | LOCK_NB) == 0 else {
            close(file)
            return nil
        }
        if let size = (try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? UInt64, size > rolloverSize
        {
            try? FileManager.default.removeItem(atPath: path + ".1")
            try? FileManager.default.moveItem(atPath: path, toPath: path + ".1")
            let fresh = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
            if fresh >= 0, flock(fresh, LOCK_EX | LOCK_NB) == 0 {
                close(file)
                file = fresh
            } else if fresh >= 0 {
                close(fresh)
            }
        }
        return file
    }

    /// Puts the original standard error back.
    static func restoreStandardError(_ saved: Int32) {
        dup2(saved, 2)
        close(saved)
    }
}
