import Foundation
import Proxy

/// The files `setup` changes: each is backed up before its first change, written atomically
/// with its permissions kept, and listed in a manifest so `setup --undo` can put them back.
/// Nothing is deleted: undo moves setup's version aside before restoring the backup.
struct SetupFiles {
    /// `~/.config/switchboard/setup-backups.json`.
    let manifestPath: String
    var now: () -> Date = Date.init

    init(home: String) {
        manifestPath = home + "/.config/switchboard/setup-backups.json"
    }

    /// One changed file: where it is and where its state before setup was kept (nil: it did not exist).
    struct Record: Equatable {
        var path: String
        var backup: String?
    }

    func records() -> [Record] {
        guard let data = FileManager.default.contents(atPath: manifestPath), let json = try? JSONParser.parse(data)
        else {
            return []
        }
        return (json["files"]?.arrayValue ?? []).compactMap { item in
            guard let path = item["path"]?.stringValue else { return nil }
            return Record(path: path, backup: item["backup"]?.stringValue)
        }
    }

    func saveRecords(_ records: [Record]) throws {
        let items: [JSONValue] = records.map {
            ["path": .string($0.path), "backup": $0.backup.map(JSONValue.string) ?? .null]
        }
        let document: JSONValue = ["version": 1, "files": .array(items)]
        try FileManager.default.createDirectory(
            atPath: (manifestPath as NSString).deletingLastPathComponent,
            withIntermediateDirectories: true
        )
        try Data((JSONEditorRender.pretty(document) + "\n").utf8).write(
            to: URL(fileURLWithPath: manifestPath),
            options: .atomic
        )
    }

    var stamp: String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd-HHmmss"
        return formatter.string(from: now())
    }

    /// Writes `text` to `path` (backing up what was there the first time setup touches it).
    /// - Parameter mode: the permissions of a new file; an existing file keeps its own.
    func write(_ text: String, to path: String, mode: Int = 0o644) throws {
        let manager = FileManager.default
        var records = records()
        if !records.contains(where: { $0.path == path }) {
            var backup: String?
            if manager.fileExists(atPath: path) {
                let copy = "\(path).switchboard-backup-\(stamp)"
                try manager.copyItem(atPath: path, toPath: copy)
                backup = copy
            }
            records.append(Record(path: path, backup: backup))
            try saveRecords(records)
        }
        let existingMode = (try? manager.attributesOfItem(atPath: path))?[.posixPermissions] as? Int
        try manager.createDirectory(
            atPath: (path as NSString).deletingLastPathComponent,
            withIntermediateDirectories: true
        )
        // Written beside the file, then renamed over it: a crash leaves the old file or the new one.
        let temporary = "\(path).switchboard-new"
        guard
            manager.createFile(
                atPath: temporary,
                contents: Data(text.utf8),
                attributes: [.posixPermissions: existingMode ?? mode]
            )
        else { throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: temporary]) }
        if rename(temporary, path) != 0 {
            try? manager.removeItem(atPath: temporary)
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path])
        }
    }

    /// Puts every file back as it was before setup; returns what it did, one line each.
    func undo() throws -> [String] {
        let manager = FileManager.default
        var done: [String] = []
        let records = records()
        for record in records.reversed() {
            if manager.fileExists(atPath: record.path) {
                let aside = "\(record.path).switchboard-undone-\(stamp)"
                try manager.moveItem(atPath: record.path, toPath: aside)
                done.append("\(record.path): setup's version moved to \(aside)")
            }
            if let backup = record.backup {
                try manager.copyItem(atPath: backup, toPath: record.path)
                done.append("\(record.path): restored from \(backup)")
            } else {
                done.append("\(record.path): did not exist before setup")
            }
        }
        try saveRecords([])
        return done
    }
}

/// Pretty JSON text for files setup writes.
enum JSONEditorRender {
    static func pretty(_ value: JSONValue) -> String {
        JSONCEditor.render(value, indent: "", step: "  ")
    }
}
