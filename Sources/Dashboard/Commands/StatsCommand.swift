import ArgumentParser
import Foundation
import Proxy

/// `switchboard stats`: usage from the ledger, grouped, as a table, JSON or CSV.
struct StatsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stats",
        abstract: "Usage from the ledger: requests, tokens, cost, saved, TTFT and duration by day, model, route…",
        discussion: """
            Examples:
              switchboard stats                       # the last 7 days, by day
              switchboard stats --since 30d --by model
              switchboard stats --since 2026-11-01 --until 2026-12-01 --by project --csv
              switchboard stats --since 24h --by hour --json
            """
    )

    @OptionGroup var configOptions: ConfigOptions

    @Option(name: .long, help: "Start: 24h, 7d, 30d, or a date such as 2026-11-01 (default: 7d).")
    var since = "7d"

    @Option(name: .long, help: "End: like --since (default: now).")
    var until = "now"

    @Option(name: .long, help: "Group by: \(StatsGrouping.allCases.map(\.rawValue).joined(separator: ", ")).")
    var by = "day"

    @Flag(name: .long, help: "One JSON object.")
    var json = false

    @Flag(name: .long, help: "CSV with a header line.")
    var csv = false

    func validate() throws {
        if json && csv { throw ValidationError("--json and --csv exclude each other") }
        if StatsGrouping(rawValue: by) == nil {
            throw ValidationError(
                "--by must be one of \(StatsGrouping.allCases.map(\.rawValue).joined(separator: ", ")), not \"\(by)\""
            )
        }
        let now = Date()
        guard let start = StatsTime.parse(since, now: now) else {
            throw ValidationError("--since: \"\(since)\" is not 24h, 7d, 30d or a date")
        }
        guard let end = StatsTime.parse(until, now: now) else {
            throw ValidationError("--until: \"\(until)\" is not 24h, 7d, 30d or a date")
        }
        if start > end {
            throw ValidationError(
                "--since (\(StatsFormat.display(start))) must not be after --until (\(StatsFormat.display(end))): "
                    + "durations count back from now (--since 30d --until 7d is the time between)"
            )
        }
    }

    func run() async throws {
        let config = try configOptions.load()
        let now = Date()
        let window = (StatsTime.parse(since, now: now) ?? now, StatsTime.parse(until, now: now) ?? now)
        let grouping = StatsGrouping(rawValue: by) ?? .day
        let report: StatsReport
        do {
            report = try await UsageReports.report(config: config, since: window.0, until: window.1, by: grouping)
        } catch {
            Console.error("switchboard: stats: \(error)")
            throw ExitCode(1)
        }
        // An empty table alone does not say whether nothing was recorded or nothing was found
        // (on stderr: stdout stays the report, for scripts).
        if config.usage.postgresURL == nil, let path = config.usage.localPath(),
            !FileManager.default.fileExists(atPath: path)
        {
            Console.error(
                "switchboard stats: no ledger yet at \(path): it starts with the first request Switchboard serves"
            )
        }
        if json {
            Console.out(StatsFormat.json(report))
        } else if csv {
            Console.out(String(StatsFormat.csv(report).dropLast()))
        } else {
            Console.out(String(StatsFormat.table(report).dropLast()))
        }
    }
}
