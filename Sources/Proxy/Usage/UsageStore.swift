import Foundation
import GRDB
import GRDBSQLite
import Synchronization

/// The ledger's SQLite file (GRDB, WAL): per-request rows, kept `retentionDays`, and daily
/// aggregates kept for good. Not thread-safe by itself: the ledger uses it from its writer
/// queue only; `stats` opens its own.
public final class UsageStore: Sendable {
    /// The SQLite file this store opened.
    public let path: String
    let database: DatabaseQueue
    private let nameCache = Mutex<[String: Int64]>([:])
    /// Set when a corrupt file was moved aside on opening: where it went.
    public let setAside: String?

    /// Opens (creating, migrating) the file at `path`. A file that is not a database, or a
    /// corrupt one, is renamed `usage.sqlite.corrupt-<time>` (never deleted) and a new one
    /// started; `setAside` then says where the old one went.
    public init(path: String, readOnly: Bool = false) throws {
        self.path = path
        let directory = (path as NSString).deletingLastPathComponent
        if !readOnly, !directory.isEmpty {
            try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
        do {
            database = try Self.open(path, readOnly: readOnly)
            setAside = nil
        } catch let error as DatabaseError where Self.isCorruption(error) && !readOnly {
            let moved = try Self.setAside(path)
            setAside = moved
            database = try Self.open(path, readOnly: false)
        }
    }

    static func open(_ path: String, readOnly: Bool) throws -> DatabaseQueue {
        var configuration = Configuration()
        configuration.readonly = readOnly
        configuration.busyMode = .timeout(2)
        if !readOnly { configuration.journalMode = .wal }
        configuration.label = "switchboard.usage"
        configuration.prepareDatabase { db in
            if readOnly {
                // Reports scan the file: map it rather than copy every page through read().
                try db.execute(sql: "PRAGMA mmap_size = 1073741824")
            } else {
                // The proxy only appends: a small page cache keeps its memory flat (1 MB, not 2).
                try db.execute(sql: "PRAGMA cache_size = -1024")
            }
        }
        let queue = try DatabaseQueue(path: path, configuration: configuration)
        if readOnly {
            // Reading an empty or foreign file fails here, not at the first query.
            _ = try queue.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM sqlite_master") }
        } else {
            try migrator.migrate(queue)
        }
        return queue
    }

    /// Whether `error` means the file is damaged or not a database at all.
    static func isCorruption(_ error: DatabaseError) -> Bool {
        error.resultCode == .SQLITE_CORRUPT || error.resultCode == .SQLITE_NOTADB
    }

    /// Renames the file (and its WAL and shared-memory files) out of the way; returns the new path.
    static func setAside(_ path: String) throws -> String {
        let formatter = DateFormatter()
        formatter.dateFormat = "yyyyMMdd-HHmmss"
        formatter.locale = Locale(identifier: "en_US_POSIX")
        var target = path + ".corrupt-" + formatter.string(from: Date())
        var counter = 1
        while FileManager.default.fileExists(atPath: target) {
            counter += 1
            target = path + ".corrupt-" + formatter.string(from: Date()) + "-\(counter)"
        }
        try FileManager.default.moveItem(atPath: path, toPath: target)
        for suffix in ["-wal", "-shm"] where FileManager.default.fileExists(atPath: path + suffix) {
            try? FileManager.default.moveItem(atPath: path + suffix, toPath: target + suffix)
        }
        return target
    }

    /// The schema, one migration per version.
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(
                sql: """
                    CREATE TABLE name (
                        id INTEGER PRIMARY KEY,
                        text TEXT NOT NULL UNIQUE
                    );
                    CREATE TABLE request (
                        id INTEGER PRIMARY KEY,
                        started_at INTEGER NOT NULL,
                        instance INTEGER NOT NULL REFERENCES name,
                        request_id INTEGER NOT NULL,
                        message_id TEXT,
                        client INTEGER NOT NULL REFERENCES name,
                        session INTEGER REFERENCES name,
                        project INTEGER REFERENCES name,
                        requested_model INTEGER NOT NULL REFERENCES name,
                        route INTEGER REFERENCES name,
                        route_reason INTEGER REFERENCES name,
                        provider INTEGER REFERENCES name,
                        model INTEGER REFERENCES name,
                        attempts INTEGER NOT NULL,
                        retries INTEGER NOT NULL,
                        fallbacks INTEGER NOT NULL,
                        key_index INTEGER,
                        status INTEGER NOT NULL,
                        error_type INTEGER REFERENCES name,
                        stop_reason INTEGER REFERENCES name,
                        input_tokens INTEGER NOT NULL,
                        output_tokens INTEGER NOT NULL,
                        cache_read_tokens INTEGER NOT NULL,
                        estimated INTEGER NOT NULL,
                        ttft_ms INTEGER,
                        duration_ms INTEGER NOT NULL,
                        request_bytes INTEGER NOT NULL,
                        answer_bytes INTEGER NOT NULL,
                        cost_usd REAL,
                        anthropic_usd REAL,
                        free INTEGER NOT NULL,
                        shipped INTEGER NOT NULL DEFAULT 1
                    );
                    CREATE INDEX request_started_at ON request(started_at);
                    CREATE INDEX request_unshipped ON request(id) WHERE shipped = 0;
                    CREATE TABLE daily (
                        day TEXT NOT NULL,
                        instance TEXT NOT NULL,
                        route TEXT NOT NULL,
                        provider TEXT NOT NULL,
                        model TEXT NOT NULL,
                        client TEXT NOT NULL,
                        requests INTEGER NOT NULL,
                        errors INTEGER NOT NULL,
                        input_tokens INTEGER NOT NULL,
                        output_tokens INTEGER NOT NULL,
                        cache_read_tokens INTEGER NOT NULL,
                        cost_usd REAL NOT NULL,
                        unpriced INTEGER NOT NULL,
                        anthropic_usd REAL NOT NULL,
                        PRIMARY KEY (day, instance, route, provider, model, client)
                    ) WITHOUT ROWID;
                    """
            )
        }
        // `switchboard statusline` and the sessions views look a session's requests up.
        migrator.registerMigration("v2-session-index") { db in
            try db.execute(sql: "CREATE INDEX request_session ON request(session) WHERE session IS NOT NULL")
        }
        return migrator
    }

    /// The local calendar day of `date`, `yyyy-MM-dd`.
    public static func day(_ date: Date, calendar: Calendar = .current) -> String {
        let parts = calendar.dateComponents([.year, .month, .day], from: date)
        return String(format: "%04d-%02d-%02d", parts.year ?? 0, parts.month ?? 0, parts.day ?? 0)
    }

    /// Writes rows in one transaction and adds them to the daily aggregates.
    /// - Parameter shipped: `false` when the rows still have to go to PostgreSQL.
    public func insert(_ rows: [UsageRow], shipped: Bool = true) throws {
        guard !rows.isEmpty else { return }
        try database.write { db in
            var names = NameInterner(db: db, cache: nameCache.withLock { $0 })
            let insert = try db.cachedStatement(
                sql: """
                    INSERT INTO request (started_at, instance, request_id, message_id, client, session,
                    project, requested_model, route, route_reason, provider, model, attempts, retries, fallbacks,
                    key_index, status, error_type, stop_reason, input_tokens, output_tokens, cache_read_tokens,
                    estimated, ttft_ms, duration_ms, request_bytes, answer_bytes, cost_usd, anthropic_usd, free, shipped)
                    VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)
                    """
            )
            let daily = try db.cachedStatement(
                sql: """
                    INSERT INTO daily (day, instance, route, provider, model, client, requests, errors, input_tokens,
                    output_tokens, cache_read_tokens, cost_usd, unpriced, anthropic_usd)
                    VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)
                    ON CONFLICT DO UPDATE SET requests = requests + excluded.requests, errors = errors + excluded.errors,
                    input_tokens = input_tokens + excluded.input_tokens,
                    output_tokens = output_tokens + excluded.output_tokens,
                    cache_read_tokens = cache_read_tokens + excluded.cache_read_tokens,
                    cost_usd = cost_usd + excluded.cost_usd, unpriced = unpriced + excluded.unpriced,
                    anthropic_usd = anthropic_usd + excluded.anthropic_usd
                    """
            )
            // A batch's rows mostly share a day, route and model: one upsert per group, not per row.
            var days = DayKeys()
            var groups: [DailyKey: DailyTotals] = [:]
            for row in rows {
                try Self.insert(row, with: insert, names: &names, shipped: shipped, db: db)
                let key = DailyKey(
                    day: days.key(for: row.startedAt),
                    instance: row.instance,
                    route: row.route ?? "",
                    provider: row.provider ?? "",
                    model: row.model ?? "",
                    client: row.client
                )
                groups[key, default: DailyTotals()].add(row)
            }
            for (key, totals) in groups {
                try daily.execute(arguments: [
                    key.day, key.instance, key.route, key.provider, key.model, key.client, totals.requests,
                    totals.errors, totals.inputTokens, totals.outputTokens, totals.cacheReadTokens, totals.costUSD,
                    totals.unpriced, totals.anthropicUSD,
                ])
            }
            let cache = names.cache
            nameCache.withLock { $0 = cache }
        }
    }

    /// A row of `daily`'s key.
    struct DailyKey: Hashable {
        let day: String
        let instance: String
        let route: String
        let provider: String
        let model: String
        let client: String
    }

    /// What a batch adds to one row of `daily`.
    struct DailyTotals {
        var requests = 0
        var errors = 0
        var inputTokens = 0
        var outputTokens = 0
        var cacheReadTokens = 0
        var costUSD = 0.0
        var unpriced = 0
        var anthropicUSD = 0.0

        mutating func add(_ row: UsageRow) {
            requests += 1
            errors += row.isError ? 1 : 0
            inputTokens += row.inputTokens
            outputTokens += row.outputTokens
            cacheReadTokens += row.cacheReadTokens
            costUSD += row.costUSD ?? 0
            unpriced += row.costUSD == nil ? 1 : 0
            anthropicUSD += row.anthropicUSD ?? 0
        }
    }

    /// Repeated strings (models, routes, sessions, projects…) are stored once, in `name`.
    struct NameInterner {
        let db: Database
        var cache: [String: Int64]

        mutating func id(_ text: String?) throws -> Int64? {
            guard let text else { return nil }
            if let id = cache[text] { return id }
            try db.execute(sql: "INSERT OR IGNORE INTO name (text) VALUES (?)", arguments: [text])
            let id = try Int64.fetchOne(db, sql: "SELECT id FROM name WHERE text = ?", arguments: [text]) ?? 0
            if cache.count > 10_000 { cache = [:] }
            cache[text] = id
            return id
        }
    }

    /// Inserts one row through `statement` (the cached `INSERT INTO request`), binding its
    /// values with SQLite's own calls: GRDB's `StatementArguments` goes through an existential
    /// array and an unspecialized conversion per value, most of a batch's cost.
    static func insert(
        _ row: UsageRow,
        with statement: Statement,
        names: inout NameInterner,
        shipped: Bool,
        db: Database
    ) throws {
        // Interning a new name runs statements of its own; this statement's bindings stay.
        var bind = Binder(statement: statement.sqliteStatement)
        sqlite3_reset(bind.statement)
        bind.integer(Int64((row.startedAt.timeIntervalSince1970 * 1000).rounded()))
        bind.integer(try names.id(row.instance))
        bind.integer(row.requestID)
        bind.text(row.messageID)
        bind.integer(try names.id(row.client))
        bind.integer(try names.id(row.sessionID))
        bind.integer(try names.id(row.project))
        bind.integer(try names.id(row.requestedModel))
        bind.integer(try names.id(row.route))
        bind.integer(try names.id(row.routeReason))
        bind.integer(try names.id(row.provider))
        bind.integer(try names.id(row.model))
        bind.integer(row.attempts)
        bind.integer(row.retries)
        bind.integer(row.fallbacks)
        bind.integer(row.keyIndex)
        bind.integer(row.status)
        bind.integer(try names.id(row.errorType))
        bind.integer(try names.id(row.stopReason))
        bind.integer(row.inputTokens)
        bind.integer(row.outputTokens)
        bind.integer(row.cacheReadTokens)
        bind.integer(row.estimated)
        bind.integer(row.ttftMilliseconds)
        bind.integer(row.durationMilliseconds)
        bind.integer(row.requestBytes)
        bind.integer(row.answerBytes)
        bind.real(row.costUSD)
        bind.real(row.anthropicUSD)
        bind.integer(row.free)
        bind.integer(shipped)
        let count = sqlite3_bind_parameter_count(bind.statement)
        guard bind.failure == SQLITE_OK, bind.index == count else {
            throw DatabaseError(
                resultCode: ResultCode(rawValue: bind.failure == SQLITE_OK ? SQLITE_RANGE : bind.failure),
                message: "binding a ledger row: \(bind.index) values for \(count) parameters",
                sql: statement.sql
            )
        }
        let code = sqlite3_step(bind.statement)
        sqlite3_reset(bind.statement)
        guard code == SQLITE_DONE else {
            throw DatabaseError(
                resultCode: ResultCode(rawValue: code),
                message: String(cString: sqlite3_errmsg(db.sqliteConnection)),
                sql: statement.sql
            )
        }
    }

    /// Binds values to a statement's parameters in order, remembering the first failure.
    struct Binder {
        let statement: SQLiteStatement
        var index: Int32 = 0
        var failure = SQLITE_OK

        mutating func record(_ code: Int32) {
            if failure == SQLITE_OK, code != SQLITE_OK { failure = code }
        }

        mutating func integer(_ value: Int64?) {
            index += 1
            record(value.map { sqlite3_bind_int64(statement, index, $0) } ?? sqlite3_bind_null(statement, index))
        }

        mutating func integer(_ value: Int?) { integer(value.map(Int64.init)) }

        mutating func integer(_ value: Bool) { integer(Int64(value ? 1 : 0)) }

        mutating func real(_ value: Double?) {
            index += 1
            record(value.map { sqlite3_bind_double(statement, index, $0) } ?? sqlite3_bind_null(statement, index))
        }

        mutating func text(_ value: String?) {
            index += 1
            guard let value else { return record(sqlite3_bind_null(statement, index)) }
            // SQLite copies the text (SQLITE_TRANSIENT: the pointer lives only for this call).
            let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
            record(value.withCString { sqlite3_bind_text(statement, index, $0, -1, transient) })
        }
    }

    /// Every name by id.
    static func names(_ db: Database) throws -> [Int64: String] {
        var names: [Int64: String] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT id, text FROM name") { names[row[0]] = row[1] }
        return names
    }

    /// Deletes per-request rows older than `days` (already shipped); the daily aggregates stay.
    @discardableResult
    public func prune(olderThanDays days: Int, now: Date = Date()) throws -> Int {
        let cutoff = Int64((now.timeIntervalSince1970 - Double(days) * 86_400) * 1000)
        return try database.write { db in
            try db.execute(sql: "DELETE FROM request WHERE started_at < ? AND shipped = 1", arguments: [cutoff])
            return db.changesCount
        }
    }

    /// Rows still to be shipped to PostgreSQL.
    public func waitingCount() throws -> Int {
        try database.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM request WHERE shipped = 0") ?? 0 }
    }

    /// Up to `limit` rows still to be shipped, with their local ids.
    public func unshipped(limit: Int) throws -> [(id: Int64, row: UsageRow)] {
        try database.read { db in
            let names = try Self.names(db)
            let rows = try Row.fetchAll(
                db,
                sql: "SELECT * FROM request WHERE shipped = 0 ORDER BY id LIMIT ?",
                arguments: [limit]
            )
            return rows.map { (id: $0["id"], row: Self.row($0, names: names)) }
        }
    }

    /// Marks rows as shipped.
    public func markShipped(_ ids: [Int64]) throws {
        guard !ids.isEmpty else { return }
        try database.write { db in
            let statement = try db.cachedStatement(sql: "UPDATE request SET shipped = 1 WHERE id = ?")
            for id in ids { try statement.execute(arguments: [id]) }
        }
    }

    /// Every row (tests and small tools; `stats` reads through ``UsageQuery``).
    public func allRows() throws -> [UsageRow] {
        try database.read { db in
            let names = try Self.names(db)
            return try Row.fetchAll(db, sql: "SELECT * FROM request ORDER BY id").map { Self.row($0, names: names) }
        }
    }

    static func row(_ row: Row, names: [Int64: String]) -> UsageRow {
        func name(_ column: String) -> String? { (row[column] as Int64?).flatMap { names[$0] } }
        return UsageRow(
            startedAt: Date(timeIntervalSince1970: Double(row["started_at"] as Int64) / 1000),
            instance: name("instance") ?? "",
            requestID: row["request_id"],
            messageID: row["message_id"],
            client: name("client") ?? "other",
            sessionID: name("session"),
            project: name("project"),
            requestedModel: name("requested_model") ?? "",
            route: name("route"),
            routeReason: name("route_reason"),
            provider: name("provider"),
            model: name("model"),
            attempts: row["attempts"],
            retries: row["retries"],
            fallbacks: row["fallbacks"],
            keyIndex: row["key_index"],
            status: row["status"],
            errorType: name("error_type"),
            stopReason: name("stop_reason"),
            inputTokens: row["input_tokens"],
            outputTokens: row["output_tokens"],
            cacheReadTokens: row["cache_read_tokens"],
            estimated: row["estimated"],
            ttftMilliseconds: row["ttft_ms"],
            durationMilliseconds: row["duration_ms"],
            requestBytes: row["request_bytes"],
            answerBytes: row["answer_bytes"],
            costUSD: row["cost_usd"],
            anthropicUSD: row["anthropic_usd"],
            free: row["free"]
        )
    }

    /// Spending per provider since `day` (inclusive, `yyyy-MM-dd`), from the daily aggregates.
    public func spending(sinceDay day: String) throws -> [String: Double] {
        try database.read { db in
            var result: [String: Double] = [:]
            let rows = try Row.fetchAll(
                db,
                sql: "SELECT provider, sum(cost_usd) AS cost FROM daily WHERE day >= ? GROUP BY provider",
                arguments: [day]
            )
            for row in rows { result[row["provider"]] = row["cost"] }
            return result
        }
    }

    /// Moves the write-ahead log into the file and empties it (for measuring the file's size).
    public func checkpoint() throws {
        try database.writeWithoutTransaction { db in _ = try db.checkpoint(.truncate) }
    }

    /// Runs `body` with the database for reading (queries).
    public func read<T>(_ body: (Database) throws -> T) throws -> T {
        try database.read(body)
    }
}

/// `UsageStore.day` for dates that mostly fall on the same day, as a ledger's rows do: the day's
/// bounds are remembered, so only the first date of each day asks the calendar (asking it for every
/// request was the ledger's largest cost per request).
public struct DayKeys: Sendable {
    private let calendar: Calendar
    private var bounds: Range<Date>?
    private var key = ""

    /// Keys in `calendar`'s time zone (the local one by default).
    public init(calendar: Calendar = .current) {
        self.calendar = calendar
    }

    /// The local calendar day of `date`, `yyyy-MM-dd` (as `UsageStore.day`).
    public mutating func key(for date: Date) -> String {
        if let bounds, bounds.contains(date) { return key }
        key = UsageStore.day(date, calendar: calendar)
        bounds = calendar.dateInterval(of: .day, for: date).map { $0.start..<$0.end }
        return key
    }
}
