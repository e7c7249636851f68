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

    /// Points file descriptor 2 at `path` (appending). Returns a duplicate of the original
    /// standard error to restore later, or `nil` when the file cannot be opened.
    static func redirectStandardError(to path: String) -> Int32? {
        let directory = (path as NSString).deletingLastPathComponent
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        if let size = (try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? UInt64, size > rolloverSize
        {
            try? FileManager.default.removeItem(atPath: path + ".1")
            try? FileManager.default.moveItem(atPath: path, toPath: path + ".1")
        }
        let file = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
        guard file >= 0 else { return nil }
        let saved = dup(2)
        dup2(file, 2)
        close(file)
        return saved
    }

    /// Puts the original standard error back.
    static func restoreStandardError(_ saved: Int32) {
        dup2(saved, 2)
        close(saved)
    }
}
