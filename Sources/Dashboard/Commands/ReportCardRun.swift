import ArgumentParser
import Foundation
import Logging
import Proxy

/// `check --probe --card`: grades the models, prints the card, keeps it beside the state file.
struct ReportCardRun {
    let config: SwitchboardConfig
    /// Empty: every configured model.
    let models: [ModelRef]
    let json: Bool
    var environment = ProcessInfo.processInfo.environment

    /// NVIDIA's free tier allows 40 requests a minute; a probe keeps to it when the config sets no `rpm`.
    static let nvidiaRequestsPerMinute = 40

    func run() async throws {
        let entries = try await grade()
        let home = environment["HOME"] ?? NSHomeDirectory()
        let file = ModelGradesFile(config: config, homeDirectory: home)
        do {
            try file.save(entries, date: Date())
        } catch {
            Console.error("warning: could not keep the grades in \(file.path): \(error)")
        }
        if json {
            Console.out(JSONValue.object(["models": .array(entries.map(\.json))]).jsonString)
        } else {
            Console.out(ReportCardTable(entries: entries, unicode: Self.localeIsUTF8(environment)).text)
            Console.out("\nKept in \(file.path)")
        }
        if entries.contains(where: { !$0.usable }) { throw ExitCode(1) }
    }

    /// Grades `models` (or every configured one) with the proxy's own engine, in process.
    func grade(progress: Bool = true) async throws -> [ReportCard.Entry] {
        let targets = models.isEmpty ? config.allModels : models
        for target in targets where config.provider(named: target.provider) == nil {
            Console.error("switchboard: no provider named \"\(target.provider)\" in \(config.source)")
            throw ExitCode(2)
        }
        let client = UpstreamClient(proxyURL: config.proxyURL)
        var logger = Logger(label: "switchboard.card")
        logger.logLevel = .critical
        let engine = ProxyEngine(store: ConfigStore(Self.probeConfig(config)), client: client, logger: logger)
        let entries = await ReportCard(engine: engine).gradeAll(targets) { model in
            if progress { Console.error("grading \(model)…") }
        }
        await client.shutdown()
        return entries
    }

    /// The config with NVIDIA's rate limit applied where none is set.
    static func probeConfig(_ config: SwitchboardConfig) -> SwitchboardConfig {
        var config = config
        for index in config.providers.indices
        where config.providers[index].preset == .nvidia && config.providers[index].requestsPerMinute == nil {
            config.providers[index].requestsPerMinute = nvidiaRequestsPerMinute
        }
        return config
    }

    /// Whether the locale's characters are UTF-8 (else the table uses ASCII marks).
    static func localeIsUTF8(_ environment: [String: String]) -> Bool {
        let locale =
            [environment["LC_ALL"], environment["LC_CTYPE"], environment["LANG"]]
            .compactMap { $0 }.first { !$0.isEmpty } ?? ""
        let lowered = locale.lowercased()
        return lowered.contains("utf-8") || lowered.contains("utf8")
    }
}

/// The report card as a table, one row a model, its errors indented beneath.
struct ReportCardTable {
    let entries: [ReportCard.Entry]
    let unicode: Bool

    static let columns = ["TEXT", "TOOL", "RESULT", "PARALLEL", "THINK"]

    var text: String {
        let width = max(5, entries.map(\.model.description.count).max() ?? 0)
        func pad(_ text: String, _ width: Int) -> String {
            text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
        }
        var header = pad("MODEL", width)
        for column in Self.columns { header += "  " + column }
        header += "  MAX_TOKENS  TTFT     TOK/S"
        var lines = [header]
        for entry in entries {
            var line = pad(entry.model.description, width)
            for (column, grade) in zip(Self.columns, entry.grades.map(\.grade)) {
                line += "  " + pad(grade.symbol(unicode: unicode), column.count)
            }
            line += "  " + pad(entry.maxTokens.map(String.init) ?? "-", 10)
            line += "  " + pad(entry.ttftMilliseconds.map { "\($0) ms" } ?? "-", 7)
            line += "  " + (entry.tokensPerSecond.map { String(format: "%.1f", $0) } ?? "-")
            lines.append(line)
            for error in entry.errors { lines.append("    " + error) }
        }
        let marks = [ReportCard.Grade.pass, .partial, .fail, .skipped]
            .map { "\($0.symbol(unicode: unicode)) \($0.rawValue)" }.joined(separator: "  ")
        lines.append("")
        lines.append(marks)
        return lines.joined(separator: "\n")
    }
}
