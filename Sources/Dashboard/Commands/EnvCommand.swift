import ArgumentParser
import Foundation
import Proxy

/// `switchboard env`: `export` lines that point Claude Code at the proxy.
struct EnvCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "env",
        abstract: "Print export lines for: eval \"$(switchboard env)\""
    )

    @OptionGroup var configOptions: ConfigOptions

    @Option(name: .long, help: "Host the Switchboard to use listens on (default: the config's HOST, else 127.0.0.1).")
    var host: String?

    @Option(name: .long, help: "Port the Switchboard to use listens on (default: the config's PORT, else 3456).")
    var port: Int?

    func validate() throws {
        if let port, !(1...65_535).contains(port) { throw ValidationError("--port must be between 1 and 65535") }
    }

    func run() async throws {
        var config = try configOptions.load()
        if let host { config.host = host }
        if let port { config.port = port }
        Console.out(EnvScript(config: config, stdoutIsTerminal: isatty(1) == 1).text)
    }
}

/// The script `env` prints. The client token is written as a reference to its variable when
/// the config reads it from one; a literal `APIKEY` is only written when the output goes to a
/// pipe (`eval "$(…)"`), never onto a terminal screen.
struct EnvScript {
    let config: SwitchboardConfig
    let stdoutIsTerminal: Bool

    /// The URL a client on this machine uses for `config`'s address.
    static func clientURL(_ config: SwitchboardConfig) -> String {
        let host = ["0.0.0.0", "::", ""].contains(config.host) ? "127.0.0.1" : config.host
        return "http://\(host.contains(":") ? "[\(host)]" : host):\(config.port)"
    }

    /// The variables themselves, for a Claude Code that Switchboard starts (`switchboard claude`).
    static func variables(_ config: SwitchboardConfig) -> [(String, String)] {
        [
            ("ANTHROPIC_BASE_URL", clientURL(config)),
            ("ANTHROPIC_AUTH_TOKEN", config.apiKey ?? "switchboard"),
            ("API_TIMEOUT_MS", String(config.apiTimeoutMilliseconds)),
            ("CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC", "1"),
        ] + contextWindowVariables(config)
    }

    var text: String {
        let url = Self.clientURL(config)
        let token: String
        if config.apiKey == nil {
            token = "\"switchboard\""
        } else if let variable = config.apiKeyVariable {
            token = "\"${\(variable)}\""
        } else if stdoutIsTerminal {
            token = "\"<APIKEY from \(config.source.path ?? "the config") — run: eval \\\"$(switchboard env)\\\">\""
        } else {
            token = Self.shellQuote(config.apiKey!)
        }
        var lines = [
            "export ANTHROPIC_BASE_URL=\(Self.shellQuote(url))",
            "export ANTHROPIC_AUTH_TOKEN=\(token)",
            "export API_TIMEOUT_MS=\(config.apiTimeoutMilliseconds)",
            "export CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1",
        ]
        if let smallest = config.smallestRoutedWindow {
            lines.append(
                "# the smallest context window among the routed models: \(smallest.model), \(smallest.tokens) tokens"
            )
        }
        for (name, value) in Self.contextWindowVariables(config) { lines.append("export \(name)=\(value)") }
        return lines.joined(separator: "\n")
    }

    /// What tells Claude Code the context window of the models behind the routes. It assumes a
    /// Claude-sized window (1M tokens for a name it does not know, such as `nvidia,z-ai/glm4.7`,
    /// and warns so), so without these it does not compact before a smaller model refuses the
    /// conversation. Read from Claude Code 2.1.332: `CLAUDE_CODE_MAX_CONTEXT_TOKENS` is the window
    /// of a model it does not know (`/model provider,model`); `CLAUDE_CODE_AUTO_COMPACT_WINDOW`
    /// caps where it compacts for every model, Claude names too (the default route), but not
    /// below 100k. The smallest window among the routed models wins: any request may land there.
    static func contextWindowVariables(_ config: SwitchboardConfig) -> [(String, String)] {
        guard let smallest = config.smallestRoutedWindow else { return [] }
        return [
            ("CLAUDE_CODE_MAX_CONTEXT_TOKENS", String(smallest.tokens)),
            ("CLAUDE_CODE_AUTO_COMPACT_WINDOW", String(max(smallest.tokens, minimumCompactWindow))),
        ]
    }

    /// Claude Code raises a smaller `CLAUDE_CODE_AUTO_COMPACT_WINDOW` to this, with a warning.
    static let minimumCompactWindow = 100_000

    static func shellQuote(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
