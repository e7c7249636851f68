import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif
// On Linux `struct stat` and `timespec` reach Swift through CDispatch's module (MemberImportVisibility).
#if canImport(CDispatch)
    import CDispatch
#endif

/// Moves a session's files aside and back: everything Claude Code keeps for the session goes,
/// by `rename` (same file system, so bytes and times are kept), into
/// `<data dir>/switchboard-archive/<id>/files/<same relative path>`, with a manifest listing
/// each path, size and time. Restore puts every file back where it was. Nothing is deleted;
/// nothing outside the data directory is touched (a symbolic link moves as the link).
///
/// Atomic per session: the manifest is written first (`manifest.json.partial`), and if any
/// move fails the moves already made are undone; the manifest gets its final name only when
/// every file has moved. A crash in between leaves a partial manifest that `restore` reads.
public struct SessionArchive: Sendable {
    /// The Claude Code data directory whose sessions are archived and restored.
    public let directory: ClaudeDataDirectory

    /// An archive for the sessions in `directory`.
    public init(directory: ClaudeDataDirectory) { self.directory = directory }

    /// What was archived, and how to put it back.
    public struct Manifest: Sendable, Codable, Equatable {
        /// One moved path, as it was before the move.
        public struct Item: Sendable, Codable, Equatable {
            /// Relative to the data directory.
            public var path: String
            /// `file`, `directory` or `symlink`.
            public var kind: String
            /// Bytes (of every file under it, for a folder).
            public var bytes: Int64
            /// Modification time, seconds since 1970.
            public var modified: Double
        }

        /// The manifest's format version (1).
        public var version = 1
        /// The session id.
        public var id: String
        /// The session's working directory (its project).
        public var project: String
        /// The project folder under `projects/` the transcript lived in.
        public var folder: String
        /// When the session was archived (rounded to the second).
        public var archivedAt: Date
        /// Every path moved, relative to the data directory.
        public var items: [Item]
        /// Entries removed from `projects/<folder>/sessions-index.json` (as JSON text), put back on restore.
        public var indexEntries: [String]

        /// Total bytes of the items.
        public var bytes: Int64 { items.reduce(0) { $0 + $1.bytes } }
    }

    /// Why archiving or restoring a session was refused or failed.
    public enum Failure: Error, CustomStringConvertible, Equatable {
        /// The id is not a valid session id.
        case invalidID(String)
        /// The session is live and `force` was not given.
        case live(String)
        /// No transcript was found for the session.
        case notFound(String)
        /// The session already has a folder in the archive.
        case alreadyArchived(String)
        /// The archive holds no readable manifest for the session.
        case notArchived(String)
        /// A file a move would land on already exists (the associated value is its path).
        case occupied(String)
        /// The manifest names a path outside the data directory (the associated value is that path).
        case unsafePath(String)
        /// A file system operation failed (the associated value is the message).
        case io(String)

        /// A one-line message for the user.
        public var description: String {
            switch self {
            case .invalidID(let id): "\"\(id)\" is not a session id"
            case .live(let id):
                "session \(id) is live (written to or used in the last few minutes, or its Claude Code is running); "
                    + "--force archives it anyway"
            case .notFound(let id): "no transcript for session \(id)"
            case .alreadyArchived(let id): "session \(id) is already in the archive"
            case .notArchived(let id): "session \(id) is not in the archive"
            case .occupied(let path): "\(path) exists again: move it away first (nothing was changed)"
            case .unsafePath(let path): "the manifest names \(path), outside the data directory: refused"
            case .io(let message): message
            }
        }
    }

    func folder(for id: String) -> String { directory.archive + "/" + id }

    /// Archives `session` (refused when live unless `force`); returns the manifest.
    @discardableResult
    public func archive(_ session: SessionSummary, force: Bool = false) throws(Failure) -> Manifest {
        let id = session.id
        guard ClaudeDataDirectory.isValidSessionID(id) else { throw .invalidID(id) }
        if session.live && !force { throw .live(id) }
        let target = folder(for: id)
        let fileManager = FileManager.default
        if fileManager.fileExists(atPath: target) { throw .alreadyArchived(id) }
        let paths = directory.sessionPaths(id: id, folder: session.folder)
        guard paths.contains("projects/\(session.folder)/\(id).jsonl") else { throw .notFound(id) }
        let items = paths.map { path in Self.describe(directory.root + "/" + path, relative: path) }
        // The Claude Code index beside the transcripts (older versions keep one): drop the entry.
        let indexPath = directory.projects + "/" + session.folder + "/sessions-index.json"
        let index = SessionIndexFile.remove(id: id, at: indexPath)
        var manifest = Manifest(
            id: id,
            project: session.project,
            folder: session.folder,
            archivedAt: Date(),
            items: items,
            indexEntries: index?.removed ?? []
        )
        manifest.archivedAt = Date(timeIntervalSince1970: manifest.archivedAt.timeIntervalSince1970.rounded())
        do {
            try fileManager.createDirectory(atPath: target + "/files", withIntermediateDirectories: true)
            try Self.write(manifest, to: target + "/manifest.json.partial")
        } catch {
            try? fileManager.removeItem(atPath: target)
            throw .io("cannot write the archive's manifest in \(target): \(error)")
        }
        var moved: [String] = []
        do {
            for item in items {
                try Self.move(from: directory.root + "/" + item.path, to: target + "/files/" + item.path)
                moved.append(item.path)
            }
            if let index, !index.removed.isEmpty {
                if fileManager.fileExists(atPath: target + "/sessions-index.before.json") == false {
                    _ = fileManager.createFile(atPath: target + "/sessions-index.before.json", contents: index.original)
                }
                try Self.replace(indexPath, with: index.updated)
            }
            guard rename(target + "/manifest.json.partial", target + "/manifest.json") == 0 else {
                throw Failure.io("cannot rename the manifest: \(String(cString: strerror(errno)))")
            }
        } catch {
            // Put back what moved; then remove the (empty) archive folder and its manifest.
            for path in moved.reversed() {
                try? Self.move(from: target + "/files/" + path, to: directory.root + "/" + path)
            }
            if let index, !index.removed.isEmpty { try? Self.replace(indexPath, with: index.original) }
            Self.removeEmptyArchive(target)
            throw .io("archiving \(id) failed, nothing changed: \(error)")
        }
        return manifest
    }

    /// Puts an archived session back; refused (with nothing changed) when any of its paths is
    /// occupied again.
    @discardableResult
    public func restore(id: String) throws(Failure) -> Manifest {
        guard ClaudeDataDirectory.isValidSessionID(id) else { throw .invalidID(id) }
        let source = folder(for: id)
        guard let manifest = Self.readManifest(in: source) else { throw .notArchived(id) }
        let fileManager = FileManager.default
        for item in manifest.items {
            guard Self.isSafe(item.path) else { throw .unsafePath(item.path) }
        }
        // Only what is in the archive moves (a partial manifest may name files that never moved).
        let present = manifest.items.filter { Self.exists(source + "/files/" + $0.path) }
        for item in present where Self.exists(directory.root + "/" + item.path) {
            throw .occupied(directory.root + "/" + item.path)
        }
        var moved: [String] = []
        do {
            for item in present {
                try Self.move(from: source + "/files/" + item.path, to: directory.root + "/" + item.path)
                moved.append(item.path)
            }
        } catch {
            for path in moved.reversed() {
                try? Self.move(from: directory.root + "/" + path, to: source + "/files/" + path)
            }
            throw .io("restoring \(id) failed, nothing changed: \(error)")
        }
        if !manifest.indexEntries.isEmpty {
            let indexPath = directory.projects + "/" + manifest.folder + "/sessions-index.json"
            if let updated = SessionIndexFile.add(manifest.indexEntries, id: id, at: indexPath) {
                try? Self.replace(indexPath, with: updated)
            }
        }
        // The archive's own files (manifest, index copy) are Switchboard's: tidy them away.
        try? fileManager.removeItem(atPath: source + "/manifest.json")
        try? fileManager.removeItem(atPath: source + "/manifest.json.partial")
        try? fileManager.removeItem(atPath: source + "/sessions-index.before.json")
        Self.removeEmptyArchive(source)
        return manifest
    }

    /// The manifests of the archived sessions, newest first.
    public func archived() -> [Manifest] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.archive)) ?? []
        return names.compactMap { Self.readManifest(in: directory.archive + "/" + $0) }
            .sorted { $0.archivedAt > $1.archivedAt }
    }

    // MARK: - Files

    static func readManifest(in folder: String) -> Manifest? {
        for name in ["manifest.json", "manifest.json.partial"] {
            if let data = FileManager.default.contents(atPath: folder + "/" + name) {
                let decoder = JSONDecoder()
                decoder.dateDecodingStrategy = .iso8601
                return try? decoder.decode(Manifest.self, from: data)
            }
        }
        return nil
    }

    static func write(_ manifest: Manifest, to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        try encoder.encode(manifest).write(to: URL(fileURLWithPath: path))
    }

    /// A relative path that stays inside the data directory.
    static func isSafe(_ path: String) -> Bool {
        !path.isEmpty && !path.hasPrefix("/")
            && !path.split(separator: "/").contains(where: { $0 == ".." || $0 == "." })
    }

    static func exists(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0
    }

    static func describe(_ path: String, relative: String) -> Manifest.Item {
        var info = stat()
        _ = lstat(path, &info)
        let kind: String =
            switch info.st_mode & S_IFMT {
            case S_IFDIR: "directory"
            case S_IFLNK: "symlink"
            default: "file"
            }
        return Manifest.Item(
            path: relative,
            kind: kind,
            bytes: ExtraFiles.size(of: path),
            modified: SessionCatalog.seconds(info)
        )
    }

    /// `rename`, creating the destination's parent folders; refuses to replace anything.
    static func move(from source: String, to destination: String) throws {
        let parent = (destination as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true)
        if exists(destination) { throw Failure.occupied(destination) }
        guard rename(source, destination) == 0 else {
            throw Failure.io("cannot move \(source) to \(destination): \(String(cString: strerror(errno)))")
        }
    }

    /// Writes `data` to a temporary file beside `path` and renames it over `path`.
    static func replace(_ path: String, with data: Data) throws {
        let temporary = path + ".switchboard.tmp"
        try data.write(to: URL(fileURLWithPath: temporary))
        guard rename(temporary, path) == 0 else {
            try? FileManager.default.removeItem(atPath: temporary)
            throw Failure.io("cannot replace \(path): \(String(cString: strerror(errno)))")
        }
    }

    /// Removes the folders left empty under an archive folder (never a file).
    static func removeEmptyArchive(_ folder: String) {
        func prune(_ path: String) -> Bool {
            var info = stat()
            guard lstat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR else { return false }
            let children = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
            var empty = true
            for child in children where !prune(path + "/" + child) { empty = false }
            return empty && rmdir(path) == 0
        }
        _ = prune(folder)
    }
}

/// `projects/<folder>/sessions-index.json`, the index of a project's sessions some Claude Code
/// versions keep (`{"version": 1, "entries": [{"sessionId": …, "fullPath": …}, …]}`); the VS Code
/// extension's session list and `--resume`'s picker read it, and an entry whose transcript is
/// gone is what makes them offer a session that "No conversation found" answers.
enum SessionIndexFile {
    struct Removal {
        var original: Data
        var updated: Data
        var removed: [String]
    }

    /// The index without session `id`'s entries, or `nil` when there is no index (or no entry).
    static func remove(id: String, at path: String) -> Removal? {
        guard let data = FileManager.default.contents(atPath: path),
            case .object(var root)? = try? JSONParser.parse(Array(data)),
            case .array(let entries)? = root["entries"]
        else { return nil }
        var kept: [JSONValue] = []
        var removed: [String] = []
        for entry in entries {
            if entry["sessionId"]?.stringValue == id {
                var writer = JSONWriter()
                writer.value(entry)
                removed.append(writer.string)
            } else {
                kept.append(entry)
            }
        }
        guard !removed.isEmpty else { return nil }
        root["entries"] = .array(kept)
        var writer = JSONWriter()
        writer.value(.object(root))
        return Removal(original: data, updated: Data(writer.bytes), removed: removed)
    }

    /// The index with `entries` added back (unless an entry for `id` is there already).
    static func add(_ entries: [String], id: String, at path: String) -> Data? {
        guard let data = FileManager.default.contents(atPath: path),
            case .object(var root)? = try? JSONParser.parse(Array(data)),
            case .array(var current)? = root["entries"],
            !current.contains(where: { $0["sessionId"]?.stringValue == id })
        else { return nil }
        current.append(contentsOf: entries.compactMap { try? JSONParser.parse($0) })
        root["entries"] = .array(current)
        var writer = JSONWriter()
        writer.value(.object(root))
        return Data(writer.bytes)
    }
}
