import ArgumentParser
import Foundation
import Logging
import Proxy

/// `switchboard check`: validates the config and shows what it resolves to, keys redacted.
struct CheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Validate the config and print the resolved providers and routes (keys are never shown).",
        discussion: exitStatusHelp
    )

    @OptionGroup var configOptions: ConfigOptions

    @Flag(
        name: .long,
        help: "Also send a one-token request to every provider,model and print status and time to first token."
    )
    var probe = false

    @Flag(
        name: .long,
        help: """
            With --probe: grade each model on what Claude Code needs (text, tool calls, tool results, \
            parallel tools, thinking, max_tokens, speed); results are kept in switchboard-models.json.
            """
    )
    var card = false

    @Option(name: .long, help: "With --card: grade this provider,model instead of every configured one (repeatable).")
    var model: [String] = []

    @Flag(name: .long, help: "With --card: print the report card as JSON.")
    var json = false

    func validate() throws {
        if card, !probe { throw ValidationError("--card needs --probe") }
        if !card, !model.isEmpty || json { throw ValidationError("--model and --json go with --probe --card") }
        for text in model where ModelRef(parsing: text) == nil {
            throw ValidationError("--model \(text): expected provider,model")
        }
    }

    func run() async throws {
        let config = try configOptions.load()
        // Warnings go to standard error, so the report can be piped or diffed.
        for warning in config.warnings { Console.error("warning: \(warning)") }
        if card {
            try await ReportCardRun(config: config, models: model.compactMap(ModelRef.init(parsing:)), json: json).run()
            return
        }
        Console.out(ConfigReport(config: config).text)
        guard probe else { return }
        Console.out("")
        Console.out("Probe (one-token request to each model):")
        let client = UpstreamClient(proxyURL: config.proxyURL)
        var logger = Logger(label: "switchboard.probe")
        logger.logLevel = .critical
        var once = RetryPolicy()
        once.retries = 0
        let engine = ProxyEngine(store: ConfigStore(config), client: client, logger: logger, retry: once)
        let results = await Prober(engine: engine).probeAll(config.allModels)
        await client.shutdown()
        Console.out(ProbeReport(results: results, redactor: SecretRedactor(secrets: config.secrets)).text)
        if results.contains(where: { !$0.succeeded }) { throw ExitCode(1) }
    }
}

/// The probe table.
struct ProbeReport {
    let results: [Prober.Result]
    let redactor: SecretRedactor

    var text: String {
        let width = max(5, results.map(\.model.description.count).max() ?? 0)
        var lines = ["  " + "MODEL".padding(toLength: width, withPad: " ", startingAt: 0) + "  STATUS  TTFT     ERROR"]
        for result in results {
            let ttft = result.ttft.map { Format.milliseconds($0.milliseconds) } ?? "-"
            var error = String(redactor.redact(result.error ?? "").map { $0.isNewline ? " " : $0 })
            if error.count > 160 { error = String(error.prefix(159)) + "…" }
            lines.append(
                "  " + result.model.description.padding(toLength: width, withPad: " ", startingAt: 0) + "  "
                    + String(result.status).padding(toLength: 6, withPad: " ", startingAt: 0) + "  "
                    + ttft.padding(toLength: 7, withPad: " ", startingAt: 0) + "  " + (result.succeeded ? "ok" : error)
            )
        }
        return lines.joined(separator: "\n")
    }
}

/// The text `check` prints.
struct ConfigReport {
    let config: SwitchboardConfig

    var text: String {
        var lines: [String] = []
        lines.append("Config: \(config.source)")
        lines.append("")
        lines.append("Providers:")
        let nameWidth = max(4, config.providers.map(\.name.count).max() ?? 0)
        for provider in config.providers {
            let indent = "  \(String(repeating: " ", count: nameWidth))  "
            let endpoint =
                provider.anthropic ? provider.messagesEndpoint + " (Anthropic API, passed through)" : provider.endpoint
            lines.append("  \(provider.name.padding(toLength: nameWidth, withPad: " ", startingAt: 0))  \(endpoint)")
            if let note = provider.endpointNote, let base = provider.baseURL {
                lines.append(indent + "api_base_url \(base) is \(note)")
            }
            let scopes =
                [("", provider.transformers)]
                + provider.modelTransformers.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
            if provider.anthropic {
                // Nothing is translated, so neither a preset nor a transformer changes anything.
                lines.append(indent + "pass-through: requests and answers are not translated; no preset applies")
                lines.append(indent + "key: \(provider.keyDescription)")
                if let rpm = provider.requestsPerMinute {
                    lines.append(indent + "rpm: \(rpm) (extra requests wait their turn)")
                }
                lines.append(indent + "models: \(provider.models.joined(separator: ", "))")
                let names = scopes.flatMap(\.1).map(\.name).filter { $0.lowercased() != "anthropic" }
                if !names.isEmpty {
                    lines.append(indent + "transformers not applied (pass-through): " + names.joined(separator: ", "))
                }
                continue
            }
            let origin = provider.explicitPreset == nil ? "detected from the URL" : "set by \"preset\""
            lines.append(indent + "preset: \(provider.preset) (\(origin)): \(provider.preset.summary)")
            lines.append(indent + "key: \(provider.keyDescription)")
            if let rpm = provider.requestsPerMinute {
                lines.append(indent + "rpm: \(rpm) (extra requests wait their turn)")
            }
            lines.append(indent + "models: \(provider.models.joined(separator: ", "))")
            for (model, chain) in scopes where !chain.isEmpty {
                var profile = ProviderProfile.resolve(provider: provider, model: model)
                let effects = chain.map { "\($0.name) \($0.apply(to: &profile))" }
                lines.append(
                    indent + "transformers\(model.isEmpty ? "" : " for \(model)"): " + effects.joined(separator: "; ")
                )
            }
        }
        lines.append("")
        lines.append("Routes:")
        for kind in RouteKind.configurable {
            let target = config.routes[kind].map(\.description) ?? "(not set: uses default)"
            var line = "  \(kind.rawValue.padding(toLength: 12, withPad: " ", startingAt: 0)) \(target)"
            if let fallbacks = config.fallbacks[kind], !fallbacks.isEmpty {
                line += "   fallback: " + fallbacks.map(\.description).joined(separator: " → ")
            }
            lines.append(line)
        }
        lines.append("  longContextThreshold: \(config.longContextThreshold) tokens")
        lines.append("")
        lines.append("Server:")
        lines.append("  listen: \(config.host):\(config.port)")
        let auth: String
        if config.apiKey == nil {
            auth = "none (any client key accepted)"
        } else if let variable = config.apiKeyVariable {
            auth = "APIKEY required (from $\(variable))"
        } else {
            auth = "APIKEY required"
        }
        lines.append("  client auth: \(auth)")
        lines.append("  upstream timeout: \(config.apiTimeoutMilliseconds) ms (API_TIMEOUT_MS)")
        lines.append("  log: \(config.log ? config.logLevel : "off")")
        if config.proxyURL != nil { lines.append("  outbound proxy: PROXY_URL set") }
        return lines.joined(separator: "\n")
    }
}
