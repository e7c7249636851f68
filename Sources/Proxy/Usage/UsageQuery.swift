import Foundation
import GRDB
import GRDBSQLite

/// How `stats` groups requests.
public enum StatsGrouping: String, Sendable, CaseIterable {
    /// By local day or hour of `started_at`, or by the request's route, provider, model, session,
    /// project, client or instance.
    case day, hour, route, provider, model, session, project, client, instance
}

/// One group's totals (or the grand total).
public struct StatsRow: Sendable, Equatable {
    /// The group's label (a day, an hour, a route, `provider,model`, a session...; `-` when unknown), or `total`.
    public var key: String
    /// Requests started in the window.
    public var requests = 0
    /// Requests that ended with a non-2xx status, clients that left (499) included.
    public var errors = 0
    /// Prompt tokens not read from the cache (cache reads are in `cacheReadTokens`), estimates included.
    public var inputTokens = 0
    /// Output tokens, estimates included.
    public var outputTokens = 0
    /// Prompt tokens read from the provider's cache.
    public var cacheReadTokens = 0
    /// USD for the priced requests; `nil` when none had a known price.
    public var costUSD: Double?
    /// Requests whose price is unknown (their cost is not in `costUSD`).
    public var unpriced = 0
    /// Anthropic's list price minus the cost, for requests where both are known.
    public var savedUSD: Double?
    /// Median milliseconds to the first token (nearest rank); `nil` when no request got one.
    public var ttftP50: Int?
    /// 95th-percentile milliseconds to the first token; `nil` when no request got one.
    public var ttftP95: Int?
    /// Median request duration in milliseconds; `nil` when there were no requests.
    public var durationP50: Int?
    /// 95th-percentile request duration in milliseconds; `nil` when there were no requests.
    public var durationP95: Int?

    /// An empty row for the group `key`; the query adds each request to it.
    public init(key: String) { self.key = key }
}

/// What `stats` prints: the window, the totals and one row per group.
public struct StatsReport: Sendable, Equatable {
    /// Start of the window (inclusive).
    public var since: Date
    /// End of the window (exclusive).
    public var until: Date
    /// How `rows` are grouped.
    public var grouping: StatsGrouping
    /// Every request in the window together, keyed `total`.
    public var totals: StatsRow
    /// One row per group: in time order for `day` and `hour`, else most requests first.
    public var rows: [StatsRow]
}

/// A time window for `stats`: `24h`, `7d`, `30d`, `90m`, or a date `2026-11-01` (local midnight).
public enum StatsTime {
    /// The instant `text` names, relative to `now` for durations.
    public static func parse(_ text: String, now: Date = Date(), calendar: Calendar = .current) -> Date? {
        let trimmed = text.trimmingCharacters(in: .whitespaces).lowercased()
        if trimmed == "now" { return now }
        if trimmed == "today" { return calendar.startOfDay(for: now) }
        if let unit = trimmed.last, let amount = Double(trimmed.dropLast()), amount >= 0 {
            let seconds: Double
            switch unit {
            case "m": seconds = 60
            case "h": seconds = 3600
            case "d": seconds = 86_400
            case "w": seconds = 7 * 86_400
            default: return date(trimmed, calendar: calendar)
            }
            return now.addingTimeInterval(-amount * seconds)
        }
        return date(trimmed, calendar: calendar)
    }

    static func date(_ text: String, calendar: Calendar) -> Date? {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = calendar.timeZone
        for format in ["yyyy-MM-dd", "yyyy-MM-dd'T'HH:mm", "yyyy-MM-dd HH:mm", "yyyy-MM-dd'T'HH:mm:ss"] {
            formatter.dateFormat = format
            if let date = formatter.date(from: text) { return date }
        }
        return nil
    }
}

/// Folds rows into groups: sums, and exact p50/p95 of TTFT and duration.
struct StatsAccumulator {
    struct Group {
        var row: StatsRow
        var ttft: [Int32] = []
        var duration: [Int32] = []
        var priced = 0
        var saved = 0
    }

    private var groups: [Int64: Group] = [:]
    private var total = Group(row: StatsRow(key: "total"))

    init() {}

    /// Adds one request.
    mutating func add(
        key: Int64,
        status: Int,
        input: Int,
        output: Int,
        cacheRead: Int,
        cost: Double?,
        anthropic: Double?,
        ttft: Int?,
        duration: Int
    ) {
        Self.add(
            &groups[key, default: Group(row: StatsRow(key: ""))],
            status,
            input,
            output,
            cacheRead,
            cost,
            anthropic,
            ttft,
            duration
        )
        Self.add(&total, status, input, output, cacheRead, cost, anthropic, ttft, duration)
    }

    private static func add(
        _ group: inout Group,
        _ status: Int,
        _ input: Int,
        _ output: Int,
        _ cacheRead: Int,
        _ cost: Double?,
        _ anthropic: Double?,
        _ ttft: Int?,
        _ duration: Int
    ) {
        group.row.requests += 1
        if !(200..<300).contains(status) { group.row.errors += 1 }
        group.row.inputTokens += input
        group.row.outputTokens += output
        group.row.cacheReadTokens += cacheRead
        if let cost {
            group.row.costUSD = (group.row.costUSD ?? 0) + cost
            if let anthropic { group.row.savedUSD = (group.row.savedUSD ?? 0) + anthropic - cost }
        } else {
            group.row.unpriced += 1
        }
        if let ttft { group.ttft.append(Int32(clamping: ttft)) }
        group.duration.append(Int32(clamping: duration))
    }

    /// The rows, sorted (by key for time groupings, else by requests), and the totals.
    func finish(grouping: StatsGrouping, label: (Int64) -> String) -> (totals: StatsRow, rows: [StatsRow]) {
        var rows = groups.map { key, group in
            var row = Self.finish(group)
            row.key = label(key)
            return row
        }
        switch grouping {
        case .day, .hour: rows.sort { $0.key < $1.key }
        default: rows.sort { $0.requests != $1.requests ? $0.requests > $1.requests : $0.key < $1.key }
        }
        return (Self.finish(total), rows)
    }

    private static func finish(_ group: Group) -> StatsRow {
        var row = group.row
        var ttft = group.ttft
        var duration = group.duration
        row.ttftP50 = percentile(&ttft, 0.50)
        row.ttftP95 = percentile(&ttft, 0.95)
        row.durationP50 = percentile(&duration, 0.50)
        row.durationP95 = percentile(&duration, 0.95)
        return row
    }

    /// The nearest-rank percentile, by selection (linear on average; no full sort). Reorders `values`.
    static func percentile(_ values: inout [Int32], _ fraction: Double) -> Int? {
        guard !values.isEmpty else { return nil }
        let rank = Int((fraction * Double(values.count)).rounded(.up))
        return Int(select(&values, max(0, min(values.count - 1, rank - 1))))
    }

    /// The element that would be at `k` if `values` were sorted (quickselect, median of three).
    static func select(_ values: inout [Int32], _ k: Int) -> Int32 {
        values.withUnsafeMutableBufferPointer { buffer in
            var low = 0
            var high = buffer.count - 1
            while low < high {
                let middle = low + (high - low) / 2
                // Median of three as the pivot.
                if buffer[middle] < buffer[low] { buffer.swapAt(middle, low) }
                if buffer[high] < buffer[low] { buffer.swapAt(high, low) }
                if buffer[high] < buffer[middle] { buffer.swapAt(high, middle) }
                let pivot = buffer[middle]
                var left = low
                var right = high
                while left <= right {
                    while buffer[left] < pivot { left += 1 }
                    while buffer[right] > pivot { right -= 1 }
                    if left <= right {
                        buffer.swapAt(left, right)
                        left += 1
                        right -= 1
                    }
                }
                if k <= right {
                    high = right
                } else if k >= left {
                    low = left
                } else {
                    return buffer[k]
                }
            }
            return buffer[k]
        }
    }
}

/// Queries over the SQLite ledger: `stats`, and what the dashboard shows from it.
public struct UsageQuery: Sendable {
    /// The ledger database the queries read.
    public let store: UsageStore

    /// Queries a ledger that is already open (read-only or not).
    public init(store: UsageStore) { self.store = store }

    /// Opens the ledger file at `path` for reading (the proxy may be writing it).
    public init(path: String) throws {
        store = try UsageStore(path: path, readOnly: true)
    }

    /// The column (a `name` id, or two packed into one) a grouping reads; times come from `started_at`.
    static func keyExpression(_ grouping: StatsGrouping) -> String {
        switch grouping {
        case .day, .hour: return "0"
        case .route: return "coalesce(route, 0)"
        case .provider: return "coalesce(provider, 0)"
        case .model: return "coalesce(provider, 0) * 4294967296 + coalesce(model, 0)"
        case .session: return "coalesce(session, 0)"
        case .project: return "coalesce(project, 0)"
        case .client: return "client"
        case .instance: return "instance"
        }
    }

    /// The report for requests started in `since..<until`, grouped.
    ///
    /// Rows are appended in about the order they start, so the window is read as a range of row
    /// ids (sequential pages) from the first row that starts in it, not through the time index
    /// (a B-tree lookup per row).
    ///
    /// One pass over the window's rows through SQLite's C interface: the group keys are
    /// integers (interned names, or the local day or hour found by binary search), so no
    /// string is made per row; names are looked up once per group at the end.
    public func stats(since: Date, until: Date, by grouping: StatsGrouping) throws -> StatsReport {
        let sql = """
            SELECT \(Self.keyExpression(grouping)), status, input_tokens, output_tokens, cache_read_tokens,
            cost_usd, anthropic_usd, ttft_ms, duration_ms, started_at
            FROM request
            WHERE id >= coalesce((SELECT min(id) FROM request WHERE started_at >= ?1), 9223372036854775807)
            AND started_at >= ?1 AND started_at < ?2
            """
        let buckets = TimeBuckets(grouping: grouping, since: since, until: until)
        var accumulator = StatsAccumulator()
        var names: [Int64: String] = [:]
        try store.read { db in
            names = try UsageStore.names(db)
            var statement: OpaquePointer?
            guard sqlite3_prepare_v2(db.sqliteConnection, sql, -1, &statement, nil) == SQLITE_OK, let statement else {
                throw DatabaseError(
                    resultCode: .SQLITE_ERROR,
                    message: String(cString: sqlite3_errmsg(db.sqliteConnection))
                )
            }
            defer { sqlite3_finalize(statement) }
            sqlite3_bind_int64(statement, 1, Self.milliseconds(since))
            sqlite3_bind_int64(statement, 2, Self.milliseconds(until))
            while true {
                let step = sqlite3_step(statement)
                if step == SQLITE_DONE { break }
                guard step == SQLITE_ROW else {
                    throw DatabaseError(
                        resultCode: ResultCode(rawValue: step),
                        message: String(cString: sqlite3_errmsg(db.sqliteConnection))
                    )
                }
                let key =
                    buckets.map { Int64($0.index(of: sqlite3_column_int64(statement, 9))) }
                    ?? sqlite3_column_int64(statement, 0)
                accumulator.add(
                    key: key,
                    status: Int(sqlite3_column_int64(statement, 1)),
                    input: Int(sqlite3_column_int64(statement, 2)),
                    output: Int(sqlite3_column_int64(statement, 3)),
                    cacheRead: Int(sqlite3_column_int64(statement, 4)),
                    cost: sqlite3_column_type(statement, 5) == SQLITE_NULL ? nil : sqlite3_column_double(statement, 5),
                    anthropic: sqlite3_column_type(statement, 6) == SQLITE_NULL
                        ? nil : sqlite3_column_double(statement, 6),
                    ttft: sqlite3_column_type(statement, 7) == SQLITE_NULL
                        ? nil : Int(sqlite3_column_int64(statement, 7)),
                    duration: Int(sqlite3_column_int64(statement, 8))
                )
            }
        }
        let label: (Int64) -> String = { key in
            if let buckets { return buckets.labels[Int(key)] }
            if grouping == .model {
                guard let provider = names[key >> 32], let model = names[key & 0xFFFF_FFFF] else { return "-" }
                return provider + "," + model
            }
            return names[key] ?? "-"
        }
        let (totals, rows) = accumulator.finish(grouping: grouping, label: label)
        return StatsReport(since: since, until: until, grouping: grouping, totals: totals, rows: rows)
    }

    static func milliseconds(_ date: Date) -> Int64 { Int64((date.timeIntervalSince1970 * 1000).rounded()) }

    // MARK: - For the dashboard

    /// Today's totals (since local midnight), surviving restarts.
    public func today(now: Date = Date(), calendar: Calendar = .current) throws -> StatsRow {
        try stats(since: calendar.startOfDay(for: now), until: now.addingTimeInterval(1), by: .day).totals
    }

    /// Today's cost per route (`nil`: no priced request on that route).
    public func costTodayByRoute(now: Date = Date(), calendar: Calendar = .current) throws -> [String: Double?] {
        let report = try stats(since: calendar.startOfDay(for: now), until: now.addingTimeInterval(1), by: .route)
        return Dictionary(uniqueKeysWithValues: report.rows.map { ($0.key, $0.costUSD) })
    }

    /// Tokens (input + cache read + output) per minute per route over the last `minutes`
    /// minutes, oldest first; the last bucket is the current minute.
    public func tokensPerMinute(minutes: Int = 30, now: Date = Date()) throws -> [String: [Int]] {
        let end = Self.milliseconds(now)
        let minuteNow = end / 60_000
        let start = (minuteNow - Int64(minutes) + 1) * 60_000
        return try store.read { db in
            var result: [String: [Int]] = [:]
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT coalesce(name.text, '-'), started_at / 60000 AS minute,
                    sum(input_tokens + cache_read_tokens + output_tokens)
                    FROM request LEFT JOIN name ON name.id = request.route
                    WHERE started_at >= ? AND started_at <= ? GROUP BY 1, 2
                    """,
                arguments: [start, end]
            )
            for row in rows {
                let route: String = row[0]
                let minute: Int64 = row[1]
                let index = Int(minute - (minuteNow - Int64(minutes) + 1))
                guard index >= 0, index < minutes else { continue }
                result[route, default: Array(repeating: 0, count: minutes)][index] += row[2] as Int
            }
            return result
        }
    }

    /// One bar of a history chart.
    public struct HistoryBucket: Sendable, Equatable {
        /// `yyyy-MM-dd HH:00` for hours, `yyyy-MM-dd` for days.
        public var bucket: String
        /// The route name, or `provider,model` when grouped by model; `-` when the request had none.
        public var key: String
        /// Requests started in the bucket.
        public var requests: Int
        /// Input, cache-read and output tokens added together.
        public var tokens: Int
        /// USD of the priced requests; `nil` when none had a known price.
        public var costUSD: Double?
    }

    /// Requests, tokens and cost per hour over the last 24 hours, by route or model.
    public func last24Hours(by grouping: StatsGrouping, now: Date = Date()) throws -> [HistoryBucket] {
        let key =
            grouping == .model ? "coalesce(p.text || ',' || m.text, '-')" : "coalesce(r.text, '-')"
        return try store.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT strftime('%Y-%m-%d %H:00', started_at / 1000, 'unixepoch', 'localtime') AS bucket, \(key),
                    count(*), sum(input_tokens + cache_read_tokens + output_tokens), sum(cost_usd)
                    FROM request LEFT JOIN name r ON r.id = request.route LEFT JOIN name p ON p.id = request.provider
                    LEFT JOIN name m ON m.id = request.model
                    WHERE started_at >= ? GROUP BY 1, 2 ORDER BY 1, 2
                    """,
                arguments: [Self.milliseconds(now.addingTimeInterval(-86_400))]
            ).map { HistoryBucket(bucket: $0[0], key: $0[1], requests: $0[2], tokens: $0[3], costUSD: $0[4]) }
        }
    }

    /// Requests, tokens and cost per day over the last `days` days, by route or model, from the
    /// daily totals (which outlive the per-request rows).
    public func lastDays(_ days: Int = 14, by grouping: StatsGrouping, now: Date = Date()) throws -> [HistoryBucket] {
        let first = UsageStore.day(now.addingTimeInterval(-Double(days - 1) * 86_400))
        let key = grouping == .model ? "provider || ',' || model" : "route"
        return try store.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT day, \(key), sum(requests), sum(input_tokens + cache_read_tokens + output_tokens),
                    CASE WHEN sum(requests) > sum(unpriced) THEN sum(cost_usd) END
                    FROM daily WHERE day >= ? GROUP BY 1, 2 ORDER BY 1, 2
                    """,
                arguments: [first]
            ).map { HistoryBucket(bucket: $0[0], key: $0[1], requests: $0[2], tokens: $0[3], costUSD: $0[4]) }
        }
    }
}

extension UsageQuery {
    /// The totals of one Claude Code session's requests started before `until` (all instances).
    public func session(_ id: String, until: Date = .distantFuture) throws -> StatsRow {
        try store.read { db in
            var row = StatsRow(key: id)
            guard let name = try Int64.fetchOne(db, sql: "SELECT id FROM name WHERE text = ?", arguments: [id]) else {
                return row
            }
            let limit = until == .distantFuture ? Int64.max : Self.milliseconds(until)
            guard
                let result = try Row.fetchOne(
                    db,
                    sql: """
                        SELECT count(*), sum(status NOT BETWEEN 200 AND 299), sum(input_tokens), sum(output_tokens),
                        sum(cache_read_tokens), sum(cost_usd), sum(cost_usd IS NULL AND free = 0)
                        FROM request WHERE session = ? AND started_at < ?
                        """,
                    arguments: [name, limit]
                )
            else { return row }
            row.requests = result[0] ?? 0
            row.errors = result[1] ?? 0
            row.inputTokens = result[2] ?? 0
            row.outputTokens = result[3] ?? 0
            row.cacheReadTokens = result[4] ?? 0
            row.costUSD = result[5]
            row.unpriced = result[6] ?? 0
            return row
        }
    }
}

extension UsageQuery {
    /// The last request of a session that a model answered (started before `until`).
    struct SessionLast: Sendable, Equatable {
        /// The provider that answered, by its config name; `nil` when the ledger has none.
        var provider: String?
        /// The model name at that provider (without the provider).
        var model: String?
        /// The route kind taken (`default`, `think`, `longContext`, ...); `nil` when routing failed.
        var route: String?
        /// Prompt tokens not read from the cache (see `cacheReadTokens`).
        var inputTokens: Int
        /// Prompt tokens read from the provider's cache.
        var cacheReadTokens: Int
        /// Output tokens of the answer (produced before the failure, for a failed one).
        var outputTokens: Int
        /// Whether the token counts are Switchboard's estimate rather than the provider's.
        var estimated: Bool
        /// The HTTP status the client got.
        var status: Int
        /// The Anthropic error type (`cancelled` when the client left); `nil` when it succeeded.
        var errorType: String?
        /// When the request arrived.
        var startedAt: Date
    }

    /// The newest request of session `id` started before `until` that a model answered (a 2xx,
    /// or a failure after tokens were counted); `nil` when there is none.
    func lastAnswered(session id: String, until: Date = .distantFuture) throws -> SessionLast? {
        try store.read { db in
            guard let name = try Int64.fetchOne(db, sql: "SELECT id FROM name WHERE text = ?", arguments: [id]) else {
                return nil
            }
            let limit = until == .distantFuture ? Int64.max : Self.milliseconds(until)
            guard
                let row = try Row.fetchOne(
                    db,
                    sql: """
                        SELECT p.text, m.text, r.text, input_tokens, cache_read_tokens, output_tokens, estimated,
                        status, e.text, started_at
                        FROM request
                        LEFT JOIN name p ON p.id = request.provider LEFT JOIN name m ON m.id = request.model
                        LEFT JOIN name r ON r.id = request.route LEFT JOIN name e ON e.id = request.error_type
                        WHERE session = ? AND started_at < ? AND (status BETWEEN 200 AND 299 OR input_tokens > 0)
                        ORDER BY request.id DESC LIMIT 1
                        """,
                    arguments: [name, limit]
                )
            else { return nil }
            let started: Int64 = row[9]
            return SessionLast(
                provider: row[0],
                model: row[1],
                route: row[2],
                inputTokens: row[3],
                cacheReadTokens: row[4],
                outputTokens: row[5],
                estimated: row[6],
                status: row[7],
                errorType: row[8],
                startedAt: Date(timeIntervalSince1970: Double(started) / 1000)
            )
        }
    }
}

/// Local days or hours of a window, for grouping rows by their `started_at` (milliseconds).
struct TimeBuckets {
    /// Start of each bucket, ascending.
    let starts: [Int64]
    let labels: [String]

    init?(grouping: StatsGrouping, since: Date, until: Date, calendar: Calendar = .current) {
        guard grouping == .day || grouping == .hour else { return nil }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = calendar.timeZone
        formatter.dateFormat = grouping == .day ? "yyyy-MM-dd" : "yyyy-MM-dd HH:00"
        var start =
            grouping == .day
            ? calendar.startOfDay(for: since) : calendar.dateInterval(of: .hour, for: since)?.start ?? since
        var starts: [Int64] = []
        var labels: [String] = []
        while start < until, starts.count < 1_000_000 {
            starts.append(UsageQuery.milliseconds(start))
            labels.append(formatter.string(from: start))
            let next =
                grouping == .day
                ? calendar.date(byAdding: .day, value: 1, to: start) ?? start.addingTimeInterval(86_400)
                : start.addingTimeInterval(3600)
            start = next
        }
        if starts.isEmpty {
            starts = [UsageQuery.milliseconds(since)]
            labels = [formatter.string(from: since)]
        }
        self.starts = starts
        self.labels = labels
    }

    /// The bucket holding `milliseconds` (the last one that starts at or before it).
    func index(of milliseconds: Int64) -> Int {
        var low = 0
        var high = starts.count - 1
        while low < high {
            let middle = (low + high + 1) / 2
            if starts[middle] <= milliseconds { low = middle } else { high = middle - 1 }
        }
        return low
    }
}
