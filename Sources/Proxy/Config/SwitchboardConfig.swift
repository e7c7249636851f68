/// A validated configuration: providers, routes and server settings.
///
/// Read from claude-code-router's `config.json` format (see ``ConfigLoader``); every route and
/// fallback is known to name a configured provider and model.
public struct SwitchboardConfig: Sendable, Equatable {
    /// Where the config came from.
    public enum Source: Sendable, Equatable, CustomStringConvertible {
        /// A config file at this path.
        case file(String)
        /// The built-in NVIDIA NIM config, used when no file exists.
        case builtin

        /// The file path, when there is one.
        public var path: String? {
            if case .file(let path) = self { return path }
            return nil
        }

        /// The file path, or a note that the built-in default is in use.
        public var description: String {
            switch self {
            case .file(let path): return path
            case .builtin: return "built-in default (no config file found)"
            }
        }
    }

    /// Where the config came from: a file, or the built-in NVIDIA NIM default.
    public var source: Source
    /// The configured providers, in the file's order.
    public var providers: [ProviderConfig]
    /// The configured model for each route that has one (`default` always does).
    public var routes: [RouteKind: ModelRef]
    /// Per-route models to try, in order, when the route's model fails before answering.
    public var fallbacks: [RouteKind: [ModelRef]]
    /// Estimated input tokens above which a request takes the `longContext` route.
    public var longContextThreshold: Int
    /// The key clients must present (`APIKEY`); `nil` accepts any.
    public var apiKey: String?
    /// The environment variable `APIKEY` was read from, when it was written `$VAR`.
    public var apiKeyVariable: String?
    /// The address the server listens on (`HOST`, default `127.0.0.1`).
    public var host: String
    /// The port the server listens on (`PORT`, default 3456; 0 picks a free one).
    public var port: Int
    /// Longest wait for the upstream's first byte, and longest silence between chunks.
    public var apiTimeoutMilliseconds: Int
    /// How long the upstream may be silent before a `ping` keeps the client's stream alive.
    public var pingIntervalMilliseconds: Int
    /// Whether to log (`LOG`).
    public var log: Bool
    /// `LOG_LEVEL`: trace, debug, info, warn, error.
    public var logLevel: String
    /// How log lines are written.
    public enum LogFormat: String, Sendable {
        /// `time level [component] message key=value…`.
        case text
        /// One JSON object per line.
        case json
    }

    /// `LOG_FORMAT` (the config key, else the environment variable): `text` or `json`.
    public var logFormat = LogFormat.text
    /// Outbound proxy for upstream calls (`PROXY_URL`); `HTTPS_PROXY` applies otherwise.
    public var proxyURL: String?
    /// Things that are accepted but worth telling the user (unknown keys, unset variables).
    public var warnings: [String]
    /// `MAX_REQUEST_BYTES`: request bytes held at once before new requests get 529 (default:
    /// an eighth of the memory, 256 MB to 2 GB).
    public var maxRequestBytes: Int?
    /// Keys of the config that hold an API key in clear rather than `$VAR` (paths, never values).
    public var literalKeyPaths: [String] = []
    /// The usage ledger: where it lives, retention, the global budget.
    public var usage = UsageSettings()

    /// The provider called `name` (case-insensitive, as users type it).
    public func provider(named name: String) -> ProviderConfig? {
        providers.first { $0.name == name } ?? providers.first { $0.name.lowercased() == name.lowercased() }
    }

    /// Every configured `provider,model`, in config order.
    public var allModels: [ModelRef] {
        providers.flatMap { provider in provider.models.map { ModelRef(provider: provider.name, model: $0) } }
    }

    /// Every key a log line or screen must never show.
    public var secrets: [String] {
        var secrets = providers.flatMap(\.apiKeys)
        if let apiKey { secrets.append(apiKey) }
        return secrets
    }
}
