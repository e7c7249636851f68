import Foundation

@testable import Proxy

/// A throwaway Claude Code data directory with recorded transcripts copied in.
struct ClaudeHome {
    let root: String
    var directory: ClaudeDataDirectory { ClaudeDataDirectory(root: root) }

    init() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("claude-home-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: root + "/projects", withIntermediateDirectories: true)
    }

    /// Writes `bytes` at `relative` (creating folders), with modification time `modified`.
    @discardableResult
    func write(_ relative: String, _ bytes: [UInt8], modified: Date? = nil) throws -> String {
        let path = root + "/" + relative
        try FileManager.default.createDirectory(
            atPath: (path as NSString).deletingLastPathComponent,
            withIntermediateDirectories: true
        )
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        if let modified { try touch(relative, modified) }
        return path
    }

    func write(_ relative: String, text: String, modified: Date? = nil) throws {
        try write(relative, Array(text.utf8), modified: modified)
    }

    func touch(_ relative: String, _ date: Date) throws {
        try FileManager.default.setAttributes([.modificationDate: date], ofItemAtPath: root + "/" + relative)
    }

    /// Copies the recorded transcript `fixture` in as session `id` of project folder `folder`.
    @discardableResult
    func transcript(_ fixture: String, id: String, folder: String = "-tmp-sx-work-proj", modified: Date? = nil) throws
        -> String
    {
        try write(
            "projects/\(folder)/\(id).jsonl",
            try Fixture.bytes(fixture, subdirectory: "sessions"),
            modified: modified
        )
    }

    /// Every entry under the root except `except` (path relative to the root → kind, bytes, mtime),
    /// symbolic links not followed.
    func snapshot(except: String? = nil) throws -> [String: String] {
        var result: [String: String] = [:]
        let enumerator = FileManager.default.enumerator(atPath: root)
        while let relative = enumerator?.nextObject() as? String {
            if let except, relative == except || relative.hasPrefix(except + "/") { continue }
            let attributes = try FileManager.default.attributesOfItem(atPath: root + "/" + relative)
            let type = attributes[.type] as? FileAttributeType
            let modified = (attributes[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
            var description = "\(type?.rawValue ?? "?") \(modified)"
            if type == .typeRegular {
                let data = try Data(contentsOf: URL(fileURLWithPath: root + "/" + relative))
                description += " \(data.count) \(Self.fnv(data))"
            } else if type == .typeSymbolicLink {
                description +=
                    " -> " + (try FileManager.default.destinationOfSymbolicLink(atPath: root + "/" + relative))
            }
            // A folder's own time changes when entries come and go; its contents are compared.
            if type == .typeDirectory { description = "directory" }
            result[relative] = description
        }
        return result
    }

    /// FNV-1a over every byte (a content fingerprint for comparisons).
    static func fnv(_ data: Data) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in data {
            hash ^= UInt64(byte)
            hash = hash &* 0x100_0000_01b3
        }
        return hash
    }
}
