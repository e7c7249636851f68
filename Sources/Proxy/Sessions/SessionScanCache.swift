import Foundation

/// What earlier listings learned about each transcript, keyed by path and checked against its
/// size and modification time. Transcripts only grow (Claude Code appends), so a longer file
/// costs a scan of the appended bytes and a new look at its tail, and an unchanged one costs a
/// `stat`. Kept in Switchboard's own cache directory, never in Claude Code's.
public struct SessionScanCache: Sendable, Equatable {
    /// What was learned about one transcript, valid while its size and modification time match.
    public struct Entry: Sendable, Equatable {
        /// The transcript's size in bytes when it was scanned.
        public var size: Int64
        /// The transcript's modification time when it was scanned, seconds since 1970.
        public var modified: Double
        /// What the head and tail scan found.
        public var scan: TranscriptScan
        /// User and assistant records in the whole transcript.
        public var messages: Int
    }

    static let currentVersion = 1
    /// The cache's format version; a file of another version is ignored.
    public var version = SessionScanCache.currentVersion
    /// Entries keyed by transcript path.
    public var entries: [String: Entry] = [:]

    /// An empty cache.
    public init() {}

    /// `$XDG_CACHE_HOME/switchboard/sessions.json` (default `~/.cache/switchboard/sessions.json`).
    public static func defaultPath(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
        let base = environment["XDG_CACHE_HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? home + "/.cache"
        return base + "/switchboard/sessions.json"
    }

    /// The cache at `path`; empty when it is missing, unreadable or of another version.
    /// Read with the proxy's own JSON parser: Foundation's decoder took seconds for 10,000 entries.
    public static func load(path: String) -> SessionScanCache {
        var cache = SessionScanCache()
        guard let data = FileManager.default.contents(atPath: path),
            case .object(let root)? = try? JSONParser.parse(Array(data)),
            root["version"]?.intValue == currentVersion,
            case .object(let entries)? = root["entries"]
        else { return cache }
        for (key, value) in entries.members {
            guard case .array(let fields) = value, fields.count == 15,
                let size = fields[0].intValue, let modified = fields[1].doubleValue, let messages = fields[2].intValue
            else { continue }
            var scan = TranscriptScan()
            scan.firstPrompt = fields[3].stringValue
            scan.lastPrompt = fields[4].stringValue
            scan.started = fields[5].doubleValue.map(Date.init(timeIntervalSince1970:))
            scan.lastTimestamp = fields[6].doubleValue.map(Date.init(timeIntervalSince1970:))
            scan.cwd = fields[7].stringValue
            scan.entrypoint = fields[8].stringValue
            scan.gitBranch = fields[9].stringValue
            scan.version = fields[10].stringValue
            scan.malformedLines = fields[11].intValue ?? 0
            scan.unknownRecords = fields[12].intValue ?? 0
            scan.parsedMessages = fields[13].intValue ?? 0
            scan.wholeFile = fields[14].boolValue ?? false
            cache.entries[key] = Entry(size: Int64(size), modified: modified, scan: scan, messages: messages)
        }
        return cache
    }

    /// The cache as JSON: `{"version": 1, "entries": {path: [size, modified, messages, …]}}`.
    func encoded() -> [UInt8] {
        var writer = JSONWriter(capacity: 256 * max(1, entries.count))
        writer.raw(#"{"version":"#)
        writer.int(version)
        writer.raw(#","entries":{"#)
        var first = true
        func text(_ value: String?) {
            writer.raw(",")
            if let value { writer.string(value) } else { writer.raw("null") }
        }
        func number(_ value: Double?) {
            writer.raw(",")
            if let value, value.isFinite { writer.double(value) } else { writer.raw("null") }
        }
        for (path, entry) in entries {
            if !first { writer.raw(",") }
            first = false
            writer.string(path)
            writer.raw(":[")
            writer.int(Int(entry.size))
            number(entry.modified)
            writer.raw(",")
            writer.int(entry.messages)
            let scan = entry.scan
            text(scan.firstPrompt)
            text(scan.lastPrompt)
            number(scan.started?.timeIntervalSince1970)
            number(scan.lastTimestamp?.timeIntervalSince1970)
            text(scan.cwd)
            text(scan.entrypoint)
            text(scan.gitBranch)
            text(scan.version)
            writer.raw(",")
            writer.int(scan.malformedLines)
            writer.raw(",")
            writer.int(scan.unknownRecords)
            writer.raw(",")
            writer.int(scan.parsedMessages)
            writer.raw(scan.wholeFile ? ",true]" : ",false]")
        }
        writer.raw("}}")
        return writer.bytes
    }

    /// Writes the cache (to a temporary file renamed over the old one); failures are ignored:
    /// the cache only saves time.
    public func save(path: String) {
        let directory = (path as NSString).deletingLastPathComponent
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let temporary = path + ".\(getpid()).tmp"
        guard FileManager.default.createFile(atPath: temporary, contents: Data(encoded())) else { return }
        if rename(temporary, path) != 0 { try? FileManager.default.removeItem(atPath: temporary) }
    }
}
