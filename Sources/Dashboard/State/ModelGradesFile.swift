import Foundation
import Proxy

/// The report card's last results, `switchboard-models.json` beside the state file: what the
/// dashboard's model switcher shows beside each model, and what `setup` proposes routes from.
/// Each model keeps its own date; grading some models leaves the others' results alone.
struct ModelGradesFile {
    let path: String

    init(config: SwitchboardConfig, homeDirectory: String) {
        let state = RouteStateFile(config: config, homeDirectory: homeDirectory).path
        path = (state as NSString).deletingLastPathComponent + "/switchboard-models.json"
    }

    /// The file beside a state file (`switchboard-state.json`).
    init(besideStateFile statePath: String) {
        path = (statePath as NSString).deletingLastPathComponent + "/switchboard-models.json"
    }

    init(path: String) {
        self.path = path
    }

    /// The kept results by model (missing or unreadable file: none).
    func load() -> [ModelRef: (entry: ReportCard.Entry, date: String)] {
        guard let data = FileManager.default.contents(atPath: path), let json = try? JSONParser.parse(data),
            let models = json["models"]?.arrayValue
        else { return [:] }
        var result: [ModelRef: (entry: ReportCard.Entry, date: String)] = [:]
        for item in models {
            guard let entry = ReportCard.Entry(json: item) else { continue }
            result[entry.model] = (entry, item["date"]?.stringValue ?? "")
        }
        return result
    }

    /// Adds (or replaces) `entries`, dated `date`, atomically.
    func save(_ entries: [ReportCard.Entry], date: Date) throws {
        let formatter = ISO8601DateFormatter()
        let stamp = formatter.string(from: date)
        var kept = load()
        for entry in entries { kept[entry.model] = (entry, stamp) }
        let items: [JSONValue] = kept.keys.sorted().compactMap { model in
            guard let item = kept[model], case .object(var object) = item.entry.json else { return nil }
            object["date"] = .string(item.date)
            return .object(object)
        }
        let document: JSONValue = .object(["version": 1, "models": .array(items)])
        let directory = (path as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try Data((document.jsonString + "\n").utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
    }
}
