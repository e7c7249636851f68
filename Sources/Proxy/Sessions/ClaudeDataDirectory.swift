import Foundation

/// Claude Code's data directory (`$CLAUDE_CONFIG_DIR`, else `~/.claude`) and where it keeps
/// each session's files (observed with the CLI 2.1.332; see the README's list).
public struct ClaudeDataDirectory: Sendable, Equatable {
    /// The directory, without a trailing slash.
    public let root: String

    /// A data directory at `root`, with any trailing slashes dropped.
    public init(root: String) {
        var root = root
        while root.count > 1 && root.hasSuffix("/") { root.removeLast() }
        self.root = root
    }

    /// `$CLAUDE_CONFIG_DIR`, else `$HOME/.claude`.
    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        if let configured = environment["CLAUDE_CONFIG_DIR"], !configured.isEmpty {
            self.init(root: configured)
        } else {
            let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
            self.init(root: home + "/.claude")
        }
    }

    /// `projects/`: one folder per working directory, holding its sessions' transcripts.
    public var projects: String { root + "/projects" }
    /// Where archived sessions go (inside the data directory, so a move is a rename).
    public var archive: String { root + "/switchboard-archive" }
    /// `sessions/<pid>.json`: one file per running interactive Claude Code, removed when it exits.
    public var liveMarkers: String { root + "/sessions" }

    /// The project folder's name for a working directory: every character but letters and
    /// digits becomes `-` (`/home/me/app.x` → `-home-me-app-x`).
    public static func folderName(forProject project: String) -> String {
        String(
            project.unicodeScalars.map { scalar in
                (scalar.isASCII && (CharacterSet.alphanumerics.contains(scalar))) ? Character(scalar) : "-"
            }
        )
    }

    /// Whether `id` can name a session file: letters, digits, `-` and `_` only (so it can never
    /// climb out of a folder).
    public static func isValidSessionID(_ id: String) -> Bool {
        !id.isEmpty && id.count <= 128
            && id.unicodeScalars.allSatisfy {
                $0.isASCII && (CharacterSet.alphanumerics.contains($0) || $0 == "-" || $0 == "_")
            }
    }

    /// Every path Claude Code may keep for session `id` whose transcript lives in project folder
    /// `folder`, relative to `root`: the transcript, its folder of subagent transcripts and tool
    /// results, file-history snapshots, the session's environment folder, its todo lists and
    /// its debug log. Only those that exist are returned.
    public func sessionPaths(id: String, folder: String) -> [String] {
        guard Self.isValidSessionID(id), !folder.contains("/"), folder != "..", folder != "." else { return [] }
        let fileManager = FileManager.default
        var paths = [
            "projects/\(folder)/\(id).jsonl",
            "projects/\(folder)/\(id)",
            "file-history/\(id)",
            "session-env/\(id)",
            "debug/\(id).txt",
            "tasks/\(id)",
        ]
        // todos/<id>.json and todos/<id>-agent-<agent id>.json
        if let todos = try? fileManager.contentsOfDirectory(atPath: root + "/todos") {
            for name in todos.sorted()
            where name.hasSuffix(".json") && (name == id + ".json" || name.hasPrefix(id + "-agent-")) {
                paths.append("todos/" + name)
            }
        }
        return paths.filter { path in
            var isDirectory: ObjCBool = false
            // A dangling symbolic link still counts: it is moved as the link it is.
            return fileManager.fileExists(atPath: root + "/" + path, isDirectory: &isDirectory)
                || (try? fileManager.destinationOfSymbolicLink(atPath: root + "/" + path)) != nil
        }
    }
}
