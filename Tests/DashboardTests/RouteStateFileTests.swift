import Foundation
import Testing

@testable import Dashboard
@testable import Proxy

struct RouteStateFileTests {
    /// A fresh directory, removed after `body`.
    func withTemporaryDirectory(_ body: (String) throws -> Void) throws {
        let path = NSTemporaryDirectory() + "switchboard-state-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: path) }
        try body(path)
    }

    func config(at path: String) throws -> SwitchboardConfig {
        let json = """
            {
              "Providers": [
                {"name": "nim", "api_base_url": "http://127.0.0.1:1/v1", "api_key": "k", "models": ["glm-4.7", "kimi-k2"]},
                {"name": "Ollama", "api_base_url": "http://127.0.0.1:2/v1", "models": ["qwen3"]}
              ],
              "Router": {"default": "nim,glm-4.7", "think": "nim,kimi-k2"}
            }
            """
        return try ConfigLoader(environment: [:], homeDirectory: "/nonexistent").parse(
            Data(json.utf8),
            source: .file(path)
        )
    }

    @Test func theFileLivesBesideTheConfigOrUnderHomeForTheBuiltInOne() throws {
        let beside = RouteStateFile(config: try config(at: "/etc/sb/config.json"), homeDirectory: "/home/u")
        #expect(beside.path == "/etc/sb/switchboard-state.json")
        var builtin = try config(at: "/x/config.json")
        builtin.source = .builtin
        #expect(
            RouteStateFile(config: builtin, homeDirectory: "/home/u").path
                == "/home/u/.config/switchboard/switchboard-state.json"
        )
    }

    @Test func saveThenLoadRoundTrips() throws {
        try withTemporaryDirectory { directory in
            let file = RouteStateFile(path: directory + "/nested/dir/switchboard-state.json")
            let switches: [RouteKind: ModelRef] = [
                .default: Events.ref("nim,kimi-k2"), .background: Events.ref("Ollama,qwen3"),
                .webSearch: Events.ref("nim,vendor/model,with,commas"),
            ]
            try file.save(switches)
            #expect(RouteStateFile(path: file.path).load() == switches)
        }
    }

    @Test func onlyConfigurableRoutesAreSaved() throws {
        try withTemporaryDirectory { directory in
            let file = RouteStateFile(path: directory + "/switchboard-state.json")
            try file.save([.explicit: Events.ref("nim,glm-4.7"), .think: Events.ref("nim,glm-4.7")])
            #expect(file.load() == [.think: Events.ref("nim,glm-4.7")])
        }
    }

    @Test func savingReplacesTheFileAtomically() throws {
        try withTemporaryDirectory { directory in
            let file = RouteStateFile(path: directory + "/switchboard-state.json")
            try file.save([.default: Events.ref("nim,kimi-k2")])
            let firstInode = try inode(file.path)
            try file.save([.think: Events.ref("nim,glm-4.7")])
            // A new inode: the new content was written aside and renamed over the old file, so a
            // crash mid-write never leaves a half-written state file.
            #expect(try inode(file.path) != firstInode)
            #expect(try FileManager.default.contentsOfDirectory(atPath: directory) == ["switchboard-state.json"])
            #expect(file.load() == [.think: Events.ref("nim,glm-4.7")], "the old switch is gone")
            let text = try String(contentsOfFile: file.path, encoding: .utf8)
            #expect(text.hasSuffix("}\n"))
            #expect(text.contains(#""think":"nim,glm-4.7""#))
        }
    }

    @Test func saveClearsWhenNothingIsSwitched() throws {
        try withTemporaryDirectory { directory in
            let file = RouteStateFile(path: directory + "/switchboard-state.json")
            try file.save([.default: Events.ref("nim,kimi-k2")])
            try file.save([:])
            #expect(file.load().isEmpty)
        }
    }

    @Test func applySkipsUnknownProvidersAndResolvesNamesCaseInsensitively() throws {
        try withTemporaryDirectory { directory in
            let config = try config(at: directory + "/config.json")
            let file = RouteStateFile(config: config, homeDirectory: "/nonexistent")
            try file.save([
                .default: Events.ref("gone,some-model"), .think: Events.ref("nim,glm-4.7"),
                .background: Events.ref("ollama,qwen3"),
            ])
            let table = RouteTable(configured: config.routes)
            let applied = file.apply(to: table, config: config)
            #expect(applied == [.think: Events.ref("nim,glm-4.7"), .background: Events.ref("Ollama,qwen3")])
            let entries = table.entries()
            #expect(
                entries[.default]?.effective == Events.ref("nim,glm-4.7"),
                "the unknown provider's switch is skipped"
            )
            #expect(entries[.default]?.isSwitched == false)
            #expect(entries[.think]?.effective == Events.ref("nim,glm-4.7"))
            #expect(entries[.think]?.isSwitched == true)
            #expect(entries[.background]?.effective == Events.ref("Ollama,qwen3"))
            #expect(table.switches == [.think: Events.ref("nim,glm-4.7"), .background: Events.ref("Ollama,qwen3")])
        }
    }

    @Test(arguments: [
        "{not json", "", "[]", #"{"routes": "default"}"#, #"{"routes": {"default": 3, "think": "no-comma"}}"#,
        #"{"routes": {"nonsense": "nim,glm-4.7"}}"#,
    ])
    func aCorruptFileMeansNoSwitches(content: String) throws {
        try withTemporaryDirectory { directory in
            let config = try config(at: directory + "/config.json")
            let file = RouteStateFile(config: config, homeDirectory: "/nonexistent")
            try Data(content.utf8).write(to: URL(fileURLWithPath: file.path))
            #expect(file.load().isEmpty)
            let table = RouteTable(configured: config.routes)
            #expect(file.apply(to: table, config: config).isEmpty)
            #expect(table.switches.isEmpty)
        }
    }

    @Test func aCorruptFileIsKeptAsideWithAWarningNamingIt() throws {
        try withTemporaryDirectory { directory in
            let config = try config(at: directory + "/config.json")
            let file = RouteStateFile(config: config, homeDirectory: "/nonexistent")
            try Data("{not json".utf8).write(to: URL(fileURLWithPath: file.path))
            var warnings: [String] = []
            let table = RouteTable(configured: config.routes)
            let now = Date(timeIntervalSince1970: 1_800_000_000)
            #expect(file.apply(to: table, config: config, now: now, warn: { warnings.append($0) }).isEmpty)
            let aside = file.path + ".corrupt-20270115-080000"
            #expect(warnings.count == 1)
            #expect(warnings.first?.contains(file.path) == true, "\(warnings)")
            #expect(warnings.first?.contains("kept as \(aside)") == true, "\(warnings)")
            #expect(!FileManager.default.fileExists(atPath: file.path))
            #expect(FileManager.default.contents(atPath: aside) == Data("{not json".utf8), "kept byte for byte")
        }
    }

    @Test func aSwitchToAProviderNoLongerConfiguredIsNamed() throws {
        try withTemporaryDirectory { directory in
            let config = try config(at: directory + "/config.json")
            let file = RouteStateFile(config: config, homeDirectory: "/nonexistent")
            try file.save([.default: Events.ref("gone,some-model"), .think: Events.ref("nim,glm-4.7")])
            var warnings: [String] = []
            let applied = file.apply(to: RouteTable(configured: config.routes), config: config) { warnings.append($0) }
            #expect(applied == [.think: Events.ref("nim,glm-4.7")])
            #expect(warnings.count == 1)
            #expect(warnings.first?.contains("route default to gone,some-model") == true, "\(warnings)")
            #expect(warnings.first?.contains("provider \"gone\" is no longer configured") == true)
            #expect(FileManager.default.fileExists(atPath: file.path), "a good file stays")
        }
    }

    @Test func aMissingFileMeansNoSwitches() throws {
        try withTemporaryDirectory { directory in
            #expect(RouteStateFile(path: directory + "/absent.json").load().isEmpty)
        }
    }

    @Test func aSaveIntoAnUnwritablePlaceThrows() throws {
        try withTemporaryDirectory { directory in
            let blocker = directory + "/file"
            try Data("x".utf8).write(to: URL(fileURLWithPath: blocker))
            // A regular file where the directory should be.
            #expect(throws: (any Error).self) { try RouteStateFile(path: blocker + "/state.json").save([:]) }
        }
    }

    func inode(_ path: String) throws -> UInt64 {
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        return try #require((attributes[.systemFileNumber] as? NSNumber)?.uint64Value)
    }
}
