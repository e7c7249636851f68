import Dispatch
import Foundation
import Proxy
import ServiceLifecycle
import Synchronization

/// Reads the usage ledger for the dashboard every few seconds, on a queue of its own: a slow,
/// locked or missing file never holds up a key press or a frame on the dashboard thread, which
/// only takes the latest read from the ``LedgerInbox`` and folds it into its state.
struct LedgerFeed: Service {
    /// How often the header's and the Routes pane's figures are read.
    static let interval: TimeInterval = 3
    /// How often the History view's data is read while the view is open.
    static let historyInterval: TimeInterval = 15
    /// The Routes pane's sparkline: tokens per minute over this many minutes.
    static let sparklineMinutes = 30
    /// How many requests of earlier runs the Requests pane starts with.
    static let pastLimit = 200

    /// The ledger's SQLite file (opened read-only: the proxy writes it meanwhile).
    let path: String
    /// The writer, for its status (rows waiting, warnings, budgets).
    let ledger: UsageLedger?
    let inbox: LedgerInbox
    /// This run's start: the past requests are those that started before it.
    let startedAt: Date

    private static let queue = DispatchQueue(label: "switchboard.dashboard.ledger")

    func run() async throws {
        try? await cancelWhenGracefulShutdown { try await self.poll() }
    }

    private func poll() async throws {
        var pastRead = false
        var lastRead = Date.distantPast
        var lastHistory: Date?
        while !Task.isCancelled {
            let now = Date()
            let wantsHistory = inbox.historyWanted.load(ordering: .relaxed)
            if !wantsHistory { lastHistory = nil }
            let historyDue =
                wantsHistory && (lastHistory.map { now.timeIntervalSince($0) >= Self.historyInterval } ?? true)
            if historyDue || now.timeIntervalSince(lastRead) >= Self.interval {
                let (path, startedAt, past) = (self.path, self.startedAt, !pastRead)
                var snapshot = await withCheckedContinuation {
                    (continuation: CheckedContinuation<LedgerSnapshot, Never>) in
                    Self.queue.async {
                        continuation.resume(
                            returning: Self.read(
                                path: path,
                                now: now,
                                startedAt: startedAt,
                                past: past,
                                history: historyDue
                            )
                        )
                    }
                }
                snapshot.status = ledger?.status
                if snapshot.past != nil { pastRead = true }
                if historyDue { lastHistory = now }
                lastRead = now
                inbox.post(snapshot)
            }
            try await Task.sleep(for: .milliseconds(200))
        }
    }

    /// One read of the ledger file at `path`: today's figures, and the past requests and the
    /// History view's data when asked for. A file not created yet reads as an empty ledger.
    static func read(
        path: String,
        now: Date,
        startedAt: Date,
        past: Bool,
        history: Bool,
        calendar: Calendar = .current
    ) -> LedgerSnapshot {
        var snapshot = LedgerSnapshot()
        guard FileManager.default.fileExists(atPath: path) else {
            snapshot.today = StatsRow(key: "total")
            if past { snapshot.past = [] }
            if history { snapshot.history = LedgerHistory(readAt: now) }
            return snapshot
        }
        do {
            // Opened afresh each time: a corrupt file the writer set aside is left behind.
            let query = try UsageQuery(path: path)
            let today = try query.todayByRoute(now: now, calendar: calendar)
            snapshot.today = today.totals
            snapshot.routes = Dictionary(today.routes.map { ($0.key, $0) }, uniquingKeysWith: { first, _ in first })
            snapshot.tokensPerMinute = try query.tokensPerMinute(minutes: sparklineMinutes, now: now)
            if past { snapshot.past = try query.recentRequests(limit: pastLimit, before: startedAt) }
            if history { snapshot.history = try readHistory(query, now: now) }
        } catch  where String(describing: error).contains("no such table") {
            // The writer has created the file but not its tables yet (the first start): empty.
            snapshot = LedgerSnapshot(today: StatsRow(key: "total"), past: past ? [] : nil)
        } catch {
            snapshot = LedgerSnapshot(readError: describe(error))
        }
        return snapshot
    }

    static func readHistory(_ query: UsageQuery, now: Date) throws -> LedgerHistory {
        let since = now.addingTimeInterval(-Double(LedgerHistory.days) * 86_400)
        return LedgerHistory(
            readAt: now,
            hoursByRoute: try query.last24Hours(by: .route, now: now),
            hoursByModel: try query.last24Hours(by: .model, now: now),
            daysByRoute: try query.lastDays(LedgerHistory.days, by: .route, now: now),
            daysByModel: try query.lastDays(LedgerHistory.days, by: .model, now: now),
            models: try query.stats(since: since, until: now.addingTimeInterval(1), by: .model).rows
        )
    }

    /// A short reason for the header (SQLite's message without the statement it ran).
    static func describe(_ error: any Error) -> String {
        var text = String(describing: error)
        if let range = text.range(of: " - while executing") { text = String(text[..<range.lowerBound]) }
        return String(text.prefix(100))
    }
}

/// The hand-over between ``LedgerFeed`` and the dashboard thread: the latest read, and whether
/// the History view is open (its data is read only then).
final class LedgerInbox: Sendable {
    private let latest = Mutex<LedgerSnapshot?>(nil)
    /// Set by the dashboard while the History view is open.
    let historyWanted = Atomic<Bool>(false)

    init() {}

    /// Leaves a read for the dashboard. A read not taken yet is replaced, but what only it
    /// carries (the past requests, the History view's data) is kept.
    func post(_ snapshot: LedgerSnapshot) {
        latest.withLock { latest in
            var snapshot = snapshot
            if snapshot.past == nil { snapshot.past = latest?.past }
            if snapshot.history == nil { snapshot.history = latest?.history }
            latest = snapshot
        }
    }

    /// The read left since the last call, if any.
    func take() -> LedgerSnapshot? {
        latest.withLock { latest in
            defer { latest = nil }
            return latest
        }
    }
}

extension LedgerHistory {
    /// No data (an empty ledger).
    init(readAt: Date) {
        self.init(readAt: readAt, hoursByRoute: [], hoursByModel: [], daysByRoute: [], daysByModel: [], models: [])
    }
}

extension LedgerFeed: CustomStringConvertible {
    var description: String { "LedgerFeed(\(path))" }
}
