import Foundation
import Logging
import PostgresNIO
import ServiceLifecycle
import Synchronization

/// A shared ledger in PostgreSQL (`"USAGE_DB": "postgres://user@host/db"`): several
/// Switchboards write there and `stats` on any of them sees all. Rows are written to the local
/// SQLite file first (the outbox) and shipped from it in batches, so an outage loses nothing:
/// rows wait ("ledger: N waiting") and go when the server is back. Each row carries its
/// instance's host name (`SWITCHBOARD_INSTANCE` overrides it).
public enum PostgresLedger {
    /// The connection settings a `postgres://user:password@host:port/database` URL names.
    public static func configuration(url: String) throws -> PostgresClient.Configuration {
        guard let components = URLComponents(string: url), let scheme = components.scheme,
            scheme == "postgres" || scheme == "postgresql", let host = components.host, !host.isEmpty
        else {
            throw URLError(description: "USAGE_DB: \"\(redacted(url))\" is not a postgres://user@host/database URL")
        }
        let database = String(components.path.drop { $0 == "/" })
        let query = Dictionary(
            (components.queryItems ?? []).map { ($0.name, $0.value ?? "") },
            uniquingKeysWith: { $1 }
        )
        var tls = PostgresClient.Configuration.TLS.disable
        if let mode = query["sslmode"], mode == "require" || mode == "verify-full" {
            tls = .require(.makeClientConfiguration())
        } else if query["sslmode"] == "prefer" {
            tls = .prefer(.makeClientConfiguration())
        }
        var configuration = PostgresClient.Configuration(
            host: host,
            port: components.port ?? 5432,
            username: components.user ?? "postgres",
            password: components.password,
            database: database.isEmpty ? nil : database,
            tls: tls
        )
        configuration.options.connectTimeout = .seconds(3)
        configuration.options.maximumConnections = 2
        return configuration
    }

    /// The URL without its password, for messages.
    public static func redacted(_ url: String) -> String {
        guard var components = URLComponents(string: url), components.password != nil else { return url }
        components.password = "***"
        return components.string ?? url
    }

    /// A `USAGE_DB` URL that is not usable, or a query that returned nothing.
    public struct URLError: Error, CustomStringConvertible {
        /// What is wrong, with any password in the URL masked.
        public var description: String
    }

    static let createTable = """
        CREATE TABLE IF NOT EXISTS switchboard_request (
            instance TEXT NOT NULL,
            local_id BIGINT NOT NULL,
            started_at BIGINT NOT NULL,
            request_id BIGINT NOT NULL,
            message_id TEXT,
            client TEXT NOT NULL,
            session_id TEXT,
            project TEXT,
            requested_model TEXT NOT NULL,
            route TEXT,
            route_reason TEXT,
            provider TEXT,
            model TEXT,
            attempts INTEGER NOT NULL,
            retries INTEGER NOT NULL,
            fallbacks INTEGER NOT NULL,
            key_index INTEGER,
            status INTEGER NOT NULL,
            error_type TEXT,
            stop_reason TEXT,
            input_tokens BIGINT NOT NULL,
            output_tokens BIGINT NOT NULL,
            cache_read_tokens BIGINT NOT NULL,
            estimated BOOLEAN NOT NULL,
            ttft_ms INTEGER,
            duration_ms INTEGER NOT NULL,
            request_bytes BIGINT NOT NULL,
            answer_bytes BIGINT NOT NULL,
            cost_usd DOUBLE PRECISION,
            anthropic_usd DOUBLE PRECISION,
            free BOOLEAN NOT NULL,
            PRIMARY KEY (instance, started_at, local_id)
        )
        """

    static let columns = [
        "instance", "local_id", "started_at", "request_id", "message_id", "client", "session_id", "project",
        "requested_model", "route", "route_reason", "provider", "model", "attempts", "retries", "fallbacks",
        "key_index", "status", "error_type", "stop_reason", "input_tokens", "output_tokens", "cache_read_tokens",
        "estimated", "ttft_ms", "duration_ms", "request_bytes", "answer_bytes", "cost_usd", "anthropic_usd", "free",
    ]

    /// Creates the table and its index when missing.
    static func prepare(_ client: PostgresClient) async throws {
        try await client.query(PostgresQuery(unsafeSQL: createTable))
        try await client.query(
            PostgresQuery(
                unsafeSQL:
                    "CREATE INDEX IF NOT EXISTS switchboard_request_started_at ON switchboard_request (started_at)"
            )
        )
    }

    /// Inserts rows (again harmlessly: a row already there is skipped).
    static func insert(_ rows: [(id: Int64, row: UsageRow)], into client: PostgresClient) async throws {
        guard !rows.isEmpty else { return }
        var bindings = PostgresBindings(capacity: rows.count * columns.count)
        var tuples: [String] = []
        var parameter = 0
        for (id, row) in rows {
            var placeholders: [String] = []
            for _ in columns {
                parameter += 1
                placeholders.append("$\(parameter)")
            }
            tuples.append("(" + placeholders.joined(separator: ",") + ")")
            bindings.append(row.instance)
            bindings.append(id)
            bindings.append(Int64((row.startedAt.timeIntervalSince1970 * 1000).rounded()))
            bindings.append(row.requestID)
            bindings.append(row.messageID)
            bindings.append(row.client)
            bindings.append(row.sessionID)
            bindings.append(row.project)
            bindings.append(row.requestedModel)
            bindings.append(row.route)
            bindings.append(row.routeReason)
            bindings.append(row.provider)
            bindings.append(row.model)
            bindings.append(Int32(clamping: row.attempts))
            bindings.append(Int32(clamping: row.retries))
            bindings.append(Int32(clamping: row.fallbacks))
            bindings.append(row.keyIndex.map { Int32(clamping: $0) })
            bindings.append(Int32(clamping: row.status))
            bindings.append(row.errorType)
            bindings.append(row.stopReason)
            bindings.append(Int64(row.inputTokens))
            bindings.append(Int64(row.outputTokens))
            bindings.append(Int64(row.cacheReadTokens))
            bindings.append(row.estimated)
            bindings.append(row.ttftMilliseconds.map { Int32(clamping: $0) })
            bindings.append(Int32(clamping: row.durationMilliseconds))
            bindings.append(Int64(row.requestBytes))
            bindings.append(Int64(row.answerBytes))
            bindings.append(row.costUSD)
            bindings.append(row.anthropicUSD)
            bindings.append(row.free)
        }
        let sql =
            "INSERT INTO switchboard_request (\(columns.joined(separator: ","))) VALUES "
            + tuples.joined(separator: ",") + " ON CONFLICT DO NOTHING"
        try await client.query(PostgresQuery(unsafeSQL: sql, binds: bindings))
    }

    /// The `stats` report from the shared table.
    public static func stats(url: String, since: Date, until: Date, by grouping: StatsGrouping, logger: Logger)
        async throws -> StatsReport
    {
        let client = PostgresClient(configuration: try configuration(url: url), backgroundLogger: logger)
        return try await withThrowingTaskGroup(of: StatsReport?.self) { group in
            group.addTask {
                await client.run()
                return nil
            }
            group.addTask {
                try await prepare(client)
                let key: String
                switch grouping {
                case .day, .hour: key = "''"
                case .route: key = "coalesce(route, '-')"
                case .provider: key = "coalesce(provider, '-')"
                case .model: key = "coalesce(provider || ',' || model, '-')"
                case .session: key = "coalesce(session_id, '-')"
                case .project: key = "coalesce(project, '-')"
                case .client: key = "client"
                case .instance: key = "instance"
                }
                var bindings = PostgresBindings()
                bindings.append(UsageQuery.milliseconds(since))
                bindings.append(UsageQuery.milliseconds(until))
                let rows = try await client.query(
                    PostgresQuery(
                        unsafeSQL: """
                            SELECT \(key), status, input_tokens, output_tokens, cache_read_tokens, cost_usd,
                            anthropic_usd, ttft_ms, duration_ms, started_at
                            FROM switchboard_request WHERE started_at >= $1 AND started_at < $2
                            """,
                        binds: bindings
                    )
                )
                let buckets = TimeBuckets(grouping: grouping, since: since, until: until)
                var accumulator = StatsAccumulator()
                var keys: [String: Int64] = [:]
                var labels: [String] = []
                for try await (name, status, input, output, cache, cost, anthropic, ttft, duration, started)
                    in rows.decode(
                        (String, Int32, Int64, Int64, Int64, Double?, Double?, Int32?, Int32, Int64).self
                    )
                {
                    let id: Int64
                    if let buckets {
                        id = Int64(buckets.index(of: started))
                    } else if let known = keys[name] {
                        id = known
                    } else {
                        id = Int64(labels.count)
                        keys[name] = id
                        labels.append(name)
                    }
                    accumulator.add(
                        key: id,
                        status: Int(status),
                        input: Int(input),
                        output: Int(output),
                        cacheRead: Int(cache),
                        cost: cost,
                        anthropic: anthropic,
                        ttft: ttft.map(Int.init),
                        duration: Int(duration)
                    )
                }
                let (totals, result) = accumulator.finish(grouping: grouping) { key in
                    buckets?.labels[Int(key)] ?? labels[Int(key)]
                }
                return StatsReport(since: since, until: until, grouping: grouping, totals: totals, rows: result)
            }
            defer { group.cancelAll() }
            while let result = try await group.next() {
                if let result { return result }
            }
            throw URLError(description: "PostgreSQL query ended without a result")
        }
    }
}

/// Ships the outbox's rows to PostgreSQL: after each local write and every few seconds,
/// in batches of up to 500; while the server is unreachable the rows wait and the ledger's
/// status says how many.
public struct PostgresShipper: Service {
    let ledger: UsageLedger
    let url: String
    let logger: Logger
    /// Set by the ledger after a local write: there are rows to send.
    let written = Written()

    final class Written: Sendable {
        let flag = Atomic<Bool>(false)
    }

    /// A shipper sending `ledger`'s outbox rows to the PostgreSQL server at `url`.
    public init(ledger: UsageLedger, url: String, logger: Logger) {
        self.ledger = ledger
        self.url = url
        self.logger = logger
    }

    /// Ships rows until graceful shutdown; throws only for a bad URL (an unreachable server is logged and retried).
    public func run() async throws {
        // The pool logs every failed connection at info; the shipper says it once itself.
        var poolLogger = logger
        poolLogger.logLevel = .error
        let client = PostgresClient(
            configuration: try PostgresLedger.configuration(url: url),
            backgroundLogger: poolLogger
        )
        let target = PostgresLedger.redacted(url)
        let written = self.written
        ledger.onWrite { written.flag.store(true, ordering: .relaxed) }
        defer { ledger.onWrite(nil) }
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            group.addTask {
                await cancelWhenGracefulShutdown {
                    var prepared = false
                    var failing: String?
                    var delay = Duration.seconds(1)
                    while !Task.isCancelled {
                        do {
                            if !prepared {
                                try await withTimeout(.seconds(5)) { try await PostgresLedger.prepare(client) }
                                prepared = true
                            }
                            let sent = try await shipAll(client)
                            if let reason = failing {
                                logger.notice(
                                    "PostgreSQL \(target) reachable again (was: \(reason)); \(sent) rows sent"
                                )
                                failing = nil
                            }
                            ledger.setRemote(waiting: 0, warning: nil)
                            delay = .seconds(1)
                        } catch {
                            let waiting = (try? await ledger.withStore { try $0.waitingCount() }) ?? nil
                            let reason = "\(String(describing: error).prefix(200))"
                            if failing == nil {
                                logger.warning(
                                    "PostgreSQL \(target) unreachable (\(reason)); \(waiting ?? 0) rows waiting in \(ledger.path)"
                                )
                            }
                            failing = reason
                            ledger.setRemote(
                                waiting: waiting ?? 0,
                                warning: "PostgreSQL unreachable: \(waiting ?? 0) rows waiting"
                            )
                            delay = min(delay * 2, .seconds(5))
                        }
                        // Wait for the next local write (checked every 100 ms) or the retry delay.
                        let deadline = ContinuousClock.now + delay
                        while ContinuousClock.now < deadline, !Task.isCancelled {
                            if failing == nil, written.flag.exchange(false, ordering: .relaxed) { break }
                            try? await Task.sleep(for: .milliseconds(100))
                        }
                    }
                }
                // Last chance at shutdown: send what is waiting, briefly.
                _ = try? await withTimeout(.seconds(2)) { try await shipAll(client) }
            }
            await group.next()
            group.cancelAll()
        }
    }

    /// Sends every waiting row; returns how many.
    func shipAll(_ client: PostgresClient) async throws -> Int {
        var sent = 0
        while true {
            let batch = try await ledger.withStore { try $0.unshipped(limit: 500) } ?? []
            if batch.isEmpty { return sent }
            try await withTimeout(.seconds(10)) { try await PostgresLedger.insert(batch, into: client) }
            _ = try await ledger.withStore { try $0.markShipped(batch.map(\.id)) }
            sent += batch.count
        }
    }
}

extension PostgresShipper: CustomStringConvertible {
    /// The server's host only: the URL can hold a password.
    public var description: String { "PostgresShipper(\(URLComponents(string: url)?.host ?? "?"))" }
}
