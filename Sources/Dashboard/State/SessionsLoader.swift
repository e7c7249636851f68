import Foundation
import Proxy
import Synchronization

/// Reads Claude Code's sessions (and the ledger's totals) and archives them on a dispatch queue,
/// so neither the render loop nor an event loop touches the disk (Swift Concurrency's tasks run
/// on NIO's event loops, which also carry the proxy's traffic: a listing can read for a second). The loop asks (``refresh(ledgerPath:)``,
/// ``archive(_:ledgerPath:)``) and picks the result up when ``version`` changes.
final class SessionsLoader: Sendable {
    struct Snapshot: Sendable {
        var sessions: [SessionSummary] = []
        /// Bumped on every result.
        var version = 0
        /// The last archive's outcome, for the footer.
        var message: String?
        var busy = false
    }

    let directory: ClaudeDataDirectory
    let cachePath: String?
    private let snapshot = Mutex(Snapshot())
    private static let queue = DispatchQueue(label: "switchboard.dashboard.sessions", qos: .utility)

    init(directory: ClaudeDataDirectory = ClaudeDataDirectory(), cachePath: String? = SessionScanCache.defaultPath()) {
        self.directory = directory
        self.cachePath = cachePath
    }

    var current: Snapshot { snapshot.withLock { $0 } }

    /// Lists the sessions again in the background (a request while one runs is dropped).
    func refresh(ledgerPath: String?) {
        guard claim() else { return }
        let directory = directory
        let cachePath = cachePath
        Self.queue.async { [self] in
            let sessions = Self.list(directory: directory, cachePath: cachePath, ledgerPath: ledgerPath)
            snapshot.withLock {
                $0.sessions = sessions
                $0.message = nil
                $0.version += 1
                $0.busy = false
            }
        }
    }

    /// Archives `session` (refused when live: the listing decides), then lists again.
    func archive(_ session: SessionSummary, ledgerPath: String?) {
        let directory = directory
        let cachePath = cachePath
        Self.queue.async { [self] in
            var message: String
            do {
                let manifest = try SessionArchive(directory: directory).archive(session)
                message =
                    "archived \(session.id.prefix(8)) (\(SessionFormat.bytes(manifest.bytes))); "
                    + "switchboard sessions restore \(session.id) puts it back"
            } catch {
                message = "not archived: \(error)"
            }
            let sessions = Self.list(directory: directory, cachePath: cachePath, ledgerPath: ledgerPath)
            snapshot.withLock {
                $0.sessions = sessions
                $0.message = message
                $0.version += 1
            }
        }
    }

    private func claim() -> Bool {
        snapshot.withLock { state in
            if state.busy { return false }
            state.busy = true
            return true
        }
    }

    static func list(directory: ClaudeDataDirectory, cachePath: String?, ledgerPath: String?) -> [SessionSummary] {
        var traffic: [String: SessionTraffic] = [:]
        if let ledgerPath, FileManager.default.fileExists(atPath: ledgerPath),
            let query = try? UsageQuery(path: ledgerPath)
        {
            traffic = (try? query.sessionTraffic()) ?? [:]
        }
        return SessionCatalog(directory: directory, cachePath: cachePath).list(traffic: traffic).sessions
    }
}
