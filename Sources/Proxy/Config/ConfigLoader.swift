import Foundation

/// Finds, reads and validates the config.
///
/// Lookup order: `--config`, `$SWITCHBOARD_CONFIG`, `~/.config/switchboard/config.json`,
/// claude-code-router's `~/.claude-code-router/config.json`, else a built-in NVIDIA NIM default.
/// The format is claude-code-router's, read as is: JSON5 (comments, trailing commas),
/// `$VAR`/`${VAR}` expanded; unknown keys are warnings, a route naming something that is not
/// configured is an error.
public struct ConfigLoader: Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    /// The environment `$VAR` and `${VAR}` are expanded from, and `SWITCHBOARD_CONFIG` read from.
    public var environment: [String: String]
    /// The home directory the default config paths (`~/.config/switchboard`, `~/.claude-code-router`) are under.
    public var homeDirectory: String

    /// A loader reading the process's environment by default; the home directory defaults to `$HOME`.
    public init(
        environment: [String: String] = ProcessInfo.processInfo.environment,
        homeDirectory: String? = nil
    ) {
        self.environment = environment
        self.homeDirectory = homeDirectory ?? environment["HOME"] ?? NSHomeDirectory()
    }

    /// Names the home directory only: the environment holds API keys, and a description can
    /// end up in a log (the service lifecycle logs each service's at debug level).
    public var description: String {
        "ConfigLoader(home: \(homeDirectory), \(environment.count) environment variables)"
    }

    /// The same as `description`.
    public var debugDescription: String { description }

    /// The NVIDIA NIM config used when no file exists.
    public static let builtinJSON = """
        {
          "Providers": [
            {
              "name": "nvidia",
              "api_base_url": "https://integrate.api.nvidia.com/v1/chat/completions",
              "api_key": "$NVIDIA_API_KEY",
              "models": ["z-ai/glm4.7", "minimaxai/minimax-m2.1"]
            }
          ],
          "Router": {
            "default": "nvidia,z-ai/glm4.7",
            "think": "nvidia,z-ai/glm4.7",
            "background": "nvidia,minimaxai/minimax-m2.1",
            "longContext": "nvidia,minimaxai/minimax-m2.1"
          },
          "fallback": {
            "default": ["nvidia,minimaxai/minimax-m2.1"],
            "background": ["nvidia,z-ai/glm4.7"]
          }
        }
        """

    /// The candidate files in lookup order (the explicit path alone when given).
    public func candidatePaths(explicitPath: String?) -> [String] {
        if let explicitPath { return [expandTilde(explicitPath)] }
        var paths: [String] = []
        if let fromEnvironment = environment["SWITCHBOARD_CONFIG"], !fromEnvironment.isEmpty {
            paths.append(expandTilde(fromEnvironment))
        }
        paths.append(homeDirectory + "/.config/switchboard/config.json")
        paths.append(homeDirectory + "/.claude-code-router/config.json")
        return paths
    }

    /// Where the config comes from: the first existing candidate, else the built-in default.
    /// An explicit `--config` or `$SWITCHBOARD_CONFIG` that does not exist is an error.
    public func locate(explicitPath: String?) throws(ConfigError) -> SwitchboardConfig.Source {
        let paths = candidatePaths(explicitPath: explicitPath)
        let explicitCount = explicitPath != nil ? 1 : ((environment["SWITCHBOARD_CONFIG"] ?? "").isEmpty ? 0 : 1)
        for (offset, path) in paths.enumerated() {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
                guard !isDirectory.boolValue else {
                    throw ConfigError(
                        key: "",
                        "\(path) is a directory, not a config file (give the file, e.g. \(path)/config.json)"
                    )
                }
                return .file(path)
            }
            if offset < explicitCount {
                let origin = explicitPath != nil ? "--config" : "SWITCHBOARD_CONFIG"
                throw ConfigError(key: "", "config file \(path) (from \(origin)) does not exist")
            }
        }
        return .builtin
    }

    /// Locates and loads the config.
    public func load(explicitPath: String? = nil) throws(ConfigError) -> SwitchboardConfig {
        try load(from: try locate(explicitPath: explicitPath))
    }

    /// Loads the config from `source`.
    public func load(from source: SwitchboardConfig.Source) throws(ConfigError) -> SwitchboardConfig {
        switch source {
        case .builtin:
            return try parse(Data(Self.builtinJSON.utf8), source: .builtin)
        case .file(let path):
            let data: Data
            do {
                data = try Data(contentsOf: URL(fileURLWithPath: path))
            } catch {
                throw ConfigError(key: "", "cannot read the config file: \(error.localizedDescription)", path: path)
            }
            var config = try parse(data, source: source)
            if let warning = Self.exposedKeysWarning(path: path, literalKeys: config.literalKeyPaths) {
                config.warnings.append(warning)
            }
            return config
        }
    }

    /// A warning when the config file holds keys in clear and other users may read it.
    static func exposedKeysWarning(path: String, literalKeys: [String]) -> String? {
        guard !literalKeys.isEmpty,
            let mode = (try? FileManager.default.attributesOfItem(atPath: path))?[.posixPermissions] as? Int,
            mode & 0o044 != 0
        else { return nil }
        return
            "\(path) holds API keys in clear (\(literalKeys.joined(separator: ", "))) and other users can read it "
            + "(mode \(String(mode & 0o777, radix: 8))): keep keys in the environment (\"api_key\": \"$NVIDIA_API_KEY\") "
            + "or run: chmod 600 \(path)"
    }

    /// Parses and validates config text.
    public func parse(_ data: Data, source: SwitchboardConfig.Source) throws(ConfigError) -> SwitchboardConfig {
        let path = source.path
        // Foundation's JSON5 reader can stop the process (a fatalError in CodableUtilities.swift)
        // on some invalid UTF-8; found by fuzzing, so the text is checked first.
        if let offset = Self.firstInvalidUTF8(data) {
            throw ConfigError(key: "", "not valid UTF-8 at byte \(offset) (save the file as UTF-8)", path: path)
        }
        let decoder = JSONDecoder()
        decoder.allowsJSON5 = true
        let document: JSONValue
        do {
            // A newline after the text: Foundation's JSON5 reader parses a number that ends the
            // buffer with strtod, which reads on past the end; when the bytes there are digits it
            // traps (JSON5Scanner.validateNumber). Found by fuzzing (`1888…8` as the whole file).
            var text = data
            text.append(UInt8(ascii: "\n"))
            document = try decoder.decode(JSONValue.self, from: text)
        } catch {
            let location = ConfigSyntaxLocator.locate(Array(data)) ?? Self.describe(error)
            throw ConfigError(key: "", "not valid JSON5: \(location)", path: path)
        }
        var reader = Reader(environment: EnvironmentInterpolation(environment: environment), path: path)
        return try reader.read(document, source: source)
    }

    /// The offset of the first byte that is not part of valid UTF-8, or `nil`.
    static func firstInvalidUTF8(_ data: Data) -> Int? {
        var iterator = data.makeIterator()
        var parser = Unicode.UTF8.ForwardParser()
        var offset = 0
        while true {
            switch parser.parseScalar(from: &iterator) {
            case .valid(let scalar): offset += scalar.count
            case .error: return offset
            case .emptyInput: return nil
            }
        }
    }

    private func expandTilde(_ path: String) -> String {
        path.hasPrefix("~/") ? homeDirectory + path.dropFirst() : path
    }

    static func describe(_ error: any Error) -> String {
        if case DecodingError.dataCorrupted(let context) = error {
            let underlying = (context.underlyingError as NSError?)?.userInfo[NSDebugDescriptionErrorKey] as? String
            return underlying ?? context.debugDescription
        }
        return String(describing: error)
    }

    /// Walks the document, collecting warnings and failing on the first error.
    private struct Reader {
        let environment: EnvironmentInterpolation
        let path: String?
        var warnings: [String] = []
        /// Keys written into the file itself (not `$VAR`), by key path.
        var literalKeys: [String] = []

        init(environment: EnvironmentInterpolation, path: String?) {
            self.environment = environment
            self.path = path
        }

        static let topLevelKeys: Set<String> = [
            "Providers", "providers", "Router", "fallback", "APIKEY", "HOST", "PORT", "API_TIMEOUT_MS", "LOG",
            "LOG_LEVEL", "LOG_FORMAT",
            "PROXY_URL", "PING_INTERVAL_MS", "MAX_REQUEST_BYTES", "USAGE_DB", "USAGE_RETENTION_DAYS", "budget",
        ]
        /// claude-code-router keys Switchboard reads without acting on them.
        static let ignoredKeys: Set<String> = [
            "CUSTOM_ROUTER_PATH", "StatusLine", "transformers", "NON_INTERACTIVE_MODE", "CLAUDE_PATH",
            "forceUseImageAgent", "REWRITE_SYSTEM_PROMPT", "plugins", "$schema",
        ]
        static let providerKeys: Set<String> = [
            "name", "api_base_url", "api_key", "models", "transformer", "tokenizer", "preset", "anthropic", "rpm",
            "context_window", "max_concurrent", "price", "prices", "budget",
        ]
        static let routerKeys: Set<String> = Set(RouteKind.configurable.map(\.rawValue) + ["longContextThreshold"])

        func error(_ key: String, _ problem: String) -> ConfigError { ConfigError(key: key, problem, path: path) }

        mutating func string(_ value: JSONValue?, key: String) throws(ConfigError) -> String? {
            guard let value, !value.isNull else { return nil }
            guard let text = value.stringValue else { throw error(key, "must be a string, not \(value.typeName)") }
            let (expanded, unresolved) = environment.expand(text)
            for name in unresolved { warnings.append("\(key): environment variable $\(name) is not set") }
            return expanded
        }

        func integer(_ value: JSONValue?, key: String, range: ClosedRange<Int>) throws(ConfigError) -> Int? {
            guard let value, !value.isNull else { return nil }
            var number = value.intValue
            if number == nil, let text = value.stringValue {
                // A "$PORT"-style value arrives as a string.
                number = Int(environment.expand(text).text.trimmingWhitespace())
            }
            guard let number else { throw error(key, "must be a whole number, not \(value.jsonString)") }
            guard range.contains(number) else {
                throw error(key, "must be between \(range.lowerBound) and \(range.upperBound), not \(number)")
            }
            return number
        }

        mutating func read(_ document: JSONValue, source: SwitchboardConfig.Source) throws(ConfigError)
            -> SwitchboardConfig
        {
            guard case .object(let root) = document else {
                throw error("", "the config must be a JSON object, not \(document.typeName)")
            }
            for key in root.keys where !Self.topLevelKeys.contains(key) {
                if Self.ignoredKeys.contains(key) {
                    warnings.append("\(key): claude-code-router setting not supported by Switchboard; ignored")
                } else {
                    warnings.append("\(key): unknown key; ignored")
                }
            }
            let providers = try readProviders(root["Providers"] ?? root["providers"])
            var routes: [RouteKind: ModelRef] = [:]
            var threshold = 60_000
            if let routerValue = root["Router"], !routerValue.isNull {
                guard case .object(let router) = routerValue else {
                    throw error("Router", "must be an object, not \(routerValue.typeName)")
                }
                for key in router.keys where !Self.routerKeys.contains(key) {
                    warnings.append("Router.\(key): unknown route; ignored")
                }
                for kind in RouteKind.configurable {
                    let key = "Router.\(kind.rawValue)"
                    guard let text = try string(router[kind.rawValue], key: key), !text.trimmingWhitespace().isEmpty
                    else {
                        continue
                    }
                    routes[kind] = try resolve(text, key: key, providers: providers)
                }
                threshold =
                    try integer(
                        router["longContextThreshold"],
                        key: "Router.longContextThreshold",
                        range: 1...100_000_000
                    )
                    ?? threshold
            }
            guard routes[.default] != nil else {
                if providers.isEmpty {
                    throw error(
                        "Providers",
                        "no providers are configured; add one with a name, api_base_url and models"
                    )
                }
                throw error("Router.default", "required: the \"provider,model\" most requests go to")
            }
            var fallbacks: [RouteKind: [ModelRef]] = [:]
            if let fallbackValue = root["fallback"], !fallbackValue.isNull {
                guard case .object(let fallback) = fallbackValue else {
                    throw error("fallback", "must be an object mapping routes to lists of \"provider,model\"")
                }
                for member in fallback.members {
                    let key = "fallback.\(member.key)"
                    guard let kind = RouteKind(rawValue: member.key), RouteKind.configurable.contains(kind) else {
                        warnings.append("\(key): unknown route; ignored")
                        continue
                    }
                    guard case .array(let entries) = member.value else {
                        throw error(key, "must be a list of \"provider,model\"")
                    }
                    var refs: [ModelRef] = []
                    for (index, entry) in entries.enumerated() {
                        guard let text = try string(entry, key: "\(key)[\(index)]") else { continue }
                        refs.append(try resolve(text, key: "\(key)[\(index)]", providers: providers))
                    }
                    fallbacks[kind] = refs
                }
            }
            var apiKey = try string(root["APIKEY"], key: "APIKEY")
            if let key = apiKey, key.isEmpty || key.hasPrefix("$") { apiKey = nil }
            var apiKeyVariable: String?
            if let raw = root["APIKEY"]?.stringValue?.trimmingWhitespace(), !raw.isEmpty, !raw.contains("$") {
                literalKeys.append("APIKEY")
            }
            if apiKey != nil, let raw = root["APIKEY"]?.stringValue?.trimmingWhitespace(), raw.hasPrefix("$") {
                let name = raw.dropFirst().trimmingCharacters(in: CharacterSet(charactersIn: "{}"))
                if !name.isEmpty, environment.expand(raw).text == apiKey { apiKeyVariable = name }
            }
            let host = try string(root["HOST"], key: "HOST") ?? "127.0.0.1"
            let port = try integer(root["PORT"], key: "PORT", range: 0...65_535) ?? 3456
            let timeout = try integer(root["API_TIMEOUT_MS"], key: "API_TIMEOUT_MS", range: 1...86_400_000) ?? 600_000
            let ping = try integer(root["PING_INTERVAL_MS"], key: "PING_INTERVAL_MS", range: 100...600_000) ?? 10_000
            var log = true
            if let value = root["LOG"], !value.isNull {
                guard let flag = value.boolValue else { throw error("LOG", "must be true or false") }
                log = flag
            }
            let levels = ["fatal", "error", "warn", "warning", "info", "debug", "trace"]
            let logLevel = (try string(root["LOG_LEVEL"], key: "LOG_LEVEL") ?? "info").lowercased()
            guard levels.contains(logLevel) else {
                throw error("LOG_LEVEL", "must be one of \(levels.joined(separator: ", ")), not \"\(logLevel)\"")
            }
            let proxyURL = try string(root["PROXY_URL"], key: "PROXY_URL").flatMap { $0.isEmpty ? nil : $0 }
            let formatName =
                try string(root["LOG_FORMAT"], key: "LOG_FORMAT") ?? environment.environment["LOG_FORMAT"] ?? "text"
            guard let logFormat = SwitchboardConfig.LogFormat(rawValue: formatName.lowercased()) else {
                throw error("LOG_FORMAT", "must be text or json, not \"\(formatName)\"")
            }
            var usage = UsageSettings()
            switch UsageSettings.parseDestination(root["USAGE_DB"]) {
            case .success(let destination): usage.destination = destination
            case .failure(let failure): throw error("USAGE_DB", failure.message)
            }
            usage.retentionDays =
                try integer(root["USAGE_RETENTION_DAYS"], key: "USAGE_RETENTION_DAYS", range: 1...36_500) ?? 90
            if let value = root["budget"], !value.isNull {
                switch Budget.parse(value) {
                case .success(let budget): usage.budget = budget
                case .failure(let failure): throw error("budget", failure.message)
                }
            }
            var config = SwitchboardConfig(
                source: source,
                providers: providers,
                routes: routes,
                fallbacks: fallbacks,
                longContextThreshold: threshold,
                apiKey: apiKey,
                apiKeyVariable: apiKeyVariable,
                host: host,
                port: port,
                apiTimeoutMilliseconds: timeout,
                pingIntervalMilliseconds: ping,
                log: log,
                logLevel: logLevel,
                proxyURL: proxyURL,
                warnings: warnings,
                usage: usage
            )
            config.logFormat = logFormat
            config.literalKeyPaths = literalKeys
            config.maxRequestBytes = try integer(
                root["MAX_REQUEST_BYTES"],
                key: "MAX_REQUEST_BYTES",
                range: 1_048_576...Int(Int32.max)
            )
            return config
        }

        mutating func readProviders(_ value: JSONValue?) throws(ConfigError) -> [ProviderConfig] {
            guard let value, !value.isNull else { return [] }
            guard case .array(let entries) = value else { throw error("Providers", "must be a list of providers") }
            var providers: [ProviderConfig] = []
            for (index, entry) in entries.enumerated() {
                let key = "Providers[\(index)]"
                guard case .object(let object) = entry else { throw error(key, "must be an object") }
                guard let name = try string(object["name"], key: "\(key).name")?.trimmingWhitespace(), !name.isEmpty
                else {
                    throw error("\(key).name", "required: the name routes use for this provider")
                }
                let named = "Providers[\(index)] (\(name))"
                for other in object.keys where !Self.providerKeys.contains(other) {
                    warnings.append("\(named).\(other): unknown key; ignored")
                }
                if providers.contains(where: { $0.name.lowercased() == name.lowercased() }) {
                    throw error("\(named).name", "another provider is already called \"\(name)\"")
                }
                guard let base = try string(object["api_base_url"], key: "\(named).api_base_url"), !base.isEmpty else {
                    throw error("\(named).api_base_url", "required: the provider's chat/completions URL")
                }
                guard let url = URL(string: base.trimmingWhitespace()), let scheme = url.scheme?.lowercased(),
                    scheme == "http" || scheme == "https", url.host != nil
                else {
                    throw error("\(named).api_base_url", "\"\(base)\" is not an http(s) URL")
                }
                var keys: [String] = []
                var missingVariable: String?
                var rawKeys: [JSONValue] = []
                switch object["api_key"] {
                case nil, .null?: break
                case .array(let list)?: rawKeys = list
                case let single?: rawKeys = [single]
                }
                for (keyIndex, raw) in rawKeys.enumerated() {
                    let keyPath = rawKeys.count == 1 ? "\(named).api_key" : "\(named).api_key[\(keyIndex)]"
                    guard let text = raw.stringValue else { throw error(keyPath, "must be a string") }
                    let (expanded, unresolved) = environment.expand(text)
                    if let variable = unresolved.first {
                        warnings.append("\(keyPath): environment variable $\(variable) is not set")
                        missingVariable = missingVariable ?? variable
                        continue
                    }
                    if !expanded.trimmingWhitespace().isEmpty { keys.append(expanded.trimmingWhitespace()) }
                    if !text.contains("$"), !text.trimmingWhitespace().isEmpty { literalKeys.append(keyPath) }
                }
                if !keys.isEmpty { missingVariable = nil }
                var models: [String] = []
                switch object["models"] {
                case nil, .null?: break
                case .array(let list)?:
                    for (modelIndex, model) in list.enumerated() {
                        guard let text = model.stringValue, !text.trimmingWhitespace().isEmpty else {
                            throw error("\(named).models[\(modelIndex)]", "must be a non-empty string")
                        }
                        models.append(text.trimmingWhitespace())
                    }
                default: throw error("\(named).models", "must be a list of model ids")
                }
                if models.isEmpty {
                    warnings.append("\(named).models: no models listed; no route can use this provider")
                }
                let usesGemini = Transformer.parse(object["transformer"]).0.contains {
                    ["gemini", "vertex-gemini"].contains($0.name.lowercased())
                }
                let resolved = ProviderConfig.resolveEndpoint(fromBaseURL: base, nativeGemini: usesGemini)
                var provider = ProviderConfig(
                    name: name,
                    endpoint: resolved.endpoint,
                    apiKeys: keys,
                    missingKeyVariable: missingVariable,
                    models: models,
                    transformer: object["transformer"]
                )
                if let presetName = try string(object["preset"], key: "\(named).preset") {
                    guard let preset = ProviderPreset(rawValue: presetName.lowercased()) else {
                        let known = ProviderPreset.allCases.map(\.rawValue).joined(separator: ", ")
                        throw error("\(named).preset", "\"\(presetName)\" is not a preset (known: \(known))")
                    }
                    provider.explicitPreset = preset
                }
                if let value = object["anthropic"], !value.isNull {
                    guard let flag = value.boolValue else { throw error("\(named).anthropic", "must be true or false") }
                    provider.anthropic = flag
                }
                if (provider.transformers + provider.modelTransformers.values.flatMap { $0 }).contains(where: {
                    $0.name.lowercased() == "anthropic"
                }) {
                    provider.anthropic = true
                }
                switch object["context_window"] {
                case nil, .null?: break
                case .object(let windows)?:
                    for member in windows.members {
                        let key = "\(named).context_window.\(member.key)"
                        guard let tokens = try integer(member.value, key: key, range: 1_024...100_000_000) else {
                            continue
                        }
                        guard models.contains(member.key) else {
                            throw error(key, "\"\(member.key)\" is not one of this provider's models")
                        }
                        provider.contextWindows[member.key] = tokens
                    }
                case let value?:
                    provider.contextWindows[""] = try integer(
                        value,
                        key: "\(named).context_window",
                        range: 1_024...100_000_000
                    )
                }
                provider.baseURL = base
                if !provider.anthropic { provider.endpointNote = resolved.note }
                provider.requestsPerMinute = try integer(object["rpm"], key: "\(named).rpm", range: 1...1_000_000)
                provider.maxConcurrentCalls = try integer(
                    object["max_concurrent"],
                    key: "\(named).max_concurrent",
                    range: 1...100_000
                )
                try readPrices(object, named: named, models: models, into: &provider)
                if provider.apiKeys.isEmpty, provider.missingKeyVariable == nil, provider.preset.needsKey,
                    object["api_key"] == nil
                {
                    warnings.append("\(named).api_key: not set; requests go out without a key")
                }
                for model in [""] + models {
                    let chain = model.isEmpty ? provider.transformers : provider.modelTransformers[model] ?? []
                    var scratch = ProviderProfile.resolve(provider: provider, model: model)
                    for transformer in chain {
                        if case .ignored(let why) = transformer.apply(to: &scratch) {
                            let scope = model.isEmpty ? "" : ".\(model)"
                            warnings.append("\(named).transformer\(scope): \(transformer.name) \(why); ignored")
                        }
                    }
                }
                providers.append(provider)
            }
            return providers
        }

        /// `"price"`, `"prices"` and `"budget"` of a provider.
        func readPrices(
            _ object: JSONObject,
            named: String,
            models: [String],
            into provider: inout ProviderConfig
        ) throws(ConfigError) {
            if let value = object["price"], !value.isNull {
                switch Price.parse(value) {
                case .success(let price): provider.price = price
                case .failure(let failure): throw error("\(named).price", failure.message)
                }
            }
            switch object["prices"] {
            case nil, .null?: break
            case .object(let prices)?:
                for member in prices.members {
                    let key = "\(named).prices.\(member.key)"
                    guard models.contains(member.key) else {
                        throw error(key, "\"\(member.key)\" is not one of this provider's models")
                    }
                    switch Price.parse(member.value) {
                    case .success(let price): provider.prices[member.key] = price
                    case .failure(let failure): throw error(key, failure.message)
                    }
                }
            case .some:
                throw error("\(named).prices", #"must be {"model": {"input": USD, "output": USD}}"#)
            }
            if let value = object["budget"], !value.isNull {
                switch Budget.parse(value) {
                case .success(let budget): provider.budget = budget
                case .failure(let failure): throw error("\(named).budget", failure.message)
                }
            }
        }

        func resolve(_ text: String, key: String, providers: [ProviderConfig]) throws(ConfigError) -> ModelRef {
            guard let ref = ModelRef(parsing: text) else {
                throw error(key, "\"\(text)\" is not \"provider,model\"")
            }
            let names = providers.map(\.name).joined(separator: ", ")
            guard let provider = providers.first(where: { $0.name.lowercased() == ref.provider.lowercased() }) else {
                throw error(
                    key,
                    "provider \"\(ref.provider)\" is not configured (configured: \(names.isEmpty ? "none" : names))"
                )
            }
            guard provider.models.contains(ref.model) else {
                throw error(
                    key,
                    "model \"\(ref.model)\" is not in provider \"\(provider.name)\"'s models (\(provider.models.joined(separator: ", ")))"
                )
            }
            return ModelRef(provider: provider.name, model: ref.model)
        }
    }
}
