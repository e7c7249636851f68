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
    func load() -> [RouteKind: ModelRef] { read().switches }

    /// What the file holds, and what is wrong with it: `corrupt` when it is not a state file
    /// at all, `skipped` for entries that are not `route: "provider,model"`.
    func read() -> (switches: [RouteKind: ModelRef], corrupt: String?, skipped: [String]) {
        guard let data = FileManager.default.contents(atPath: path) else { return ([:], nil, []) }
        let json: JSONValue
        do {
            json = try JSONParser.parse(data)
        } catch {
            return ([:], "not JSON (\(error))", [])
        }
        guard case .object(let routes)? = json["routes"] else {
            return ([:], "no \"routes\" object", [])
        }
        var result: [RouteKind: ModelRef] = [:]
        var skipped: [String] = []
        for member in routes.members {
            guard let kind = RouteKind(rawValue: member.key), let text = member.value.stringValue,
                let ref = ModelRef(parsing: text)
            else {
                skipped.append("\(member.key): \(member.value.jsonString)")
                continue
            }
            result[kind] = ref
        }
        return (result, nil, skipped)
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

    /// Applies saved switches to `table`, skipping any whose provider is no longer configured,
    /// and says so through `warn`: a switch that names a provider no longer configured, an entry
    /// that is not a switch, and a file that is not a state file at all, which is moved aside
    /// (never deleted) so the next save does not overwrite what the user may want back.
    /// Returns what was applied.
    @discardableResult
    func apply(
        to table: RouteTable,
        config: SwitchboardConfig,
        now: Date = Date(),
        warn: (String) -> Void = { _ in }
    ) -> [RouteKind: ModelRef] {
        let (switches, corrupt, skipped) = read()
        if let corrupt {
            let aside = path + ".corrupt-" + Self.stamp(now)
            do {
                try FileManager.default.moveItem(atPath: path, toPath: aside)
                warn("\(path) is not a route state file (\(corrupt)); kept as \(aside); using the configured routes")
            } catch {
                warn("\(path) is not a route state file (\(corrupt)); using the configured routes")
            }
        }
        for entry in skipped { warn("\(path): ignored \(entry) (not a route and \"provider,model\")") }
        var applied: [RouteKind: ModelRef] = [:]
        for (kind, ref) in switches.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
            guard let provider = config.provider(named: ref.provider) else {
                warn(
                    "\(path): the saved switch of route \(kind) to \(ref) is ignored: provider \"\(ref.provider)\" is no longer configured; the route uses \(config.routes[kind].map(\.description) ?? "the default")"
                )
                continue
            }
            let resolved = ModelRef(provider: provider.name, model: ref.model)
            table.switchRoute(kind, to: resolved)
            applied[kind] = resolved
        }
        return applied
    }

    static func stamp(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd-HHmmss"
        return formatter.string(from: date)
    }
}

extension RouteTable {
    /// The run-time switches in force.
    var switches: [RouteKind: ModelRef] {
        entries().compactMapValues { $0.isSwitched ? $0.override : nil }
    }
}
