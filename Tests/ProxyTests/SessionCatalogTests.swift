import Foundation
import Testing

@testable import Proxy

/// Reading Claude Code's transcripts: recorded ones from the CLI 2.1.332, malformed and
/// unknown records, head-and-tail reading of large files, the scan cache, the ledger join.
struct SessionCatalogTests {
    static let fixtures = ["sdk-cli.jsonl", "sdk-cli-resumed.jsonl", "cli-interactive.jsonl", "malformed.jsonl"]

    static func scan(_ fixture: String) throws -> TranscriptScan {
        let home = try ClaudeHome()
        let path = try home.transcript(fixture, id: "s")
        let size = try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int64 ?? 0
        return TranscriptReader.scan(path: path, size: size)
    }

    @Test func aPrintRunsFieldsComeFromItsRecords() throws {
        let scan = try Self.scan("sdk-cli.jsonl")
        #expect(scan.firstPrompt == "just say hi")
        #expect(scan.lastPrompt == "just say hi")
        #expect(scan.cwd == "/tmp/sx/work.proj")
        #expect(scan.entrypoint == "sdk-cli")
        #expect(scan.gitBranch == "feature-x")
        #expect(scan.version == "2.1.332")
        #expect(scan.started == ISOTimestamp.parse("2026-11-30T23:29:25.400Z"))
        #expect(scan.lastTimestamp != nil && scan.lastTimestamp! > scan.started!)
        #expect(scan.malformedLines == 0 && scan.unknownRecords == 0)
        // 56 KB: more than the windows, so the count comes from the byte scan (the listing's).
        #expect(!scan.wholeFile)
    }

    @Test func aResumedSessionKeepsItsFirstPromptAndEndsOnTheLast() throws {
        let scan = try Self.scan("sdk-cli-resumed.jsonl")
        #expect(scan.firstPrompt == "write hello.txt please")
        #expect(scan.lastPrompt == "what did I ask before?")
    }

    @Test func theInteractiveCLIsEntrypointIsCli() throws {
        let scan = try Self.scan("cli-interactive.jsonl")
        #expect(scan.entrypoint == "cli")
        #expect(scan.firstPrompt == "please run echo")
        #expect(scan.cwd == "/tmp/sx/iwork")
    }

    @Test func malformedLinesAndUnknownRecordsAreSkippedAndCounted() throws {
        let scan = try Self.scan("malformed.jsonl")
        // Not JSON, cut off, an array, binary junk, and the unterminated last line.
        #expect(scan.malformedLines == 5)
        // A future record type and one without a type.
        #expect(scan.unknownRecords == 2)
        #expect(scan.firstPrompt == "just say hi")
        #expect(scan.parsedMessages == 2)
    }

    /// The fast count (a substring search, no parsing) agrees with a full parse on every
    /// recorded transcript.
    @Test(arguments: ["sdk-cli.jsonl", "sdk-cli-resumed.jsonl", "cli-interactive.jsonl"])
    func theMessageMarkerCountMatchesAFullParse(_ fixture: String) throws {
        let home = try ClaudeHome()
        let path = try home.transcript(fixture, id: "s")
        var parsed = 0
        let malformed = TranscriptReader.forEachRecord(path: path) { record in
            if ["user", "assistant"].contains(record["type"]?.stringValue ?? "") { parsed += 1 }
        }
        #expect(malformed == 0)
        #expect(parsed > 0)
        #expect(TranscriptReader.countMessages(path: path).messages == parsed)
    }

    /// A transcript much larger than the windows: the head gives the first prompt, the tail the
    /// last one; the middle is never parsed (its malformed lines are not seen), and the count
    /// (across 1 MB reads, so markers straddle reads) still matches.
    @Test func aLargeTranscriptIsReadAtItsEnds() throws {
        let lines = try Fixture.text("sdk-cli-resumed.jsonl", subdirectory: "sessions").split(separator: "\n")
        let second = try #require(
            lines.firstIndex { $0.contains(#""operation":"enqueue""#) && $0.contains("what did I") }
        )
        let filler =
            #"{"type":"user","isMeta":true,"message":{"role":"user","content":""#
            + String(repeating: "x", count: 3000) + #""},"timestamp":"2026-11-30T23:29:26.500Z"}"#
        var text = lines[..<second].joined(separator: "\n") + "\n"
        for index in 0..<1000 { text += (index == 500 ? "not json in the middle" : filler) + "\n" }
        text += lines[second...].joined(separator: "\n") + "\n"
        let home = try ClaudeHome()
        let path = try home.write("projects/p/big.jsonl", Array(text.utf8))
        let scan = TranscriptReader.scan(path: path, size: Int64(text.utf8.count))
        #expect(!scan.wholeFile)
        #expect(scan.firstPrompt == "write hello.txt please")
        #expect(scan.lastPrompt == "what did I ask before?")
        #expect(scan.malformedLines == 0)
        #expect(scan.lastTimestamp == ISOTimestamp.parse("2026-11-30T23:29:28.966Z"))
        // 999 fillers + 6 real messages.
        #expect(TranscriptReader.countMessages(path: path).messages == 1005)
    }

    /// A listing parses a few records at each end, not the windows around them: here the lines
    /// after the first prompt and before the last records are not JSON, and none is read.
    @Test func aListingParsesOnlyTheRecordsItNeedsAtEachEnd() throws {
        let user =
            #"{"type":"user","message":{"role":"user","content":"first  prompt\n here"},"cwd":"/w","#
            + #""entrypoint":"cli","version":"2.1.332","gitBranch":"main","timestamp":"2026-11-30T10:00:00.000Z"}"#
        let assistant =
            #"{"type":"assistant","message":{"role":"assistant","content":[]},"gitBranch":"feature","#
            + #""timestamp":"2026-11-30T11:00:00.000Z"}"#
        let last = #"{"type":"last-prompt","lastPrompt":"the last one","sessionId":"s"}"#
        let garbage = String(repeating: "not json ", count: 20)
        var text = user + "\n"
        for _ in 0..<2000 { text += garbage + "\n" }
        text += assistant + "\n" + last + "\n"
        let home = try ClaudeHome()
        let path = try home.write("projects/p/lazy.jsonl", Array(text.utf8))
        let scan = TranscriptReader.scan(path: path, size: Int64(text.utf8.count))
        #expect(!scan.wholeFile)
        #expect(scan.firstPrompt == "first prompt here")
        #expect(scan.lastPrompt == "the last one")
        #expect(scan.gitBranch == "feature")
        #expect(scan.cwd == "/w" && scan.entrypoint == "cli" && scan.version == "2.1.332")
        #expect(scan.lastTimestamp == ISOTimestamp.parse("2026-11-30T11:00:00.000Z"))
        #expect(scan.malformedLines == 0, "the garbage between the ends was parsed")
    }

    /// The one-line form of a prompt: whitespace runs become one space, ends trimmed, at most
    /// 200 characters; the ASCII fast path agrees with the general one.
    @Test(arguments: [
        "  fix   the\ttest\n\nplease ", "", "   ", "ünïcödé  and\u{00A0}no-break\u{3000}ideographic",
        String(repeating: "word ", count: 100), String(repeating: "x", count: 200), String(repeating: "x", count: 201),
        String(repeating: "é", count: 300), "emoji 🧑‍💻  team", String(repeating: " \n", count: 50) + "late",
    ])
    func aPromptOnOneLine(text: String) {
        let words = text.split(whereSeparator: { $0.isWhitespace || $0.isNewline }).joined(separator: " ")
        let expected = words.count > 200 ? String(words.prefix(199)) + "…" : words
        #expect(TranscriptScan.oneLine(text) == expected)
    }

    @Test func timestampsParseWithFractionsAndOffsets() {
        #expect(ISOTimestamp.parse("1970-01-01T00:00:00Z") == Date(timeIntervalSince1970: 0))
        #expect(ISOTimestamp.parse("2026-11-30T23:29:23.478Z")?.timeIntervalSince1970 == 1_796_081_363.478)
        #expect(ISOTimestamp.parse("2026-12-01T01:29:23+02:00") == ISOTimestamp.parse("2026-11-30T23:29:23Z"))
        #expect(ISOTimestamp.parse("yesterday") == nil)
        #expect(ISOTimestamp.parse("2026-13-01T00:00:00Z") == nil)
    }

    @Test func theFolderNameReplacesEverythingButLettersAndDigits() {
        #expect(ClaudeDataDirectory.folderName(forProject: "/tmp/sx/work.proj") == "-tmp-sx-work-proj")
        #expect(ClaudeDataDirectory.isValidSessionID("4818c222-495a-43cd-9e75-de47d0980782"))
        #expect(!ClaudeDataDirectory.isValidSessionID("../etc"))
        #expect(!ClaudeDataDirectory.isValidSessionID("a/b"))
        #expect(!ClaudeDataDirectory.isValidSessionID(""))
    }

    @Test func theDataDirectoryIsClaudeConfigDirElseHome() {
        #expect(ClaudeDataDirectory(environment: ["CLAUDE_CONFIG_DIR": "/x/cc/", "HOME": "/h"]).root == "/x/cc")
        #expect(ClaudeDataDirectory(environment: ["HOME": "/h"]).root == "/h/.claude")
    }

    // MARK: - Listing

    @Test func theListingIsNewestFirstWithSizesAndLiveness() throws {
        let home = try ClaudeHome()
        let now = Date()
        try home.transcript("sdk-cli.jsonl", id: "old-one", modified: now.addingTimeInterval(-3 * 86_400))
        try home.transcript(
            "cli-interactive.jsonl",
            id: "recent",
            folder: "-tmp-sx-iwork",
            modified: now.addingTimeInterval(-60)
        )
        try home.transcript("sdk-cli-resumed.jsonl", id: "marked", modified: now.addingTimeInterval(-86_400))
        try home.write("file-history/old-one/abc@v1", text: String(repeating: "f", count: 1000))
        try home.write("todos/old-one-agent-old-one.json", text: "[]")
        // A running Claude Code names `marked` (this test process stands in for it); a dead one names `old-one`.
        try home.write("sessions/1.json", text: #"{"pid":\#(getpid()),"sessionId":"marked"}"#)
        try home.write("sessions/2.json", text: #"{"pid":2147483000,"sessionId":"old-one"}"#)
        try home.write("projects/-tmp-sx-work-proj/notes.txt", text: "not a transcript")
        try home.write("projects/-tmp-sx-work-proj/bad..id.jsonl", text: "{}")

        let listing = SessionCatalog(directory: home.directory).list(now: now)
        #expect(listing.sessions.map(\.id) == ["recent", "marked", "old-one"])
        let old = try #require(listing.sessions.last)
        let transcriptBytes = try FileManager.default.attributesOfItem(atPath: old.transcriptPath)[.size] as? Int64
        #expect(old.bytes == (transcriptBytes ?? 0) + 1000 + 2)
        #expect(old.project == "/tmp/sx/work.proj")
        #expect(old.messages == 2)
        #expect(!old.live)
        #expect(listing.sessions[0].live, "written a minute ago")
        #expect(listing.sessions[1].live, "its Claude Code is running")
        #expect(old.resumeCommand == "cd /tmp/sx/work.proj && claude --resume old-one")
    }

    @Test func aSessionTheProxySawRecentlyIsLive() throws {
        let home = try ClaudeHome()
        let now = Date()
        try home.transcript("sdk-cli.jsonl", id: "s1", modified: now.addingTimeInterval(-3600))
        var traffic = SessionTraffic()
        traffic.requests = 3
        traffic.lastRequest = now.addingTimeInterval(-30)
        let listing = SessionCatalog(directory: home.directory).list(now: now, traffic: ["s1": traffic])
        #expect(listing.sessions[0].live)
        #expect(listing.sessions[0].traffic?.requests == 3)
        #expect(SessionCatalog(directory: home.directory).list(now: now).sessions[0].live == false)
    }

    @Test func theCacheIsUsedForUnchangedFilesAndExtendedForAppendedOnes() throws {
        let home = try ClaudeHome()
        let cachePath = home.root + "-cache/sessions.json"
        let old = Date().addingTimeInterval(-86_400)
        let path = try home.transcript("sdk-cli.jsonl", id: "s1", modified: old)
        let catalog = SessionCatalog(directory: home.directory, cachePath: cachePath)
        #expect(catalog.list().sessions[0].messages == 2)

        // An unchanged file is not read again: a planted count comes back.
        var cache = SessionScanCache.load(path: cachePath)
        #expect(cache.entries[path]?.messages == 2)
        cache.entries[path]?.messages = 99
        cache.save(path: cachePath)
        #expect(catalog.list().sessions[0].messages == 99)

        // Appended to: only the new bytes are counted (on top of the cached count), the tail re-read.
        let handle = try #require(FileHandle(forWritingAtPath: path))
        handle.seekToEndOfFile()
        let lines = try Fixture.text("sdk-cli-resumed.jsonl", subdirectory: "sessions").split(separator: "\n")
        let more = lines.filter { $0.contains(#""type":"assistant""#) || $0.contains(#""type":"last-prompt""#) }
        handle.write(Data((more.joined(separator: "\n") + "\n").utf8))
        try handle.close()
        let session = catalog.list().sessions[0]
        #expect(session.messages == 99 + 3)
        #expect(session.lastPrompt == "what did I ask before?")
        #expect(session.firstPrompt == "just say hi")
    }

    @Test func anEmptyOrMissingDataDirectoryListsNothing() throws {
        let missing = ClaudeDataDirectory(root: "/nonexistent/\(UUID().uuidString)")
        #expect(SessionCatalog(directory: missing).list().sessions.isEmpty)
        let home = try ClaudeHome()
        try home.write("projects/p/empty.jsonl", [])
        let listing = SessionCatalog(directory: home.directory).list()
        #expect(listing.sessions.map(\.id) == ["empty"])
        #expect(listing.sessions[0].firstPrompt == nil && listing.sessions[0].messages == 0)
        #expect(listing.sessions[0].project == "p")
    }

    // MARK: - The ledger's side

    static func ledger() throws -> UsageStore {
        let store = try UsageStore(path: try UsageStoreTests.directory() + "/usage.sqlite")
        let now = Date()
        try store.insert([
            UsageRow(
                startedAt: now.addingTimeInterval(-100),
                messageID: "msg_6VMjU7noefIvaqAhd4C49BNF",
                client: "claude-code",
                sessionID: "0ea4dc3f-0b69-4f95-bdeb-dfdb8a764bf0",
                project: "/tmp/sx/work.proj",
                requestedModel: "claude-opus-5-5",
                route: "default",
                provider: "nvidia",
                model: "z-ai/glm4.7",
                inputTokens: 4486,
                outputTokens: 15,
                costUSD: 0
            ),
            UsageRow(
                startedAt: now.addingTimeInterval(-90),
                messageID: "msg_sqfFMdISqGh5LtNxXPIi9RPi",
                client: "claude-code",
                sessionID: "0ea4dc3f-0b69-4f95-bdeb-dfdb8a764bf0",
                requestedModel: "claude-opus-5-5",
                route: "think",
                provider: "deepseek",
                model: "deepseek-reasoner",
                inputTokens: 4590,
                outputTokens: 3,
                costUSD: 0.002
            ),
            UsageRow(
                startedAt: now.addingTimeInterval(-80),
                client: "claude-code",
                sessionID: "0ea4dc3f-0b69-4f95-bdeb-dfdb8a764bf0",
                requestedModel: "claude-opus-5-5",
                provider: "deepseek",
                model: "deepseek-reasoner",
                status: 429,
                errorType: "rate_limit_error"
            ),
            UsageRow(
                startedAt: now.addingTimeInterval(-70),
                sessionID: "other",
                requestedModel: "x",
                provider: "p",
                model: "m",
                inputTokens: 1
            ),
            UsageRow(startedAt: now, requestedModel: "no-session"),
        ])
        return store
    }

    @Test func theLedgerGivesEachSessionsRequestsTokensCostAndModels() throws {
        let query = UsageQuery(store: try Self.ledger())
        let traffic = try query.sessionTraffic()
        #expect(Set(traffic.keys) == ["0ea4dc3f-0b69-4f95-bdeb-dfdb8a764bf0", "other"])
        let session = try #require(traffic["0ea4dc3f-0b69-4f95-bdeb-dfdb8a764bf0"])
        #expect(session.requests == 3)
        #expect(session.errors == 1)
        #expect(session.inputTokens == 4486 + 4590)
        #expect(session.outputTokens == 18)
        #expect(session.costUSD == 0.002)
        #expect(session.models == ["deepseek,deepseek-reasoner", "nvidia,z-ai/glm4.7"])
        #expect(traffic["other"]?.costUSD == nil, "no priced request: unknown, not zero")
        // This run's rows fold to the same totals when there is no ledger.
        let folded = SessionTraffic.fold(try query.store.allRows())
        #expect(folded["0ea4dc3f-0b69-4f95-bdeb-dfdb8a764bf0"]?.requests == 3)
        #expect(folded["0ea4dc3f-0b69-4f95-bdeb-dfdb8a764bf0"]?.models == session.models)
    }

    @Test func eachAnswerShowsTheModelThatReallyWroteIt() throws {
        let store = try Self.ledger()
        let rows = try UsageQuery(store: store).rows(session: "0ea4dc3f-0b69-4f95-bdeb-dfdb8a764bf0")
        #expect(rows.count == 3)
        let home = try ClaudeHome()
        let path = try home.transcript("sdk-cli-resumed.jsonl", id: "0ea4dc3f-0b69-4f95-bdeb-dfdb8a764bf0")
        let turns = SessionTurns.read(path: path, rows: rows)
        #expect(turns.turns.map(\.prompt) == ["write hello.txt please", "what did I ask before?"])
        #expect(turns.turns[0].answers.map(\.servedBy) == ["nvidia,z-ai/glm4.7", "deepseek,deepseek-reasoner"])
        #expect(turns.turns[0].answers.map(\.requestedModel) == ["claude-opus-5-5", "claude-opus-5-5"])
        // The third answer's message id is not in the ledger: the transcript's model name only.
        #expect(turns.turns[1].answers.map(\.servedBy) == [nil])
        #expect(turns.turns[1].answers.map(\.model) == ["m1"])
        let page = SessionFormat.show(
            SessionCatalog(directory: home.directory).list().sessions[0],
            turns: turns
        )
        #expect(page.contains("→ nvidia,z-ai/glm4.7  for claude-opus-5-5"))
        #expect(page.contains("m1 (not in the ledger)"))
        #expect(page.contains("cd /tmp/sx/work.proj && claude --resume 0ea4dc3f-0b69-4f95-bdeb-dfdb8a764bf0"))
    }

    @Test func theJSONObjectHasTheIssuesFields() throws {
        let home = try ClaudeHome()
        try home.transcript("sdk-cli.jsonl", id: "4818c222-495a-43cd-9e75-de47d0980782")
        var traffic = SessionTraffic()
        traffic.requests = 2
        traffic.inputTokens = 10
        traffic.outputTokens = 5
        traffic.models = ["nvidia,z-ai/glm4.7"]
        let sessions = SessionCatalog(directory: home.directory).list(
            traffic: ["4818c222-495a-43cd-9e75-de47d0980782": traffic]
        ).sessions
        let object = try JSONParser.parse(SessionFormat.json(sessions[0]))
        for key in [
            "id", "project", "first_prompt", "messages", "bytes", "started", "last_activity", "live", "entrypoint",
            "requests", "input_tokens", "output_tokens", "cost_usd", "models",
        ] {
            #expect(object[key] != nil, "missing \(key)")
        }
        #expect(object["id"]?.stringValue == "4818c222-495a-43cd-9e75-de47d0980782")
        #expect(object["first_prompt"]?.stringValue == "just say hi")
        #expect(object["requests"]?.intValue == 2)
        #expect(object["cost_usd"]?.isNull == true)
        #expect(object["models"] == .array(["nvidia,z-ai/glm4.7"]))
        #expect(object["entrypoint"]?.stringValue == "sdk-cli")
        #expect(object["started"]?.stringValue == "2026-11-30T23:29:25Z")
    }

    @Test func sizesParseWithUnits() {
        #expect(SessionFormat.parseBytes("50MB") == 50_000_000)
        #expect(SessionFormat.parseBytes("1.5GiB") == 1_610_612_736)
        #expect(SessionFormat.parseBytes("800k") == 800_000)
        #expect(SessionFormat.parseBytes("12") == 12)
        #expect(SessionFormat.parseBytes("lots") == nil)
        #expect(SessionFormat.parseBytes("-1MB") == nil)
    }
}
