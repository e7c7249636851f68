import Dispatch
import Foundation
import GRDB
import Logging
import ServiceLifecycle
import Synchronization

/// What the dashboard header shows about the ledger.
public struct LedgerStatus: Sendable, Equatable {
    /// The SQLite file rows are written to.
    public var path: String
    /// Why rows cannot be written right now (locked, read-only, disk full); `nil` when they can.
    public var warning: String?
    /// Rows not yet in the database (in memory, or waiting to be shipped to PostgreSQL).
    public var waiting: Int
    /// Spending against the budgets (level, today's and this month's USD, warning line).
    public var budget: BudgetStatus
    /// Why rows cannot be written to the file, briefly ("the database is read-only"); `nil` when they can.
    public var writeProblem: String? = nil
    /// Rows in the file waiting for PostgreSQL while it cannot be reached (0 when it can, or is not used).
    public var waitingForPostgres = 0
}

/// The usage ledger: a ``ProxyEventSink`` that folds each finished request into a
/// ``UsageRow``, prices it, counts it against the budgets, and writes rows in batches on its
/// own dispatch queue — never on a request's task or an event loop. A database that cannot be
/// written (locked, read-only, full) keeps rows in memory (up to ``maximumPending``) and logs
/// one warning; traffic flows on.
public final class UsageLedger: ProxyEventSink, Sendable {
    /// Rows kept in memory while the database cannot be written; older ones go to the spill file
    /// beyond (``spillPath``), and are only lost if that cannot be written either.
    public static let maximumPending = 100_000

    /// The SQLite file rows are written to (the outbox, when they are shipped to PostgreSQL).
    public let path: String
    /// The instance name every row carries (`$SWITCHBOARD_INSTANCE`, else the host name, by default).
    public let instance: String
    let store: ConfigStore
    let logger: Logger
    let flushDelay: Duration
    let retentionDays: Int
    let maximumPending: Int
    /// Rows the database could not take, one JSON object a line, written beside it (past the
    /// in-memory cap, and at shutdown) and added to the database when it can be written again.
    public var spillPath: String { path + ".unwritten.jsonl" }
    private let queue = DispatchQueue(label: "switchboard.usage.writer")
    private let folder: Mutex<UsageFolder>
    private let budget = Mutex(BudgetTracker())
    private let state = Mutex(WriterState())
    /// Used on `queue` only.
    private let database = Mutex<UsageStore?>(nil)
    /// Called on the writer queue after rows are written (PostgreSQL shipping, tests).
    private let afterWrite = Mutex<(@Sendable () -> Void)?>(nil)

    struct WriterState {
        var pending: [UsageRow] = []
        /// Rows taken by the writer and not yet written.
        var writing = 0
        var scheduled = false
        var warning: String?
        /// The warning's reason alone (for the dashboard header).
        var problem: String?
        var dropped = 0
        var lastPrune: Date?
        var waitingRemote = 0
        var remoteWarning: String?
        /// The oldest rows past the cap, for the writer to put in the spill file.
        var overflow: [UsageRow] = []

        /// Moves the oldest rows past `maximum` to `overflow` (the writer spills them to disk)
        /// and claims the next flush; `true` when the caller must schedule it.
        mutating func capAndClaimFlush(maximum: Int) -> Bool {
            if pending.count > maximum {
                let excess = pending.count - maximum
                overflow += pending.prefix(excess)
                pending.removeFirst(excess)
            }
            guard !scheduled else { return false }
            scheduled = true
            return true
        }
    }

    /// The name rows carry: `$SWITCHBOARD_INSTANCE`, else the host name.
    public static var defaultInstance: String {
        let explicit = ProcessInfo.processInfo.environment["SWITCHBOARD_INSTANCE"] ?? ""
        return explicit.isEmpty ? ProcessInfo.processInfo.hostName : explicit
    }

    /// A ledger writing to the SQLite file at `path`.
    public init(
        path: String,
        store: ConfigStore,
        logger: Logger,
        instance: String = UsageLedger.defaultInstance,
        flushDelay: Duration = .milliseconds(250),
        maximumPending: Int = UsageLedger.maximumPending
    ) {
        self.maximumPending = maximumPending
        self.path = path
        self.store = store
        self.logger = logger
        self.instance = instance
        self.flushDelay = flushDelay
        self.retentionDays = store.config.usage.retentionDays
        folder = Mutex(UsageFolder(instance: instance))
    }

    /// Opens the database on the writer queue (creating it; a corrupt file is set aside).
    public func start() {
        queue.async { _ = self.openIfNeeded() }
    }

    // MARK: - Events

    /// Rows need no streamed output.
    public var wantsProgress: Bool { false }

    /// Folds the event; a request that ended becomes a priced row, counted against the budgets and queued for writing.
    public func receive(_ event: ProxyEvent) {
        let row = folder.withLock { folder in
            folder.apply(event) { provider, model in
                PriceBook(config: self.store.config).price(provider: provider, model: model)
            }
        }
        guard let row else { return }
        let config = store.config
        let messages = budget.withLock {
            $0.add(cost: row.costUSD, provider: row.provider, at: row.startedAt, config: config)
        }
        for message in messages { logger.warning("\(message)") }
        enqueue([row])
    }

    /// The error for a new request when an enforced budget is used up.
    public func budgetRefusal(provider: String) -> APIError? {
        let config = store.config
        return budget.withLock { $0.refusal(provider: provider, config: config) }
    }

    /// The header's view of the ledger.
    public var status: LedgerStatus {
        let config = store.config
        let budgetStatus = budget.withLock { $0.status(config: config) }
        return state.withLock { state in
            LedgerStatus(
                path: path,
                warning: state.warning ?? state.remoteWarning,
                waiting: state.pending.count + state.writing + state.waitingRemote,
                budget: budgetStatus,
                writeProblem: state.warning == nil ? nil : state.problem,
                waitingForPostgres: state.remoteWarning == nil ? 0 : state.waitingRemote
            )
        }
    }

    // MARK: - Writing

    /// Queues rows for the writer (also used by tests and tools to add rows directly).
    public func enqueue(_ rows: [UsageRow]) {
        let schedule = state.withLock { state -> Bool in
            state.pending += rows
            return state.capAndClaimFlush(maximum: maximumPending)
        }
        if schedule { scheduleFlush(after: flushDelay) }
    }

    private func scheduleFlush(after delay: Duration) {
        let nanoseconds =
            Int(delay.components.seconds) * 1_000_000_000 + Int(delay.components.attoseconds / 1_000_000_000)
        queue.asyncAfter(deadline: .now() + .nanoseconds(nanoseconds)) { self.flushOnQueue() }
    }

    /// Writes everything pending now and waits for it (tests, tools).
    /// - Parameter final: the process is stopping: rows the database cannot take now go to the
    ///   spill file rather than being lost with the process.
    public func flush(final: Bool = false) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            queue.async {
                self.flushOnQueue()
                if final {
                    let left = self.state.withLock { state -> [UsageRow] in
                        defer { state.pending = [] }
                        return state.overflow + state.pending
                    }
                    self.state.withLock { $0.overflow = [] }
                    if !left.isEmpty { self.spill(left) }
                }
                continuation.resume()
            }
        }
    }

    // MARK: - The spill file

    /// Appends rows to the spill file (on the writer queue); counts them as lost when even that fails.
    private func spill(_ rows: [UsageRow]) {
        let encoder = JSONEncoder()
        var data = Data()
        for row in rows {
            guard let line = try? encoder.encode(row) else { continue }
            data.append(line)
            data.append(0x0A)
        }
        do {
            if !FileManager.default.fileExists(atPath: spillPath) {
                guard
                    FileManager.default.createFile(
                        atPath: spillPath,
                        contents: nil,
                        attributes: [.posixPermissions: 0o600]
                    )
                else { throw CocoaError(.fileWriteUnknown) }
            }
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: spillPath))
            defer { try? handle.close() }
            try handle.seekToEnd()
            try handle.write(contentsOf: data)
            logger.warning("\(rows.count) ledger rows the database could not take are kept in \(spillPath)")
        } catch {
            state.withLock { $0.dropped += rows.count }
            logger.error(
                "\(rows.count) ledger rows are lost: the database and \(spillPath) cannot be written (\(error))"
            )
        }
    }

    /// Adds the spill file's rows to the database, then removes it (its rows are in the database).
    private func importSpill(_ database: UsageStore) {
        guard FileManager.default.fileExists(atPath: spillPath),
            let data = FileManager.default.contents(atPath: spillPath)
        else { return }
        let decoder = JSONDecoder()
        var rows: [UsageRow] = []
        var unreadable = 0
        for line in data.split(separator: 0x0A) where !line.isEmpty {
            if let row = try? decoder.decode(UsageRow.self, from: Data(line)) {
                rows.append(row)
            } else {
                unreadable += 1
            }
        }
        do {
            try database.insert(rows, shipped: store.config.usage.postgresURL == nil)
        } catch {
            let problem = Self.describe(error)
            return warn("cannot add the rows of \(spillPath) to \(path): \(problem); will try again", problem: problem)
        }
        if unreadable > 0 {
            // Kept for a person to look at; the readable rows are in the database.
            try? FileManager.default.moveItem(
                atPath: spillPath,
                toPath: spillPath + ".unreadable-\(Int(Date().timeIntervalSince1970))"
            )
            logger.error("\(unreadable) lines of \(spillPath) could not be read; the file was kept beside it")
        } else {
            try? FileManager.default.removeItem(atPath: spillPath)
        }
        logger.notice("added \(rows.count) ledger rows kept in \(spillPath) while the database could not be written")
    }

    /// Sets work to run on the writer queue after each successful write.
    public func onWrite(_ body: (@Sendable () -> Void)?) {
        afterWrite.withLock { $0 = body }
    }

    /// Runs `body` with the open store on the writer queue.
    public func withStore<T: Sendable>(_ body: @escaping @Sendable (UsageStore) throws -> T) async throws -> T? {
        try await withCheckedThrowingContinuation { continuation in
            queue.async {
                guard let store = self.openIfNeeded() else { return continuation.resume(returning: nil) }
                continuation.resume(with: Result { try body(store) })
            }
        }
    }

    /// Sets the count of rows waiting for PostgreSQL and why they wait.
    func setRemote(waiting: Int, warning: String?) {
        state.withLock {
            $0.waitingRemote = waiting
            $0.remoteWarning = warning
        }
    }

    private func openIfNeeded() -> UsageStore? {
        if let open = database.withLock({ $0 }) { return open }
        do {
            let opened = try UsageStore(path: path)
            if let moved = opened.setAside {
                logger.error("\(path) was not a readable database; moved it to \(moved) and started a new one")
            }
            database.withLock { $0 = opened }
            importSpill(opened)
            let today = UsageStore.day(Date())
            let spentToday = try opened.spending(sinceDay: today)
            let spentMonth = try opened.spending(sinceDay: String(today.prefix(7)) + "-01")
            budget.withLock { $0.seed(today: spentToday, thisMonth: spentMonth) }
            clearWarning()
            return opened
        } catch {
            let problem = Self.describe(error)
            warn("cannot open \(path): \(problem); requests are still served, rows kept in memory", problem: problem)
            return nil
        }
    }

    private func flushOnQueue() {
        let overflow = state.withLock { state -> [UsageRow] in
            defer { state.overflow = [] }
            return state.overflow
        }
        if !overflow.isEmpty { spill(overflow) }
        let rows = state.withLock { state -> [UsageRow] in
            let rows = state.pending
            state.pending = []
            state.writing = rows.count
            state.scheduled = false
            return rows
        }
        defer { state.withLock { $0.writing = 0 } }
        guard !rows.isEmpty else { return }
        let shipped = store.config.usage.postgresURL == nil
        guard let database = openIfNeeded() else { return requeue(rows) }
        do {
            try database.insert(rows, shipped: shipped)
        } catch {
            if let error = error as? DatabaseError, UsageStore.isCorruption(error) {
                do {
                    let moved = try UsageStore.setAside(path)
                    logger.error("\(path) is corrupt; moved it to \(moved) and started a new one")
                } catch {
                    logger.error("\(path) is corrupt and could not be moved aside: \(error)")
                }
                self.database.withLock { $0 = nil }
            } else {
                let problem = Self.describe(error)
                warn(
                    "cannot write to \(path): \(problem); requests are still served, rows kept in memory",
                    problem: problem
                )
            }
            return requeue(rows)
        }
        clearWarning()
        importSpill(database)
        pruneIfDue(database)
        afterWrite.withLock { $0 }?()
    }

    private func requeue(_ rows: [UsageRow]) {
        let schedule = state.withLock { state -> Bool in
            state.writing = 0
            state.pending = rows + state.pending
            return state.capAndClaimFlush(maximum: maximumPending)
        }
        if schedule { scheduleFlush(after: .seconds(2)) }
    }

    private func pruneIfDue(_ database: UsageStore) {
        let due = state.withLock { state -> Bool in
            guard state.lastPrune.map({ Date().timeIntervalSince($0) > 86_400 }) ?? true else { return false }
            state.lastPrune = Date()
            return true
        }
        guard due else { return }
        do {
            let deleted = try database.prune(olderThanDays: retentionDays)
            if deleted > 0 {
                logger.info("removed \(deleted) rows older than \(retentionDays) days (daily totals kept)")
            }
        } catch {
            logger.warning("pruning failed: \(Self.describe(error))")
        }
    }

    private func warn(_ message: String, problem: String) {
        let isNew = state.withLock { state -> Bool in
            defer {
                state.warning = message
                state.problem = problem
            }
            return state.warning != message
        }
        if isNew { logger.warning("\(message)") }
    }

    private func clearWarning() {
        let (had, dropped) = state.withLock { state -> (Bool, Int) in
            defer {
                state.warning = nil
                state.dropped = 0
            }
            return (state.warning != nil, state.dropped)
        }
        if had {
            let lost = dropped > 0 ? " (\(dropped) rows could not be kept)" : ""
            logger.notice("writing to \(path) again\(lost)")
        }
    }

    static func describe(_ error: any Error) -> String {
        if let error = error as? DatabaseError {
            switch error.resultCode {
            case .SQLITE_BUSY, .SQLITE_LOCKED: return "the database is locked by another program"
            case .SQLITE_READONLY: return "the database is read-only"
            case .SQLITE_FULL: return "the disk is full"
            case .SQLITE_CANTOPEN: return "the file cannot be opened"
            default: return error.message ?? "\(error.resultCode)"
            }
        }
        return "\(error)"
    }
}

/// Runs the ledger with the proxy: opens it at start, writes what is pending at shutdown.
public struct UsageLedgerService: Service {
    /// The ledger this service opens and flushes.
    public let ledger: UsageLedger

    /// A service running `ledger` with the proxy.
    public init(ledger: UsageLedger) { self.ledger = ledger }

    /// Starts the ledger, waits for graceful shutdown, then writes every pending row.
    public func run() async throws {
        ledger.start()
        try? await gracefulShutdown()
        await ledger.flush(final: true)
    }
}

extension UsageLedgerService: CustomStringConvertible {
    /// The ledger's file.
    public var description: String { "UsageLedgerService(\(ledger.path))" }
}
