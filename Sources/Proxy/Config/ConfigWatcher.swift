import Foundation
import Logging
import ServiceLifecycle

/// Applies edits of the config file without a restart: the next request uses the new
/// providers and routes; a broken edit is refused with a message and the last good config
/// keeps serving. Route switches made at run time survive (see ``RouteTable``).
///
/// Polls the file's size, modification time and inode (every editor's way of saving changes
/// one of them), then waits a moment so a save in several writes is read whole.
public struct ConfigWatcher: Service {
    let path: String
    let store: ConfigStore
    let loader: ConfigLoader
    let logger: Logger
    let interval: Duration
    /// Applied to every reloaded config (command-line overrides such as `--port`).
    let adjust: @Sendable (SwitchboardConfig) -> SwitchboardConfig

    /// Watches the file at `path`, checking it every `interval`; each good reload goes through
    /// `adjust` into `store`.
    public init(
        path: String,
        store: ConfigStore,
        loader: ConfigLoader,
        logger: Logger,
        interval: Duration = .milliseconds(500),
        adjust: @escaping @Sendable (SwitchboardConfig) -> SwitchboardConfig = { $0 }
    ) {
        self.path = path
        self.store = store
        self.loader = loader
        var logger = logger
        logger[metadataKey: "component"] = "config"
        self.logger = logger
        self.interval = interval
        self.adjust = adjust
    }

    struct Signature: Equatable {
        var size: UInt64
        var modified: Date
        var inode: UInt64
    }

    func signature() -> Signature? {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path) else { return nil }
        return Signature(
            size: (attributes[.size] as? NSNumber)?.uint64Value ?? 0,
            modified: attributes[.modificationDate] as? Date ?? .distantPast,
            inode: (attributes[.systemFileNumber] as? NSNumber)?.uint64Value ?? 0
        )
    }

    /// Polls the file until the service group shuts down gracefully.
    public func run() async throws {
        try? await cancelWhenGracefulShutdown { try await watch() }
    }

    private func watch() async throws {
        var last = signature()
        while !Task.isCancelled {
            try await Task.sleep(for: interval)
            let current = signature()
            guard current != last else { continue }
            // Let a save that takes several writes finish.
            try await Task.sleep(for: .milliseconds(100))
            last = signature()
            guard last != nil else {
                store.noteReload(error: "\(path) disappeared; still serving the previous config")
                logger.error("config: \(path) disappeared; still serving the previous config")
                continue
            }
            reload()
        }
    }

    /// Reads the file again and applies it, or keeps the current config when it is broken.
    func reload() {
        let previous = store.config
        do {
            let config = adjust(try loader.load(from: .file(path)))
            store.replace(with: config)
            store.noteReload(error: nil)
            for warning in config.warnings where !previous.warnings.contains(warning) {
                logger.warning("config: \(warning)")
            }
            var needsRestart: [String] = []
            if config.host != previous.host || config.port != previous.port { needsRestart.append("HOST/PORT") }
            if config.proxyURL != previous.proxyURL { needsRestart.append("PROXY_URL") }
            if config.logLevel != previous.logLevel || config.log != previous.log
                || config.logFormat != previous.logFormat
            {
                needsRestart.append("LOG/LOG_LEVEL/LOG_FORMAT")
            }
            let note =
                needsRestart.isEmpty ? "" : " (\(needsRestart.joined(separator: ", ")) take effect after a restart)"
            logger.info("config: reloaded \(path)\(note)")
        } catch {
            store.noteReload(error: "\(error); still serving the previous config")
            logger.error("config: edit refused: \(error); still serving the previous config")
        }
    }
}

extension ConfigWatcher: CustomStringConvertible {
    /// The watched path (the service lifecycle logs each service's description).
    public var description: String { "ConfigWatcher(\(path))" }
}
