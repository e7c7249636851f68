import ArgumentParser
import Foundation
import Proxy

/// `switchboard check`: validates the config and shows what it resolves to, keys redacted.
struct CheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Validate the config and print the resolved providers and routes (keys are never shown).")

    @OptionGroup var configOptions: ConfigOptions

    func run() async throws {
        let config = try configOptions.load()
        Console.out(ConfigReport(config: config).text)
    }
}

/// The text `check` prints.
struct ConfigReport {
    let config: SwitchboardConfig

    var text: String {
        var lines: [String] = []
        lines.append("Config: \(config.source)")
        for warning in config.warnings { lines.append("warning: \(warning)") }
        lines.append("")
        lines.append("Providers:")
        let nameWidth = max(4, config.providers.map(\.name.count).max() ?? 0)
        for provider in config.providers {
            lines.append("  \(provider.name.padding(toLength: nameWidth, withPad: " ", startingAt: 0))  \(provider.endpoint)")
            lines.append("  \(String(repeating: " ", count: nameWidth))  key: \(provider.keyDescription)")
            lines.append("  \(String(repeating: " ", count: nameWidth))  models: \(provider.models.joined(separator: ", "))")
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
