import Foundation

/// The built `switchboard` the process tests run.
public enum SwitchboardBinary {
    /// `$SWITCHBOARD_BINARY`, else `switchboard` next to the test bundle, else `.build/debug/switchboard`.
    public static func path() throws -> String {
        let environment = ProcessInfo.processInfo.environment
        if let explicit = environment["SWITCHBOARD_BINARY"], !explicit.isEmpty {
            guard FileManager.default.isExecutableFile(atPath: explicit) else {
                throw ChildProcess.SpawnError(description: "SWITCHBOARD_BINARY=\(explicit) is not an executable file")
            }
            return explicit
        }
        var candidates: [URL] = []
        // Linux: the test bundle is an executable in the build directory; macOS: a bundle directory there.
        let testExecutable = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        candidates.append(testExecutable.deletingLastPathComponent().appendingPathComponent("switchboard"))
        let bundle = Bundle.main.bundleURL
        candidates.append(bundle.appendingPathComponent("switchboard"))
        candidates.append(bundle.deletingLastPathComponent().appendingPathComponent("switchboard"))
        candidates.append(ScriptedUpstream.repositoryRoot.appendingPathComponent(".build/debug/switchboard"))
        for candidate in candidates where FileManager.default.isExecutableFile(atPath: candidate.path) {
            return candidate.path
        }
        throw ChildProcess.SpawnError(
            description: "the switchboard binary was not found (looked at \(candidates.map(\.path))); "
                + "run `swift build` first or set SWITCHBOARD_BINARY"
        )
    }
}

/// A temp directory removed when the last reference goes.
public final class TemporaryDirectory: Sendable {
    public let url: URL

    public init(_ stem: String) throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent(
            "switchboard-integ-\(stem)-\(UUID().uuidString.prefix(8))"
        )
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit {
        try? FileManager.default.removeItem(at: url)
    }

    /// Writes `text` to `name` inside; returns the path. `atomically`: through a new file
    /// renamed over the old one (a new inode, as editors save).
    @discardableResult
    public func write(_ name: String, _ text: String, atomically: Bool = false) throws -> String {
        let file = url.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: file, options: atomically ? .atomic : [])
        return file.path
    }
}
