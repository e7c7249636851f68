import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif
// On Linux `struct stat` and `timespec` reach Swift through CDispatch's module (MemberImportVisibility).
#if canImport(CDispatch)
    import CDispatch
#endif

/// The sessions in Claude Code's data directory, listed lazily (`stat`, the transcript's head
/// and tail, and a cache for message counts), and joined with what the proxy saw.
public struct SessionCatalog: Sendable {
    /// The Claude Code data directory whose sessions are listed.
    public let directory: ClaudeDataDirectory
    /// Where the scan cache lives; `nil`: no cache (every listing reads the files).
    public var cachePath: String?
    /// A session is live when written to, or seen by the proxy, this recently (or when a
    /// running Claude Code's `sessions/<pid>.json` names it).
    public var liveWindow: TimeInterval = 300

    /// A catalog of `directory`'s sessions, caching scans at `cachePath` (`nil`: no cache).
    public init(directory: ClaudeDataDirectory, cachePath: String? = nil) {
        self.directory = directory
        self.cachePath = cachePath
    }

    /// Every session on disk, newest first.
    public struct Listing: Sendable, Equatable {
        /// The sessions, newest first.
        public var sessions: [SessionSummary]
        /// Malformed lines among those read, summed over the sessions (see ``TranscriptScan``).
        public var malformedLines: Int
        /// Records of an unknown type, summed over the sessions.
        public var unknownRecords: Int
    }

    /// Lists the sessions; `traffic` is the proxy's side by session id (from the ledger, or
    /// this run's requests).
    public func list(now: Date = Date(), traffic: [String: SessionTraffic] = [:]) -> Listing {
        let fileManager = FileManager.default
        var cache = cachePath.map(SessionScanCache.load) ?? SessionScanCache()
        var cacheChanged = false
        let extras = ExtraFiles(directory: directory)
        let liveIDs = liveMarkerSessions()
        // First the directory walk and a `stat` per transcript; then the transcripts the cache
        // does not know (or that grew) are read, in parallel: each is independent, and a cold
        // listing of thousands is bound by reading and parsing.
        struct Found {
            let id: String
            let folder: String
            let folderPath: String
            let subfolders: Set<String>
            let path: String
            let size: Int64
            let modified: Double
        }
        var found: [Found] = []
        var seenPaths = Set<String>()
        let folders = (try? fileManager.contentsOfDirectory(atPath: directory.projects)) ?? []
        for folder in folders.sorted() {
            let folderPath = directory.projects + "/" + folder
            guard let names = try? fileManager.contentsOfDirectory(atPath: folderPath) else { continue }
            let subfolders = Set(names.filter { !$0.hasSuffix(".jsonl") })
            for name in names where name.hasSuffix(".jsonl") {
                let id = String(name.dropLast(6))
                guard ClaudeDataDirectory.isValidSessionID(id) else { continue }
                let path = folderPath + "/" + name
                var info = stat()
                guard stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { continue }
                seenPaths.insert(path)
                found.append(
                    Found(
                        id: id,
                        folder: folder,
                        folderPath: folderPath,
                        subfolders: subfolders,
                        path: path,
                        size: Int64(info.st_size),
                        modified: Self.seconds(info)
                    )
                )
            }
        }
        let stale = found.indices.filter { index in
            let file = found[index]
            guard let cached = cache.entries[file.path] else { return true }
            return cached.size != file.size || cached.modified != file.modified
        }
        let files = found
        let previous = cache.entries
        let scanned = Mutex<[SessionScanCache.Entry?]>(Array(repeating: nil, count: stale.count))
        // More readers than cores (threads of their own, not the cooperative pool's): a listing
        // from a cold disk waits on reads as much as it computes.
        let next = Atomic<Int>(0)
        let workers = min(stale.count, 4 * ProcessInfo.processInfo.activeProcessorCount)
        let queue = DispatchQueue(label: "switchboard.sessions.scan", attributes: .concurrent)
        let group = DispatchGroup()
        for _ in 0..<workers {
            queue.async(group: group) {
                while true {
                    let slot = next.add(1, ordering: .relaxed).oldValue
                    guard slot < stale.count else { return }
                    let file = files[stale[slot]]
                    let entry = Self.entry(
                        path: file.path,
                        size: file.size,
                        modified: file.modified,
                        cached: previous[file.path]
                    )
                    scanned.withLock { $0[slot] = entry }
                }
            }
        }
        group.wait()
        let entries = scanned.withLock { $0 }
        for (slot, index) in stale.enumerated() {
            cache.entries[found[index].path] = entries[slot]
            cacheChanged = true
        }
        var sessions: [SessionSummary] = []
        sessions.reserveCapacity(found.count)
        for file in found {
            guard let entry = cache.entries[file.path] else { continue }
            let scan = entry.scan
            let id = file.id
            let lastWrite = Date(timeIntervalSince1970: file.modified)
            var summary = SessionSummary(
                id: id,
                project: scan.cwd ?? file.folder,
                folder: file.folder,
                transcriptPath: file.path,
                firstPrompt: scan.firstPrompt,
                lastPrompt: scan.lastPrompt,
                messages: entry.messages,
                bytes: file.size + extras.bytes(id: id, folderPath: file.folderPath, subfolders: file.subfolders),
                started: scan.started,
                // The transcript is append-only and written as the session goes, so its modification
                // time is its last activity (and survives archive and restore, unlike a copy's).
                lastActivity: lastWrite,
                entrypoint: scan.entrypoint,
                gitBranch: scan.gitBranch,
                version: scan.version,
                malformedLines: scan.malformedLines,
                unknownRecords: scan.unknownRecords,
                traffic: traffic[id]
            )
            if let last = summary.traffic?.lastRequest, last > summary.lastActivity { summary.lastActivity = last }
            summary.live =
                liveIDs.contains(id) || now.timeIntervalSince(lastWrite) < liveWindow
                || (summary.traffic?.lastRequest.map { now.timeIntervalSince($0) < liveWindow } ?? false)
            sessions.append(summary)
        }
        if let cachePath {
            let before = cache.entries.count
            cache.entries = cache.entries.filter {
                seenPaths.contains($0.key) || !$0.key.hasPrefix(directory.projects + "/")
            }
            if cacheChanged || cache.entries.count != before { cache.save(path: cachePath) }
        }
        sessions.sort { $0.lastActivity != $1.lastActivity ? $0.lastActivity > $1.lastActivity : $0.id < $1.id }
        return Listing(
            sessions: sessions,
            malformedLines: sessions.reduce(0) { $0 + $1.malformedLines },
            unknownRecords: sessions.reduce(0) { $0 + $1.unknownRecords }
        )
    }

    /// What a listing learns about one transcript: from `cached` when the file only grew since
    /// (the new bytes counted, the tail read again), else from a fresh scan and count.
    static func entry(
        path: String,
        size: Int64,
        modified: Double,
        cached: SessionScanCache.Entry?
    ) -> SessionScanCache.Entry {
        if let cached, cached.size < size, cached.modified <= modified, cached.scan.firstPrompt != nil {
            // Appended to: count the new bytes, read the new tail.
            var scan = TranscriptReader.scan(path: path, size: size)
            scan.firstPrompt = cached.scan.firstPrompt
            scan.started = cached.scan.started ?? scan.started
            let counted = TranscriptReader.countMessages(path: path, from: cached.size)
            return .init(size: size, modified: modified, scan: scan, messages: cached.messages + counted.messages)
        }
        let scan = TranscriptReader.scan(path: path, size: size)
        let messages = scan.wholeFile ? scan.parsedMessages : TranscriptReader.countMessages(path: path).messages
        return .init(size: size, modified: modified, scan: scan, messages: messages)
    }

    /// The session whose id is `id` or starts with `id` (unique prefix), from `listing`.
    public static func find(_ id: String, in sessions: [SessionSummary]) -> SessionSummary? {
        if let exact = sessions.first(where: { $0.id == id }) { return exact }
        let matches = sessions.filter { $0.id.hasPrefix(id) }
        return matches.count == 1 ? matches[0] : nil
    }

    /// Session ids named by a running Claude Code's `sessions/<pid>.json` whose process is alive.
    public func liveMarkerSessions() -> Set<String> {
        var result = Set<String>()
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory.liveMarkers) else {
            return result
        }
        for name in names where name.hasSuffix(".json") {
            guard let data = FileManager.default.contents(atPath: directory.liveMarkers + "/" + name),
                data.count < 1_000_000,
                let marker = try? JSONParser.parse(Array(data)),
                let id = marker["sessionId"]?.stringValue
            else { continue }
            if let pid = marker["pid"]?.intValue, pid > 0, pid < Int(Int32.max) {
                if kill(pid_t(pid), 0) == 0 || errno == EPERM { result.insert(id) }
            }
        }
        return result
    }

    static func seconds(_ info: stat) -> Double {
        #if canImport(Darwin)
            Double(info.st_mtimespec.tv_sec) + Double(info.st_mtimespec.tv_nsec) / 1e9
        #else
            Double(info.st_mtim.tv_sec) + Double(info.st_mtim.tv_nsec) / 1e9
        #endif
    }
}

/// The per-session folders and files beside the transcripts, listed once per listing so a
/// session's size costs a lookup, not a `stat` per possible path.
struct ExtraFiles {
    let root: String
    let fileHistory: Set<String>
    let sessionEnv: Set<String>
    let tasks: Set<String>
    let debug: Set<String>
    let todos: [String: [String]]

    init(directory: ClaudeDataDirectory) {
        root = directory.root
        func names(_ folder: String) -> [String] {
            (try? FileManager.default.contentsOfDirectory(atPath: directory.root + "/" + folder)) ?? []
        }
        fileHistory = Set(names("file-history"))
        sessionEnv = Set(names("session-env"))
        tasks = Set(names("tasks"))
        debug = Set(names("debug"))
        var todos: [String: [String]] = [:]
        for name in names("todos") where name.hasSuffix(".json") {
            let base = name.dropLast(5)
            let id = base.range(of: "-agent-").map { String(base[..<$0.lowerBound]) } ?? String(base)
            todos[id, default: []].append(name)
        }
        self.todos = todos
    }

    func bytes(id: String, folderPath: String, subfolders: Set<String>) -> Int64 {
        var total: Int64 = 0
        if subfolders.contains(id) { total += Self.size(of: folderPath + "/" + id) }
        if fileHistory.contains(id) { total += Self.size(of: root + "/file-history/" + id) }
        if sessionEnv.contains(id) { total += Self.size(of: root + "/session-env/" + id) }
        if tasks.contains(id) { total += Self.size(of: root + "/tasks/" + id) }
        if debug.contains(id + ".txt") { total += Self.size(of: root + "/debug/" + id + ".txt") }
        for name in todos[id] ?? [] { total += Self.size(of: root + "/todos/" + name) }
        return total
    }

    /// Bytes of a file, or of every file under a folder (symbolic links are not followed).
    static func size(of path: String) -> Int64 {
        var info = stat()
        guard lstat(path, &info) == 0 else { return 0 }
        if (info.st_mode & S_IFMT) != S_IFDIR { return Int64(info.st_size) }
        var total: Int64 = 0
        for name in (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? [] {
            total += size(of: path + "/" + name)
        }
        return total
    }
}
