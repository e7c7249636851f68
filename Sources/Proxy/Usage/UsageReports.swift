import Foundation
import Logging

/// Where `stats` reads: the configured ledger (the SQLite file, or PostgreSQL).
public enum UsageReports {
    /// Thrown when `stats` is asked for while the config turns the ledger off.
    public struct LedgerOff: Error, CustomStringConvertible {
        /// Says the ledger is off and which config key does it.
        public var description: String { "the usage ledger is off (\"USAGE_DB\": false in the config)" }
    }

    /// The report for `since..<until`, grouped; empty when nothing was recorded yet.
    public static func report(
        config: SwitchboardConfig,
        since: Date,
        until: Date,
        by grouping: StatsGrouping,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) async throws -> StatsReport {
        if let url = config.usage.postgresURL {
            return try await PostgresLedger.stats(
                url: url,
                since: since,
                until: until,
                by: grouping,
                logger: Logger(label: "switchboard.stats", factory: { _ in SwiftLogNoOpLogHandler() })
            )
        }
        guard let path = config.usage.localPath(environment: environment) else { throw LedgerOff() }
        guard FileManager.default.fileExists(atPath: path) else {
            return StatsReport(since: since, until: until, grouping: grouping, totals: StatsRow(key: "total"), rows: [])
        }
        return try UsageQuery(path: path).stats(since: since, until: until, by: grouping)
    }
}
