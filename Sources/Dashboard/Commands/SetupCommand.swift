import ArgumentParser
import Foundation
import NIOCore
import NIOHTTP1
import Proxy

/// `switchboard setup`: from an API key to a working Claude Code. Picks a provider and its
/// models, grades them with the report card, proposes routes, writes the config, points Claude
/// Code (and VS Code's extension) at Switchboard, and proves it with one answer from `claude`.
struct SetupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "setup",
        abstract: "Set Switchboard and Claude Code up in one go (interactive, or scripted with flags).",
        discussion: """
            Every file it changes is shown as a diff first and backed up; `switchboard setup --undo`
            puts them back. Scripted: switchboard setup --provider nvidia --key-env NVIDIA_API_KEY --models a,b --yes
            """
    )

    @Option(name: .long, help: "Provider: \(SetupProvider.all.map(\.name).joined(separator: ", ")) (default: nvidia).")
    var provider: String?

    @Option(
        name: .long,
        help: "Environment variable holding the provider's key; the config refers to it, never copies it."
    )
    var keyEnv: String?

    @Option(name: .long, help: "Comma-separated models to grade and route (default: ask, or the known-good ones).")
    var models: String?

    @Flag(name: .long, help: "Accept every proposal without asking.")
    var yes = false

    @Option(name: .long, help: "The provider's API base URL (a mirror or a gateway).")
    var baseUrl: String?

    @Option(name: .long, help: "The port Switchboard listens on, written everywhere (default 3456).")
    var port: Int?

    @Flag(name: .long, help: "Skip the final proof (one answer from Claude Code through the new set-up).")
    var noVerify = false

    @Flag(name: .long, help: "Put back every file setup changed, from its backups.")
    var undo = false

    func validate() throws {
        if let port, !(1...65_535).contains(port) { throw ValidationError("--port must be between 1 and 65535") }
        if let provider, SetupProvider.named(provider) == nil {
            throw ValidationError("--provider must be one of \(SetupProvider.all.map(\.name).joined(separator: ", "))")
        }
        if let baseUrl, !(baseUrl.hasPrefix("http://") || baseUrl.hasPrefix("https://")) {
            throw ValidationError("--base-url must be an http(s) URL")
        }
    }

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        let home = environment["HOME"] ?? NSHomeDirectory()
        let files = SetupFiles(home: home)
        if undo {
            let done = try files.undo()
            Console.out(
                done.isEmpty ? "Nothing to undo: setup has not changed any file." : done.joined(separator: "\n")
            )
            return
        }
        let prompter = Prompter(interactive: !yes && isatty(0) == 1)

        // 1. The provider.
        let chosen: SetupProvider
        if let provider, let named = SetupProvider.named(provider) {
            chosen = named
        } else if prompter.interactive {
            Console.out("Providers:")
            for (index, option) in SetupProvider.all.enumerated() { Console.out("  \(index + 1). \(option.title)") }
            let answer = prompter.ask("Provider", default: "1")
            chosen =
                Int(answer).flatMap { SetupProvider.all.indices.contains($0 - 1) ? SetupProvider.all[$0 - 1] : nil }
                ?? SetupProvider.named(answer) ?? SetupProvider.all[0]
        } else {
            chosen = SetupProvider.all[0]
        }
        let baseURL =
            baseUrl
            ?? prompter.ask(
                "API base URL (Enter for the provider's own; or a mirror, a gateway)",
                default: chosen.baseURL
            )
        let listenPort = self.port ?? 3456

        // 2. The key: a variable's name in the config, or the key itself in a 0600 file.
        var apiKey: String?
        var keyValue: String?
        if let keyEnv {
            let name = keyEnv.hasPrefix("$") ? String(keyEnv.dropFirst()) : keyEnv
            guard let value = environment[name], !value.trimmingCharacters(in: .whitespaces).isEmpty else {
                Console.error(
                    "switchboard setup: $\(name) is not set (or empty); export it first, or leave --key-env out to type the key"
                )
                throw ExitCode(2)
            }
            apiKey = "$" + name
            keyValue = value
        } else if let variable = chosen.keyVariable {
            if let value = environment[variable], !value.isEmpty {
                Console.out("Using the key in $\(variable) (the config refers to the variable; the key is not copied).")
                apiKey = "$" + variable
                keyValue = value
            } else if let typed = prompter.secret("\(chosen.title) API key (not shown, not kept in shell history)") {
                apiKey = typed
                keyValue = typed
            } else {
                Console.error(
                    "switchboard setup: no key: export \(variable)=… and pass --key-env \(variable), or run setup in a terminal to type it"
                )
                throw ExitCode(2)
            }
        }
        let redactor = SecretRedactor(secrets: keyValue.map { [$0] } ?? [])

        // 3. The models.
        var modelIDs = (models ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }
        if modelIDs.isEmpty {
            let catalogue: [String]
            do {
                catalogue = try await Self.catalogue(baseURL: baseURL, key: keyValue, provider: chosen)
            } catch {
                let reason = redactor.redact("\(error)")
                Console.error(
                    "switchboard setup: could not list the models at \(SetupProvider.modelsEndpoint(baseURL)): \(reason)"
                        + Self.hint(reason: reason, baseURL: baseURL, provider: chosen)
                        + "; or name the models with --models"
                )
                throw ExitCode(1)
            }
            guard !catalogue.isEmpty else {
                Console.error(
                    "switchboard setup: \(SetupProvider.modelsEndpoint(baseURL)) lists no chat models; pass --models"
                )
                throw ExitCode(1)
            }
            let good = catalogue.filter { chosen.knownGood.contains($0) }
            let defaults = good.isEmpty ? Array(catalogue.prefix(2)) : Array(good.prefix(3))
            if prompter.interactive {
                Console.out("\nChat models at \(chosen.name) (★ known to work with Claude Code):")
                let shown = Array(catalogue.prefix(30))
                for (index, id) in shown.enumerated() {
                    Console.out(
                        "  \(String(index + 1).leftPadded(2)). \(chosen.knownGood.contains(id) ? "★" : " ") \(id)"
                    )
                }
                if catalogue.count > shown.count {
                    Console.out("  … and \(catalogue.count - shown.count) more (type their names)")
                }
                let defaultNumbers = defaults.compactMap { shown.firstIndex(of: $0).map { String($0 + 1) } }
                let answer = prompter.ask(
                    "Models to grade (numbers or names, comma-separated)",
                    default: defaultNumbers.joined(separator: ",")
                )
                modelIDs = answer.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.compactMap {
                    item in
                    if let number = Int(item), shown.indices.contains(number - 1) { return shown[number - 1] }
                    return item.isEmpty ? nil : item
                }
            } else {
                modelIDs = defaults
            }
        }
        guard !modelIDs.isEmpty else {
            Console.error("switchboard setup: no models chosen")
            throw ExitCode(2)
        }

        // 4. Grade them with the report card, through a config like the one to be written.
        let configPath = home + "/.config/switchboard/config.json"
        var text = SetupConfigText(
            provider: chosen,
            baseURL: baseURL,
            apiKey: apiKey,
            models: modelIDs,
            routes: [(.default, ModelRef(provider: chosen.name, model: modelIDs[0]), "first model")],
            port: listenPort,
            date: Date()
        )
        let loader = ConfigLoader(environment: environment, homeDirectory: home)
        var draft: SwitchboardConfig
        do {
            draft = try loader.parse(Data(text.text().utf8), source: .file(configPath))
        } catch {
            Console.error("switchboard setup: \(redactor.redact("\(error)"))")
            throw ExitCode(2)
        }
        let refs = modelIDs.map { ModelRef(provider: chosen.name, model: $0) }
        Console.out("\nGrading \(refs.count) model\(refs.count == 1 ? "" : "s") (a few short requests each)…")
        let entries = try await ReportCardRun(config: draft, models: refs, json: false, environment: environment)
            .grade()
        Console.out(ReportCardTable(entries: entries, unicode: ReportCardRun.localeIsUTF8(environment)).text)
        try? ModelGradesFile(path: (configPath as NSString).deletingLastPathComponent + "/switchboard-models.json")
            .save(entries, date: Date())
        if !entries.contains(where: \.usable) {
            Console.out("\nWarning: no model passed both text and tool calls; Claude Code will struggle with these.")
        }

        // 5. Routes from the grades.
        var proposal = RouteProposal(entries: entries) {
            draft.provider(named: $0.provider)?.contextWindow(model: $0.model)
        }
        Console.out("\nProposed routes:")
        for route in proposal.routes {
            Console.out(
                "  \(route.kind.rawValue.padding(toLength: 12, withPad: " ", startingAt: 0)) \(route.model)   (\(route.why))"
            )
        }
        if prompter.interactive, !prompter.confirm("Use these routes?") {
            for (index, route) in proposal.routes.enumerated() {
                Console.out(
                    "  models: "
                        + modelIDs.enumerated().map { "\($0.offset + 1). \($0.element)" }.joined(separator: "  ")
                )
                let answer = prompter.ask("  \(route.kind.rawValue)", default: route.model.model)
                let id = Int(answer).flatMap { modelIDs.indices.contains($0 - 1) ? modelIDs[$0 - 1] : nil } ?? answer
                proposal.routes[index].model = ModelRef(provider: chosen.name, model: id)
                proposal.routes[index].why = "your choice"
            }
        }
        text.routes = proposal.routes
        let configText = text.text()
        do {
            draft = try loader.parse(Data(configText.utf8), source: .file(configPath))
        } catch {
            Console.error("switchboard setup: \(redactor.redact("\(error)"))")
            throw ExitCode(2)
        }

        // 6. The files: the config, Claude Code's settings, VS Code's settings.
        let literalKey = apiKey.map { !$0.hasPrefix("$") } ?? false
        let shownConfig = text.text(hidingLiteralKey: true)
        try change(
            path: configPath,
            title: "Switchboard's config",
            // Only the date in the first line differs: the same config, left alone.
            newText: { old in old.drop { $0 != "\n" } == configText.drop { $0 != "\n" } ? old : configText },
            shown: { old, _ in (old, shownConfig) },
            mode: literalKey ? 0o600 : 0o644,
            files: files,
            prompter: prompter
        )
        if literalKey { chmod(configPath, 0o600) }

        let variables = EnvScript.variables(draft)
        let claudeDirectory = environment["CLAUDE_CONFIG_DIR"].flatMap { $0.isEmpty ? nil : $0 } ?? home + "/.claude"
        let claudeSettings = claudeDirectory + "/settings.json"
        let claudeChanged = try change(
            path: claudeSettings,
            title: "Claude Code's settings (its env block points it at Switchboard, so a plain `claude` works)",
            newText: { old in try Self.claudeSettings(old, variables: variables) },
            files: files,
            prompter: prompter
        )

        if let vscode = Self.vscodeSettingsPath(home: home) {
            try change(
                path: vscode,
                title: "VS Code's user settings (the Claude Code extension's environment)",
                newText: { old in try Self.vscodeSettings(old, variables: variables) },
                files: files,
                prompter: prompter
            )
        } else {
            Console.out("\nVS Code: no user settings folder found (~/.config/Code/User); skipped.")
        }

        // 7. The proof.
        if noVerify {
            Console.out("\nDone (proof skipped). Run `claude`, or `switchboard claude` to start Switchboard with it.")
            return
        }
        Console.out("\nProof: asking Claude Code for one line through Switchboard…")
        let proof = await SetupProof(
            configPath: configPath,
            config: draft,
            settingsApplied: claudeChanged != .declined,
            environment: environment
        ).run()
        switch proof {
        case .answered(let line):
            Console.out("Claude Code answered through Switchboard: \(redactor.redact(line))")
            Console.out("\nDone. Run `claude` (or `switchboard` for the dashboard).")
        case .failed(let reason):
            Console.out("The proof failed: \(redactor.redact(reason))")
            throw ExitCode(1)
        }
    }

    enum Change { case written, unchanged, declined }

    /// Shows the diff for one file, asks, backs up and writes.
    @discardableResult
    func change(
        path: String,
        title: String,
        newText: (String) throws -> String,
        shown: ((String, String) -> (String, String))? = nil,
        mode: Int = 0o644,
        files: SetupFiles,
        prompter: Prompter
    ) throws -> Change {
        let old = FileManager.default.contents(atPath: path).map { String(decoding: $0, as: UTF8.self) } ?? ""
        let new: String
        do {
            new = try newText(old)
        } catch {
            Console.out("\n\(title): \(path) cannot be merged (\(error)); left as it is.")
            return .declined
        }
        if new == old {
            Console.out("\n\(title): \(path) is already set up; unchanged.")
            return .unchanged
        }
        let (oldShown, newShown) = shown?(old, new) ?? (old, new)
        Console.out("\n\(title): \(path)")
        Console.out(
            LineDiff.unified(
                old: oldShown,
                new: newShown,
                oldLabel: FileManager.default.fileExists(atPath: path) ? path : "/dev/null",
                newLabel: path
            )
        )
        guard prompter.confirm("Write \(path)? (a backup is kept; `switchboard setup --undo` restores it)") else {
            Console.out("Skipped.")
            return .declined
        }
        try files.write(new, to: path, mode: mode)
        Console.out("Written.")
        return .written
    }

    /// Claude Code's `settings.json` with the variables in its `env` block.
    static func claudeSettings(_ old: String, variables: [(String, String)]) throws -> String {
        var editor = JSONCEditor(old)
        if let problem = editor.problem { throw JSONCEditor.SyntaxError(description: problem) }
        try editor.set(variables.map { ($0.0, JSONValue.string($0.1)) }, at: ["env"])
        return editor.text
    }

    /// VS Code's user `settings.json` with the extension's environment (other variables kept).
    static func vscodeSettings(_ old: String, variables: [(String, String)]) throws -> String {
        var editor = JSONCEditor(old)
        if let problem = editor.problem { throw JSONCEditor.SyntaxError(description: problem) }
        let names = Set(variables.map(\.0))
        var list = (editor.value("claudeCode.environmentVariables", at: []) ?? .array([])).arrayValue ?? []
        list.removeAll { $0["name"]?.stringValue.map(names.contains) ?? false }
        list += variables.map { ["name": .string($0.0), "value": .string($0.1)] }
        if editor.value("claudeCode.environmentVariables", at: []) != .array(list) {
            try editor.set("claudeCode.environmentVariables", .array(list), at: [])
        }
        // The extension asks for an Anthropic login unless told a gateway does the auth.
        try editor.set("claudeCode.disableLoginPrompt", true, at: [])
        return editor.text
    }

    /// VS Code's user settings file, when VS Code's folder exists.
    static func vscodeSettingsPath(home: String) -> String? {
        let candidates = [
            home + "/.config/Code/User", home + "/Library/Application Support/Code/User",
        ]
        for folder in candidates {
            let parent = (folder as NSString).deletingLastPathComponent
            if FileManager.default.fileExists(atPath: parent) { return folder + "/settings.json" }
        }
        return nil
    }

    /// What to do about a catalogue that could not be fetched, when the reason says more than
    /// itself: nothing listens at a local address (Ollama not started).
    static func hint(reason: String, baseURL: String, provider: SetupProvider) -> String {
        guard reason.contains("connection refused") else { return "" }
        let host = URL(string: baseURL)?.host ?? ""
        guard ListenPreflight.isLoopback(host) || host == "0.0.0.0" else { return "" }
        if provider.name == "ollama" {
            return " (nothing listens there: is Ollama running? Start it with `ollama serve`)"
        }
        return " (nothing listens there: is the server running?)"
    }

    /// The chat models at the provider, known-good first.
    static func catalogue(baseURL: String, key: String?, provider: SetupProvider) async throws -> [String] {
        // The proxy's own client: a refused connection fails at once (a shared client retries
        // until its deadline, 30 s of silence when Ollama is not running), and HTTPS_PROXY and
        // NO_PROXY apply as they will for requests.
        let client = UpstreamClient()
        let result: Result<(status: Int, body: ByteBuffer), any Error>
        do {
            result = .success(
                try await client.get(
                    SetupProvider.modelsEndpoint(baseURL),
                    headers: key.map { [("Authorization", "Bearer \($0)")] } ?? [],
                    timeout: .seconds(30)
                )
            )
        } catch {
            result = .failure(error)
        }
        await client.shutdown()
        let (status, body) = try result.get()
        guard status == 200 else {
            throw SetupError(description: "HTTP \(status): \(String(buffer: body).prefix(200))")
        }
        return provider.chatModels(fromCatalogue: try JSONParser.parse(Array(buffer: body)))
    }
}

struct SetupError: Error, CustomStringConvertible {
    var description: String
}

extension String {
    fileprivate func leftPadded(_ width: Int) -> String {
        count >= width ? self : String(repeating: " ", count: width - count) + self
    }
}
