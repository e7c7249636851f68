import Foundation
import Proxy

// The ledger's benchmark: writes N generated rows (default 1,000,000, spread over 30 days,
// shaped like Claude Code traffic) into a fresh SQLite ledger through the ledger's own insert
// path, prints the file size per million rows, then times `stats --since 30d --by model`
// (and the other groupings) on it. bench/ledger-stats builds it in release mode and runs it.

let arguments = CommandLine.arguments.dropFirst()
let count = arguments.first.flatMap(Int.init) ?? 1_000_000
let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ledger-bench-\(getpid())").path
try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
defer { try? FileManager.default.removeItem(atPath: directory) }
let path = directory + "/usage.sqlite"

let models = [
    ("nvidia", "z-ai/glm4.7"), ("nvidia", "minimaxai/minimax-m2.1"), ("deepseek", "deepseek-chat"),
    ("deepseek", "deepseek-reasoner"), ("openrouter", "qwen/qwen3-coder"), ("ollama", "qwen2.5-coder"),
]
let routes = ["default", "background", "think", "longContext", "webSearch"]
let reasons = [
    "the default route", "a haiku model: background", "thinking requested", "over 60000 tokens", "web search tool",
]
var generator = SystemRandomNumberGenerator()
let now = Date()
let store = try UsageStore(path: path)
let writeStart = ContinuousClock.now
var batch: [UsageRow] = []
batch.reserveCapacity(10_000)
for index in 0..<count {
    let model = models[index % models.count]
    let route = index % routes.count
    let input = Int.random(in: 200...60_000, using: &generator)
    var row = UsageRow(
        // In the order requests start (as the proxy appends them), with a little disorder.
        startedAt: now.addingTimeInterval(
            -(30 * 86_400 - 60) * Double(count - index) / Double(count) + Double.random(in: -5...5, using: &generator)
        ),
        instance: "bench-host",
        requestID: Int64(index),
        messageID: "msg_" + String(UInt64.random(in: 0...UInt64.max, using: &generator), radix: 36),
        client: index % 10 == 0 ? "vscode" : "claude-code",
        sessionID: "5f0c6a1e-0000-4000-8000-\(String(format: "%012d", index / 200))",
        project: "/home/dev/project-\(index % 7)",
        requestedModel: route == 1 ? "claude-haiku-4-5-20251001" : "claude-sonnet-4-5-20250929",
        route: routes[route],
        routeReason: reasons[route],
        provider: model.0,
        model: model.1,
        keyIndex: 0,
        status: index % 50 == 0 ? 429 : 200,
        errorType: index % 50 == 0 ? "rate_limit_error" : nil,
        stopReason: index % 50 == 0 ? nil : (index % 3 == 0 ? "tool_use" : "end_turn"),
        inputTokens: input,
        outputTokens: Int.random(in: 1...4_000, using: &generator),
        cacheReadTokens: Int.random(in: 0...input, using: &generator),
        ttftMilliseconds: Int.random(in: 80...3_000, using: &generator),
        durationMilliseconds: Int.random(in: 500...90_000, using: &generator),
        requestBytes: input * 4,
        answerBytes: Int.random(in: 200...20_000, using: &generator)
    )
    let price: Price? =
        switch model.0 {
        case "nvidia", "ollama": .free
        case "deepseek": Price(input: 0.28, output: 0.42, cacheRead: 0.028)
        default: nil
        }
    row.price(with: price)
    batch.append(row)
    if batch.count == 10_000 {
        try store.insert(batch)
        batch.removeAll(keepingCapacity: true)
    }
}
try store.insert(batch)
let writeTime = ContinuousClock.now - writeStart
try store.checkpoint()

func fileSize(_ path: String) -> Int {
    ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int) ?? 0
}
let bytes = fileSize(path) + fileSize(path + "-wal")
let perMillion = Double(bytes) / Double(count) * 1_000_000
print("rows: \(count) written in \(writeTime) (\(Int(Double(count) / writeTime.seconds)) rows/s)")
print(
    String(
        format: "file: %.1f MB, %.0f bytes per row, %.1f MB per 1,000,000 rows",
        Double(bytes) / 1e6,
        Double(bytes) / Double(count),
        perMillion / 1e6
    )
)

let query = try UsageQuery(path: path)
for grouping in [StatsGrouping.model] + StatsGrouping.allCases.filter({ $0 != .model }) {
    var best = Duration.seconds(1_000)
    var report: StatsReport?
    for _ in 0..<3 {
        let start = ContinuousClock.now
        report = try query.stats(since: now.addingTimeInterval(-30 * 86_400), until: now, by: grouping)
        best = min(best, ContinuousClock.now - start)
    }
    print(
        "stats --since 30d --by \(grouping.rawValue): \(String(format: "%.0f", best.seconds * 1000)) ms "
            + "(best of 3; \(report?.totals.requests ?? 0) requests in \(report?.rows.count ?? 0) groups)"
    )
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
