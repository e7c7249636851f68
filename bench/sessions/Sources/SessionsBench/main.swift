import Foundation
import Proxy

#if canImport(CDispatch)
    import CDispatch  // timespec (MemberImportVisibility)
#endif

// The session listing's benchmark: generates N Claude Code sessions (default 10,000) shaped
// like real transcripts (a queue operation, a user prompt with cwd/branch/entrypoint, large
// attachment and API records, assistant turns, last-prompt and cost records) across 40
// projects, then times `SessionCatalog.list` cold (no cache: heads, tails and a full count
// of every file), building the cache, warm (unchanged files: a stat each), and warm after 1%
// of the sessions grew. bench/sessions-list builds it in release mode and runs it.

let arguments = Array(CommandLine.arguments.dropFirst())
let count = arguments.first.flatMap(Int.init) ?? 10_000
let root = FileManager.default.temporaryDirectory.appendingPathComponent("sessions-bench-\(getpid())").path
defer { try? FileManager.default.removeItem(atPath: root) }
let directory = ClaudeDataDirectory(root: root + "/claude")
let cachePath = root + "/cache/sessions.json"

var generator = SystemRandomNumberGenerator()
// English with an English share of `y` (the message counter looks for `"type":"` around each `y`).
let filler = String(repeating: "you say every key type in my array is fully ready; lorem ipsum ", count: 17)
func line(_ text: String) -> String { text + "\n" }
func transcript(id: String, project: String, turns: Int, bloat: Int) -> String {
    var text = line(
        #"{"type":"queue-operation","operation":"enqueue","timestamp":"2026-11-30T10:00:00.000Z","sessionId":"\#(id)","content":"fix the failing test in \#(project)"}"#
    )
    for turn in 0..<turns {
        text += line(
            #"{"parentUuid":null,"isSidechain":false,"type":"user","message":{"role":"user","content":"prompt \#(turn): fix the failing test"},"uuid":"u\#(turn)","timestamp":"2026-11-30T10:\#(String(format: "%02d", turn % 60)):00.000Z","userType":"external","entrypoint":"cli","cwd":"\#(project)","sessionId":"\#(id)","version":"2.1.332","gitBranch":"main"}"#
        )
        for _ in 0..<bloat {
            text += line(
                #"{"type":"attachment","attachment":{"type":"text","content":"\#(filler)"},"cwd":"\#(project)","sessionId":"\#(id)","timestamp":"2026-11-30T10:00:01.000Z","isSidechain":false}"#
            )
        }
        text += line(
            #"{"parentUuid":"u\#(turn)","isSidechain":false,"message":{"id":"msg_\#(id.prefix(8))\#(turn)","type":"message","role":"assistant","model":"z-ai/glm4.7","content":[{"type":"text","text":"\#(filler.prefix(300))"}],"stop_reason":"end_turn","usage":{"input_tokens":12000,"output_tokens":300}},"requestId":"req_x","requestedModel":"claude-sonnet-4-5","type":"assistant","uuid":"a\#(turn)","timestamp":"2026-11-30T10:00:02.000Z","entrypoint":"cli","cwd":"\#(project)","sessionId":"\#(id)","version":"2.1.332","gitBranch":"main"}"#
        )
        text += line(
            #"{"type":"last-prompt","lastPrompt":"prompt \#(turn): fix the failing test","sessionId":"\#(id)"}"#
        )
    }
    text += line(#"{"type":"cost-state","sessionId":"\#(id)","totalCostUSD":0.5}"#)
    return text
}

let generateStart = ContinuousClock.now
var totalBytes = 0
var ids: [(String, String)] = []
for index in 0..<count {
    let project = "/home/dev/project-\(index % 40)"
    let folder = ClaudeDataDirectory.folderName(forProject: project)
    let id = UUID().uuidString.lowercased()
    // Most sessions are small; a few are long (Claude Code transcripts grow with every tool result).
    let turns = index % 100 == 0 ? 200 : Int.random(in: 1...12, using: &generator)
    let text = transcript(id: id, project: project, turns: turns, bloat: Int.random(in: 0...2, using: &generator))
    let path = directory.projects + "/" + folder
    if index < 40 { try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true) }
    try Data(text.utf8).write(to: URL(fileURLWithPath: path + "/" + id + ".jsonl"))
    totalBytes += text.utf8.count
    ids.append((folder, id))
}
let generateTime = ContinuousClock.now - generateStart
print(
    String(
        format: "generated %d sessions, %.1f MB of transcripts, in %.1f s",
        count,
        Double(totalBytes) / 1e6,
        generateTime.seconds
    )
)

/// This process's CPU time (user + system), seconds: on a shared machine the wall time also
/// counts other processes' turns, so both are printed.
func cpuSeconds() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
}

func timed(_ label: String, _ catalog: SessionCatalog, repeats: Int = 1) -> SessionCatalog.Listing {
    var best = Duration.seconds(1_000)
    var bestCPU = 1e9
    var listing: SessionCatalog.Listing?
    for _ in 0..<repeats {
        let start = ContinuousClock.now
        let cpu = cpuSeconds()
        listing = catalog.list()
        best = min(best, ContinuousClock.now - start)
        bestCPU = min(bestCPU, cpuSeconds() - cpu)
    }
    let result = listing!
    let messages = result.sessions.reduce(0) { $0 + $1.messages }
    print(
        String(
            format: "%@: %.0f ms (CPU %.0f ms) for %d sessions (%d messages)%@",
            label,
            best.seconds * 1000,
            bestCPU * 1000,
            result.sessions.count,
            messages,
            repeats > 1 ? " (best of \(repeats))" : ""
        )
    )
    return result
}

/// Drops the transcripts from the page cache (`posix_fadvise`, no root needed), so the next
/// listing reads them from the disk.
@MainActor func evict() {
    for (folder, id) in ids {
        let descriptor = open(directory.projects + "/" + folder + "/" + id + ".jsonl", O_RDONLY)
        guard descriptor >= 0 else { continue }
        fdatasync(descriptor)
        _ = posix_fadvise(descriptor, 0, 0, Int32(POSIX_FADV_DONTNEED))
        close(descriptor)
    }
}
evict()
_ = timed("list, no cache, transcripts not in memory (read from disk)", SessionCatalog(directory: directory))
let cold = timed("list, no cache (heads, tails, full counts)", SessionCatalog(directory: directory))
_ = timed("list, building the cache", SessionCatalog(directory: directory, cachePath: cachePath))
let warm = timed("list, warm cache", SessionCatalog(directory: directory, cachePath: cachePath), repeats: 3)
for (folder, id) in ids.prefix(max(1, count / 100)) {
    let handle = FileHandle(forWritingAtPath: directory.projects + "/" + folder + "/" + id + ".jsonl")!
    handle.seekToEndOfFile()
    handle.write(Data(transcript(id: id, project: "/p", turns: 1, bloat: 1).utf8))
    try handle.close()
}
let grown = timed(
    "list, warm cache, 1% of sessions appended to",
    SessionCatalog(directory: directory, cachePath: cachePath)
)
if cold.sessions.count != count || warm.sessions.count != count || grown.sessions.count != count
    || grown.sessions.reduce(0, { $0 + $1.messages }) != cold.sessions.reduce(0, { $0 + $1.messages }) + 2
        * max(1, count / 100)
{
    print("FAILED: the listings disagree")
    exit(1)
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
