import Foundation
import Proxy

/// Route switches made from the dashboard, kept in a small JSON file beside the config (the
/// user's config is never rewritten), so they survive a restart.
struct RouteStateFile {
    let path: String

    /// `switchboard-state.json` next to the config file, or in `~/.config/switchboard/` for
    /// the built-in config.
    init(config: SwitchboardConfig, homeDirectory: String) {
        if let configPath = config.source.path {
            path = (configPath as NSString).deletingLastPathComponent + "/switchboard-state.json"
        } else {
            path = homeDirectory + "/.config/switchboard/switchboard-state.json"
        }
    }

    init(path: String) {
        self.path = path
    }

    /// The saved switches (unreadable or missing file: none).
    func load() -> [RouteKind: ModelRef] {
        guard let data = FileManager.default.contents(atPath: path),
            let json = try? JSONParser.parse(data), case .object(let routes)? = json["routes"]
        else { return [:] }
        var result: [RouteKind: ModelRef] = [:]
        for member in routes.members {
            guard let kind = RouteKind(rawValue: member.key), let text = member.value.stringValue,
                let ref = ModelRef(parsing: text)
            else { continue }
            result[kind] = ref
        }
        return result
    }

    /// Saves the switches in force (atomically).
    func save(_ switches: [RouteKind: ModelRef]) throws {
        var routes = JSONObject()
        for kind in RouteKind.configurable {
            if let ref = switches[kind] { routes[kind.rawValue] = .string(ref.description) }
        }
        let document: JSONValue = .object(["version": 1, "routes": .object(routes)])
        let directory = (path as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try Data(document.jsonBytes + [0x0A]).write(to: URL(fileURLWithPath: path), options: .atomic)
    }

    /// Applies saved switches to `table`, skipping any whose provider is no longer configured.
    /// Returns what was applied.
    @discardableResult
    func apply(to table: RouteTable, config: SwitchboardConfig) -> [RouteKind: ModelRef] {
        var applied: [RouteKind: ModelRef] = [:]
        for (kind, ref) in load() {
            guard let provider = config.provider(named: ref.provider) else { continue }
            let resolved = ModelRef(provider: provider.name, model: ref.model)
            table.switchRoute(kind, to: resolved)
            applied[kind] = resolved
        }
        return applied
    }
}

extension RouteTable {
    /// The run-time switches in force.
    var switches: [RouteKind: ModelRef] {
        entries().compactMapValues { $0.isSwitched ? $0.override : nil }
    }
}
