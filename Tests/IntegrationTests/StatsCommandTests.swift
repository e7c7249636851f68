import Foundation
import Testing

@testable import Proxy

/// `switchboard stats` against the ledger a running `serve` wrote.
@Suite(.stack)
struct StatsCommandTests {
    /// Before the first request there is no ledger file: the report is empty and stderr says
    /// why (stdout stays the report), without creating the file.
    @Test func beforeAnyRequestItSaysThereIsNoLedgerYet() async throws {
        let home = try TemporaryDirectory("stats-fresh")
        let run = try await SwitchboardProcess.run(
            ["stats", "--json"],
            environment: ["HOME": home.url.path, "XDG_STATE_HOME": nil]
        )
        #expect(run.status == .exited(0), "\(run.stderr)")
        let report = try JSONParser.parse(Array(run.stdout.utf8))
        #expect(report["rows"] == [])
        let path = home.url.path + "/.local/state/switchboard/usage.sqlite"
        #expect(run.stderr.contains("no ledger yet at \(path)"), "\(run.stderr)")
        #expect(!FileManager.default.fileExists(atPath: path))
    }

    /// A window that ends before it starts is a usage error, not an empty report.
    @Test(arguments: [["--since", "7d", "--until", "30d"], ["--since", "2999-01-01"]])
    func aWindowThatEndsBeforeItStartsIsRefused(_ window: [String]) async throws {
        let home = try TemporaryDirectory("stats-window")
        let run = try await SwitchboardProcess.run(
            ["stats"] + window,
            environment: ["HOME": home.url.path, "XDG_STATE_HOME": nil]
        )
        #expect(run.status == .exited(64), "\(run.stdout)")
        #expect(run.stderr.contains("must not be after --until"), "\(run.stderr)")
        #expect(run.stdout.isEmpty)
    }

    @Test func everyGroupingAndFormat() async throws {
        let stack = try Stack.current()
        let state = try LedgerTests.State()
        let main = TestModel.unique("stats-main")
        let think = TestModel.unique("stats-think")
        try await stack.upstream.script(
            main,
            [["text_stream": ["text": "hi", "usage": LedgerTests.usage]]],
            repeatLast: true
        )
        try await stack.upstream.script(
            think,
            [["status": 400, "json": ["error": ["message": "no"]]]],
            repeatLast: true
        )
        let proxy = try await LedgerTests().proxy(
            stack,
            state: state,
            models: [main, think],
            router: ["default": .string("led,\(main)"), "think": .string("led,\(think)")]
        )
        let configPath = proxy.configDirectory.url.appendingPathComponent("config.json").path
        try await withProxy(proxy) { proxy in
            for _ in 0..<3 {
                let result = try await proxy.client.post(
                    body: LedgerTests.claudeCodeBody(stream: false),
                    headers: LedgerTests.claudeCodeHeaders
                )
                #expect(result.status == 200)
            }
            let thinking = MessagesBody.make(
                model: "claude-opus-4-5",
                stream: false,
                extra: ["thinking": ["type": "enabled", "budget_tokens": 1024]]
            )
            #expect(try await proxy.client.post(body: thinking).status == 400)
            _ = try await state.rows(4)

            // Read while the proxy still runs.
            func stats(_ arguments: [String]) async throws -> String {
                let run = try await SwitchboardProcess.run(
                    ["stats", "--config", configPath, "--since", "1h"] + arguments,
                    environment: ["XDG_STATE_HOME": state.home]
                )
                #expect(run.status == .exited(0), "\(arguments): \(run.stderr)")
                return run.stdout
            }
            let expectedKeys: [StatsGrouping: Set<String>] = [
                .route: ["default", "think"], .provider: ["led"], .model: ["led,\(main)", "led,\(think)"],
                .session: ["sess-42", "-"], .project: ["/home/dev/shop", "-"], .client: ["claude-code", "other"],
            ]
            for grouping in StatsGrouping.allCases {
                let json = try JSONParser.parse(try await stats(["--by", grouping.rawValue, "--json"]))
                #expect(json["totals"]?["requests"]?.intValue == 4, "\(grouping)")
                #expect(json["totals"]?["errors"]?.intValue == 1, "\(grouping)")
                #expect(json["totals"]?["output_tokens"]?.intValue == 600, "\(grouping)")
                let rows = json["rows"]?.arrayValue ?? []
                #expect(rows.compactMap { $0["requests"]?.intValue }.reduce(0, +) == 4, "\(grouping)")
                if let keys = expectedKeys[grouping] {
                    #expect(Set(rows.compactMap { $0["key"]?.stringValue }) == keys, "\(grouping)")
                }
            }
            let byRoute = try JSONParser.parse(try await stats(["--by", "route", "--json"]))
            let defaultRow = byRoute["rows"]?.arrayValue?.first { $0["key"] == "default" }
            // 3 × (600 × 2 + 200 × 10 + 400 × 0.5) per million.
            #expect(abs((defaultRow?["cost_usd"]?.doubleValue ?? -1) - 0.0102) < 1e-6)
            #expect((defaultRow?["saved_usd"]?.doubleValue ?? 0) > 0)
            #expect(defaultRow?["ttft_p50_ms"]?.intValue != nil && defaultRow?["duration_p95_ms"]?.intValue != nil)

            let csv = try await stats(["--by", "model", "--csv"]).split(separator: "\n")
            #expect(csv.first == Substring(StatsFormat.csvHeader))
            #expect(csv.count == 4 && csv.last?.hasPrefix("total,4,1,") == true)

            let table = try await stats(["--by", "client"])
            #expect(table.contains("CLIENT") && table.contains("claude-code") && table.contains("total"))

            // Nothing in a window before the requests.
            let empty = try JSONParser.parse(try await stats(["--until", "1h", "--json"]))
            #expect(empty["totals"]?["requests"]?.intValue == 0)
        }
        let bad = try await SwitchboardProcess.run(
            ["stats", "--config", configPath, "--by", "color"],
            environment: ["XDG_STATE_HOME": state.home]
        )
        #expect(bad.status != .exited(0) && bad.stderr.contains("--by must be one of"))
    }
}
