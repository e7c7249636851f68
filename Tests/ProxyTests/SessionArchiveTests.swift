import Foundation
import Testing

@testable import Proxy

/// Archiving and restoring sessions: everything of a session moves, comes back exactly, live
/// sessions are refused, Claude Code's index stays consistent, nothing outside is touched.
struct SessionArchiveTests {
    static let id = "0ea4dc3f-0b69-4f95-bdeb-dfdb8a764bf0"
    static let other = "4818c222-495a-43cd-9e75-de47d0980782"
    static let folder = "-tmp-sx-work-proj"

    /// Two sessions with every kind of file Claude Code keeps per session, a day old.
    static func home() throws -> ClaudeHome {
        let home = try ClaudeHome()
        let old = Date().addingTimeInterval(-86_400).addingTimeInterval(0.25)
        try home.transcript("sdk-cli-resumed.jsonl", id: id, modified: old)
        try home.transcript("sdk-cli.jsonl", id: other, modified: old)
        try home.write("projects/\(folder)/\(id)/subagents/agent-a1.jsonl", text: "{}\n", modified: old)
        try home.write("file-history/\(id)/3f2a@v1", text: "backup of a file", modified: old.addingTimeInterval(-7))
        try home.write("file-history/\(id)/3f2a@v2", text: "second backup", modified: old)
        try FileManager.default.createDirectory(
            atPath: home.root + "/session-env/\(id)",
            withIntermediateDirectories: true
        )
        try home.write("todos/\(id)-agent-\(id).json", text: "[]", modified: old)
        try home.write("todos/\(other)-agent-\(other).json", text: "[]", modified: old)
        try home.write("debug/\(id).txt", text: "debug log", modified: old)
        try home.write(
            "history.jsonl",
            text: #"{"display":"write hello.txt please","project":"/tmp/sx/work.proj","sessionId":"\#(id)"}"# + "\n"
        )
        return home
    }

    static func session(_ home: ClaudeHome, _ id: String = id, now: Date = Date()) throws -> SessionSummary {
        try #require(SessionCatalog(directory: home.directory).list(now: now).sessions.first { $0.id == id })
    }

    @Test func archiveMovesEverythingOfTheSessionAndRestorePutsItBackExactly() throws {
        let home = try Self.home()
        let before = try home.snapshot()
        let session = try Self.session(home)
        #expect(!session.live)
        let manifest = try SessionArchive(directory: home.directory).archive(session)
        #expect(
            Set(manifest.items.map(\.path)) == [
                "projects/\(Self.folder)/\(Self.id).jsonl", "projects/\(Self.folder)/\(Self.id)",
                "file-history/\(Self.id)", "session-env/\(Self.id)", "todos/\(Self.id)-agent-\(Self.id).json",
                "debug/\(Self.id).txt",
            ]
        )
        #expect(manifest.bytes == session.bytes)
        for item in manifest.items {
            #expect(!FileManager.default.fileExists(atPath: home.root + "/" + item.path), "\(item.path) still there")
            #expect(
                FileManager.default.fileExists(atPath: home.root + "/switchboard-archive/\(Self.id)/files/" + item.path)
            )
        }
        #expect(FileManager.default.fileExists(atPath: home.root + "/switchboard-archive/\(Self.id)/manifest.json"))
        // The other session and the prompt history are untouched; the listing no longer has it.
        for (path, description) in try home.snapshot(except: "switchboard-archive") {
            #expect(before[path] == description, "\(path) changed")
        }
        #expect(SessionCatalog(directory: home.directory).list().sessions.map(\.id) == [Self.other])
        #expect(SessionArchive(directory: home.directory).archived().map(\.id) == [Self.id])

        try SessionArchive(directory: home.directory).restore(id: Self.id)
        #expect(try home.snapshot(except: "switchboard-archive") == before)
        #expect(!FileManager.default.fileExists(atPath: home.root + "/switchboard-archive/\(Self.id)"))
        #expect(Set(SessionCatalog(directory: home.directory).list().sessions.map(\.id)) == [Self.id, Self.other])
    }

    @Test func aLiveSessionIsRefusedUnlessForced() throws {
        let home = try Self.home()
        try home.touch("projects/\(Self.folder)/\(Self.id).jsonl", Date())
        let before = try home.snapshot()
        let session = try Self.session(home)
        #expect(session.live)
        let archive = SessionArchive(directory: home.directory)
        #expect(throws: SessionArchive.Failure.live(Self.id)) { try archive.archive(session) }
        #expect(try home.snapshot() == before, "nothing moved")
        try archive.archive(session, force: true)
        #expect(!FileManager.default.fileExists(atPath: session.transcriptPath))
        #expect(throws: SessionArchive.Failure.alreadyArchived(Self.id)) { try archive.archive(session, force: true) }
    }

    /// The per-project index some Claude Code versions keep (`sessions-index.json`): the archived
    /// session's entry leaves with it and comes back with it; other entries are untouched.
    @Test func claudeCodesSessionIndexStaysConsistent() throws {
        let home = try Self.home()
        let index = """
            {"version":1,"entries":[\
            {"sessionId":"\(Self.id)","fullPath":"\(home.root)/projects/\(Self.folder)/\(Self.id).jsonl","messageCount":6},\
            {"sessionId":"\(Self.other)","fullPath":"\(home.root)/projects/\(Self.folder)/\(Self.other).jsonl","messageCount":2}\
            ],"originalPath":"/tmp/sx/work.proj"}
            """
        try home.write("projects/\(Self.folder)/sessions-index.json", text: index)
        func entries() throws -> [String] {
            let data = try Fixture.bytesAt(home.root + "/projects/\(Self.folder)/sessions-index.json")
            let value = try JSONParser.parse(data)
            #expect(value["originalPath"]?.stringValue == "/tmp/sx/work.proj")
            return value["entries"]?.arrayValue?.compactMap { $0["sessionId"]?.stringValue } ?? []
        }
        let archive = SessionArchive(directory: home.directory)
        let manifest = try archive.archive(try Self.session(home))
        #expect(try entries() == [Self.other])
        #expect(manifest.indexEntries.count == 1)
        // Every session the index names has its transcript (what "No conversation found" lacks).
        for id in try entries() {
            #expect(FileManager.default.fileExists(atPath: home.root + "/projects/\(Self.folder)/\(id).jsonl"))
        }
        try archive.restore(id: Self.id)
        #expect(try entries() == [Self.other, Self.id])
        let restored = try JSONParser.parse(
            try Fixture.bytesAt(home.root + "/projects/\(Self.folder)/sessions-index.json")
        )
        #expect(restored["entries"]?.arrayValue?.last?["messageCount"]?.intValue == 6)
    }

    /// A symbolic link to a file outside the data directory moves as the link: the file it
    /// points at is never read, moved or changed; a manifest naming a path outside is refused.
    @Test func nothingOutsideTheDataDirectoryIsTouched() throws {
        let home = try Self.home()
        let outside = home.root + "-outside"
        try FileManager.default.createDirectory(atPath: outside, withIntermediateDirectories: true)
        try Data("user's own file".utf8).write(to: URL(fileURLWithPath: outside + "/keep.txt"))
        let outsideDate = Date().addingTimeInterval(-5000)
        try FileManager.default.setAttributes([.modificationDate: outsideDate], ofItemAtPath: outside + "/keep.txt")
        try FileManager.default.createSymbolicLink(
            atPath: home.root + "/file-history/\(Self.id)/linked",
            withDestinationPath: outside + "/keep.txt"
        )
        let before = try home.snapshot()
        let archive = SessionArchive(directory: home.directory)
        try archive.archive(try Self.session(home))
        try archive.restore(id: Self.id)
        #expect(try home.snapshot(except: "switchboard-archive") == before)
        #expect(try String(contentsOfFile: outside + "/keep.txt", encoding: .utf8) == "user's own file")
        let attributes = try FileManager.default.attributesOfItem(atPath: outside + "/keep.txt")
        #expect((attributes[.modificationDate] as? Date).map { abs($0.timeIntervalSince(outsideDate)) < 1 } == true)
        #expect(try FileManager.default.contentsOfDirectory(atPath: outside) == ["keep.txt"])

        // A tampered manifest that climbs out of the data directory is refused, nothing moved.
        try archive.archive(try Self.session(home))
        let manifestPath = home.root + "/switchboard-archive/\(Self.id)/manifest.json"
        let text = try String(contentsOfFile: manifestPath, encoding: .utf8)
        try text.replacingOccurrences(
            of: "\"debug/\(Self.id).txt\"",
            with: "\"../\(URL(fileURLWithPath: outside).lastPathComponent)/keep.txt\""
        )
        .write(toFile: manifestPath, atomically: true, encoding: .utf8)
        #expect(throws: SessionArchive.Failure.self) { try archive.restore(id: Self.id) }
        #expect(!FileManager.default.fileExists(atPath: home.root + "/projects/\(Self.folder)/\(Self.id).jsonl"))
    }

    @Test func restoreRefusesWhenAPathIsTakenAgainAndChangesNothing() throws {
        let home = try Self.home()
        let archive = SessionArchive(directory: home.directory)
        try archive.archive(try Self.session(home))
        try home.write("debug/\(Self.id).txt", text: "a new log")
        let before = try home.snapshot()
        #expect(throws: SessionArchive.Failure.occupied(home.root + "/debug/\(Self.id).txt")) {
            try archive.restore(id: Self.id)
        }
        #expect(try home.snapshot() == before)
        #expect(throws: SessionArchive.Failure.notArchived(Self.other)) { try archive.restore(id: Self.other) }
        #expect(throws: SessionArchive.Failure.invalidID("../x")) { try archive.restore(id: "../x") }
    }

    /// A crash between the moves leaves `manifest.json.partial`; restore reads it and puts back
    /// what moved.
    @Test func aPartialArchiveCanBeRestored() throws {
        let home = try Self.home()
        let before = try home.snapshot()
        let archive = SessionArchive(directory: home.directory)
        try archive.archive(try Self.session(home))
        let folder = home.root + "/switchboard-archive/\(Self.id)"
        // As if the process died after moving the transcript only.
        for path in ["file-history/\(Self.id)", "debug/\(Self.id).txt"] {
            try FileManager.default.moveItem(atPath: folder + "/files/" + path, toPath: home.root + "/" + path)
        }
        try FileManager.default.moveItem(atPath: folder + "/manifest.json", toPath: folder + "/manifest.json.partial")
        try archive.restore(id: Self.id)
        #expect(try home.snapshot(except: "switchboard-archive") == before)
    }
}
