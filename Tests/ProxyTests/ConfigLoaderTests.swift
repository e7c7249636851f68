import Foundation
import Logging
import Testing

@testable import Proxy

struct ConfigLoaderTests {
    static let environment = [
        "SB_TEST_CLIENT_KEY": "client-key-123456", "SB_TEST_DEEPSEEK_KEY": "sk-deepseek-abcdef",
        "SB_TEST_NVIDIA_KEY": "nvapi-nvidia-xyz",
    ]

    func fixture(_ name: String) throws -> Data {
        let url = try #require(Bundle.module.url(forResource: name, withExtension: nil, subdirectory: "Fixtures/ccr"))
        return try Data(contentsOf: url)
    }

    func parse(_ text: String, environment: [String: String] = [:]) throws(ConfigError) -> SwitchboardConfig {
        try ConfigLoader(environment: environment, homeDirectory: "/nonexistent").parse(
            Data(text.utf8),
            source: .file("t.json")
        )
    }

    @Test func servicesDescribeThemselvesWithoutSecrets() throws {
        // The service lifecycle logs every service's description at debug level; the loader's
        // default one was its whole environment, API keys included.
        let loader = ConfigLoader(environment: Self.environment, homeDirectory: "/h")
        let store = ConfigStore(
            try parse(
                #"{"Providers":[{"name":"p","api_base_url":"http://h/v1","models":["m"]}],"Router":{"default":"p,m"}}"#
            )
        )
        let logger = Logger(label: "test")
        let watcher = ConfigWatcher(path: "/h/config.json", store: store, loader: loader, logger: logger)
        let ledger = UsageLedger(path: "/nonexistent/usage.sqlite", store: store, logger: logger)
        let shipper = PostgresShipper(
            ledger: ledger,
            url: "postgres://team:hunter2-secret@db.example/ledger",
            logger: logger
        )
        let described = [
            "\(loader)", String(reflecting: loader), "\(watcher)", String(reflecting: watcher), "\(shipper)",
            String(reflecting: shipper), "\([watcher] as [Any])",
        ]
        for text in described {
            for secret in Self.environment.values { #expect(!text.contains(secret), "\(text)") }
            #expect(!text.contains("hunter2"), "\(text)")
        }
        #expect("\(watcher)" == "ConfigWatcher(/h/config.json)" && "\(shipper)" == "PostgresShipper(db.example)")
    }

    @Test func readsAClaudeCodeRouterConfigWithCommentsTrailingCommasAndVariables() throws {
        let loader = ConfigLoader(environment: Self.environment, homeDirectory: "/nonexistent")
        let config = try loader.parse(try fixture("full.json5"), source: .file("full.json5"))
        #expect(config.providers.map(\.name) == ["deepseek", "nvidia", "ollama"])
        #expect(config.providers[0].apiKeys == ["sk-deepseek-abcdef"])
        #expect(config.providers[1].apiKeys == ["nvapi-nvidia-xyz"])
        #expect(config.providers[2].apiKeys.isEmpty)
        #expect(config.providers[2].missingKeyVariable == nil)
        #expect(config.providers[0].endpoint == "https://api.deepseek.com/chat/completions")
        #expect(config.providers[1].endpoint == "https://integrate.api.nvidia.com/v1/chat/completions")
        #expect(config.routes[.default] == ModelRef(provider: "deepseek", model: "deepseek-chat"))
        #expect(config.routes[.background] == ModelRef(provider: "ollama", model: "qwen2.5-coder:latest"))
        #expect(config.routes[.longContext] == ModelRef(provider: "nvidia", model: "minimaxai/minimax-m2.1"))
        #expect(config.routes[.webSearch] == nil, "an empty route is not configured")
        #expect(config.longContextThreshold == 50_000)
        #expect(
            config.fallbacks[.default] == [
                ModelRef(provider: "nvidia", model: "z-ai/glm4.7"),
                ModelRef(provider: "nvidia", model: "minimaxai/minimax-m2.1"),
            ]
        )
        #expect(config.apiKey == "client-key-123456")
        #expect(config.apiKeyVariable == "SB_TEST_CLIENT_KEY")
        #expect(config.port == 3457)
        #expect(config.apiTimeoutMilliseconds == 120_000)
        #expect(config.logLevel == "debug")
        #expect(config.providers[0].transformer?["use"] == .array(["deepseek"]))
        #expect(config.warnings.contains { $0.hasPrefix("StatusLine:") })
        #expect(config.warnings.contains { $0.hasPrefix("CUSTOM_ROUTER_PATH:") })
    }

    @Test func defaultsWhenKeysAreAbsent() throws {
        let config = try ConfigLoader(environment: [:], homeDirectory: "/x").parse(
            try fixture("minimal.json"),
            source: .builtin
        )
        #expect(config.port == 3456)
        #expect(config.host == "127.0.0.1")
        #expect(config.longContextThreshold == 60_000)
        #expect(config.apiTimeoutMilliseconds == 600_000)
        #expect(config.apiKey == nil)
        #expect(config.log)
        #expect(config.warnings.isEmpty)
        #expect(config.providers[0].apiKeys == ["sk-or-v1-test-literal-key-000000000000"])
    }

    @Test func unsetKeyVariableIsReportedNotFatal() throws {
        let config = try parse(
            """
            {"Providers":[{"name":"p","api_base_url":"http://h/v1","api_key":"$SB_SURELY_UNSET","models":["m"]}],
             "Router":{"default":"p,m"}}
            """
        )
        #expect(config.providers[0].apiKeys.isEmpty)
        #expect(config.providers[0].missingKeyVariable == "SB_SURELY_UNSET")
        #expect(config.providers[0].keyDescription.contains("SB_SURELY_UNSET"))
        #expect(config.warnings.contains { $0.contains("$SB_SURELY_UNSET is not set") })
    }

    @Test func keyPoolsAreLists() throws {
        let config = try parse(
            """
            {"Providers":[{"name":"p","api_base_url":"http://h/v1","api_key":["k1-aaaa","$SB_K2"],"models":["m"]}],
             "Router":{"default":"p,m"}}
            """,
            environment: ["SB_K2": "k2-bbbb"]
        )
        #expect(config.providers[0].apiKeys == ["k1-aaaa", "k2-bbbb"])
        #expect(config.secrets.contains("k2-bbbb"))
    }

    @Test func providerNamesMatchCaseInsensitivelyAndKeepTheirSpelling() throws {
        let config = try parse(
            """
            {"Providers":[{"name":"DeepSeek","api_base_url":"https://api.deepseek.com","models":["deepseek-chat"]}],
             "Router":{"default":"deepseek,deepseek-chat"}}
            """
        )
        #expect(config.routes[.default] == ModelRef(provider: "DeepSeek", model: "deepseek-chat"))
        #expect(config.providers[0].endpoint == "https://api.deepseek.com/chat/completions")
        #expect(config.provider(named: "DEEPSEEK")?.name == "DeepSeek")
    }

    @Test func modelIdsMayContainCommas() throws {
        #expect(
            ModelRef(parsing: "openrouter,vendor/model,v2")
                == ModelRef(provider: "openrouter", model: "vendor/model,v2")
        )
        #expect(ModelRef(parsing: "no-comma") == nil)
        #expect(ModelRef(parsing: ",m") == nil)
        #expect(ModelRef(parsing: "p, ") == nil)
    }

    struct BadConfig: Sendable, CustomTestStringConvertible {
        var text: String
        var key: String
        var mentions: String
        var testDescription: String { key.isEmpty ? mentions : key }
    }

    static let provider = #"{"name":"p","api_base_url":"http://h/v1","models":["m"]}"#

    static let badConfigs: [BadConfig] = [
        BadConfig(text: "{ \"Providers\": [ }", key: "", mentions: "not valid JSON5"),
        BadConfig(text: "[1,2]", key: "", mentions: "must be a JSON object"),
        BadConfig(text: #"{"Providers":[],"Router":{}}"#, key: "Providers", mentions: "no providers"),
        BadConfig(text: #"{"Providers":[\#(provider)]}"#, key: "Router.default", mentions: "required"),
        BadConfig(
            text: #"{"Providers":[\#(provider)],"Router":{"default":"q,m"}}"#,
            key: "Router.default",
            mentions: "provider \"q\" is not configured"
        ),
        BadConfig(
            text: #"{"Providers":[\#(provider)],"Router":{"default":"p,m","think":"p,other"}}"#,
            key: "Router.think",
            mentions: "model \"other\" is not in provider \"p\""
        ),
        BadConfig(
            text: #"{"Providers":[\#(provider)],"Router":{"default":"p-m"}}"#,
            key: "Router.default",
            mentions: "is not \"provider,model\""
        ),
        BadConfig(
            text: #"{"Providers":[\#(provider)],"Router":{"default":"p,m"},"fallback":{"default":["x,m"]}}"#,
            key: "fallback.default[0]",
            mentions: "provider \"x\" is not configured"
        ),
        BadConfig(
            text: #"{"Providers":[\#(provider)],"Router":{"default":"p,m"},"fallback":{"default":"p,m"}}"#,
            key: "fallback.default",
            mentions: "must be a list"
        ),
        BadConfig(
            text: #"{"Providers":[{"api_base_url":"http://h","models":["m"]}],"Router":{"default":"p,m"}}"#,
            key: "Providers[0].name",
            mentions: "required"
        ),
        BadConfig(
            text: #"{"Providers":[{"name":"p","models":["m"]}],"Router":{"default":"p,m"}}"#,
            key: "Providers[0] (p).api_base_url",
            mentions: "required"
        ),
        BadConfig(
            text: #"{"Providers":[{"name":"p","api_base_url":"ftp://h","models":["m"]}],"Router":{"default":"p,m"}}"#,
            key: "Providers[0] (p).api_base_url",
            mentions: "not an http(s) URL"
        ),
        BadConfig(
            text: #"{"Providers":[\#(provider),\#(provider)],"Router":{"default":"p,m"}}"#,
            key: "Providers[1] (p).name",
            mentions: "already called"
        ),
        BadConfig(
            text: #"{"Providers":[{"name":"p","api_base_url":"http://h","models":"m"}],"Router":{"default":"p,m"}}"#,
            key: "Providers[0] (p).models",
            mentions: "must be a list"
        ),
        BadConfig(
            text: #"{"Providers":[\#(provider)],"Router":{"default":"p,m"},"PORT":70000}"#,
            key: "PORT",
            mentions: "between 0 and 65535"
        ),
        BadConfig(
            text: #"{"Providers":[\#(provider)],"Router":{"default":"p,m"},"PORT":"abc"}"#,
            key: "PORT",
            mentions: "whole number"
        ),
        BadConfig(
            text: #"{"Providers":[\#(provider)],"Router":{"default":"p,m"},"API_TIMEOUT_MS":0}"#,
            key: "API_TIMEOUT_MS",
            mentions: "between"
        ),
        BadConfig(
            text: #"{"Providers":[\#(provider)],"Router":{"default":"p,m"},"LOG_LEVEL":"loud"}"#,
            key: "LOG_LEVEL",
            mentions: "must be one of"
        ),
        BadConfig(
            text: #"{"Providers":[\#(provider)],"Router":{"default":"p,m"},"LOG":"yes"}"#,
            key: "LOG",
            mentions: "true or false"
        ),
        BadConfig(
            text: #"{"Providers":[\#(provider)],"Router":{"default":"p,m","longContextThreshold":-5}}"#,
            key: "Router.longContextThreshold",
            mentions: "between"
        ),
    ]

    /// Found by fuzzing: Foundation's JSON5 reader stopped the process on this text (invalid
    /// UTF-8 in an object); the loader refuses it first.
    @Test func textThatIsNotUTF8IsRefusedBeforeFoundationReadsIt() throws {
        let bytes: [UInt8] =
            Array("{\n  \"Providers\":{\n".utf8) + [0xFA, 0x00, 0x00] + Array("\nr [\n    {\n     ".utf8)
        #expect(throws: ConfigError.self) {
            try ConfigLoader(environment: [:], homeDirectory: "/x").parse(Data(bytes), source: .file("t.json"))
        }
        do {
            _ = try ConfigLoader(environment: [:], homeDirectory: "/x").parse(Data(bytes), source: .file("t.json"))
        } catch {
            #expect(error.description.contains("not valid UTF-8 at byte 18"), "\(error.description)")
        }
        #expect(ConfigLoader.firstInvalidUTF8(Data("é ok".utf8)) == nil)
    }

    /// Found by fuzzing: a file that is one long number trapped inside Foundation's JSON5
    /// reader, which reads past the end of the buffer for a number that ends it (whether it
    /// traps depends on the bytes after the buffer, so many lengths, many times, and fresh
    /// buffers each time). The loader gives the reader a newline after the text.
    @Test func aFileThatIsOneLongNumberIsRefusedNotFatal() throws {
        let loader = ConfigLoader(environment: [:], homeDirectory: "/x")
        var refused = 0
        for _ in 0..<400 {
            for length in 1...64 {
                for prefix in ["", "-", "+"] {
                    let text = prefix + "1" + String(repeating: "8", count: length)
                    do {
                        _ = try loader.parse(Data(text.utf8), source: .file("t.json"))
                    } catch {
                        refused += 1
                    }
                }
            }
        }
        #expect(refused == 400 * 64 * 3, "a number is not a config object")
    }

    @Test(arguments: badConfigs)
    func badConfigsAreRefusedNamingTheKey(_ bad: BadConfig) {
        do {
            let config = try parse(bad.text)
            Issue.record("accepted: \(config)")
        } catch {
            #expect(error.key == bad.key)
            #expect(error.description.contains(bad.mentions), "\(error.description)")
            #expect(error.description.contains("t.json"), "the file is named")
        }
    }

    @Test func unknownKeysAreWarnings() throws {
        let config = try parse(
            """
            {"Providers":[{"name":"p","api_base_url":"http://h/v1","models":["m"],"colour":"red"}],
             "Router":{"default":"p,m","sometimes":"p,m"},"Frobnicate":1,"fallback":{"nightly":["p,m"]}}
            """
        )
        #expect(config.warnings.contains("Frobnicate: unknown key; ignored"))
        #expect(config.warnings.contains("Providers[0] (p).colour: unknown key; ignored"))
        #expect(config.warnings.contains("Router.sometimes: unknown route; ignored"))
        #expect(config.warnings.contains("fallback.nightly: unknown route; ignored"))
    }

    @Test func portAndHostCanComeFromVariables() throws {
        let config = try parse(
            #"{"Providers":[\#(Self.provider)],"Router":{"default":"p,m"},"PORT":"$SB_PORT","HOST":"${SB_HOST}"}"#,
            environment: ["SB_PORT": "4000", "SB_HOST": "0.0.0.0"]
        )
        #expect(config.port == 4000)
        #expect(config.host == "0.0.0.0")
    }

    @Test func builtinDefaultIsNvidiaNIM() throws {
        let config = try ConfigLoader(environment: [:], homeDirectory: "/nonexistent").load(from: .builtin)
        #expect(config.providers.count == 1)
        let nim = config.providers[0]
        #expect(nim.endpoint == "https://integrate.api.nvidia.com/v1/chat/completions")
        #expect(nim.models == ["z-ai/glm4.7", "minimaxai/minimax-m2.1"])
        #expect(nim.missingKeyVariable == "NVIDIA_API_KEY")
        #expect(config.routes[.default] == ModelRef(provider: "nvidia", model: "z-ai/glm4.7"))
        let withKey = try ConfigLoader(environment: ["NVIDIA_API_KEY": "nvapi-k"], homeDirectory: "/nonexistent").load(
            from: .builtin
        )
        #expect(withKey.providers[0].apiKeys == ["nvapi-k"])
        #expect(withKey.providers[0].missingKeyVariable == nil)
    }

    @Test func lookupOrder() throws {
        let home = FileManager.default.temporaryDirectory.appendingPathComponent("sb-home-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: home) }
        let ccr = home + "/.claude-code-router/config.json"
        let own = home + "/.config/switchboard/config.json"
        let fromEnvironment = home + "/env.json"
        let explicit = home + "/explicit.json"
        var loader = ConfigLoader(environment: [:], homeDirectory: home)
        #expect(try loader.locate(explicitPath: nil) == .builtin)
        for path in [ccr, own, fromEnvironment, explicit] {
            try FileManager.default.createDirectory(
                atPath: (path as NSString).deletingLastPathComponent,
                withIntermediateDirectories: true
            )
            try Data("{}".utf8).write(to: URL(fileURLWithPath: path))
        }
        #expect(try loader.locate(explicitPath: nil) == .file(own))
        try FileManager.default.removeItem(atPath: own)
        #expect(try loader.locate(explicitPath: nil) == .file(ccr))
        loader.environment["SWITCHBOARD_CONFIG"] = fromEnvironment
        #expect(try loader.locate(explicitPath: nil) == .file(fromEnvironment))
        #expect(try loader.locate(explicitPath: explicit) == .file(explicit))
        #expect(try loader.locate(explicitPath: "~/explicit.json") == .file(explicit))
        #expect(throws: ConfigError.self) { try loader.locate(explicitPath: home + "/missing.json") }
        loader.environment["SWITCHBOARD_CONFIG"] = home + "/missing.json"
        #expect(throws: ConfigError.self) { try loader.locate(explicitPath: nil) }
    }

    @Test func aDirectoryGivenAsTheConfigIsSaidPlainly() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sb-dir-\(UUID().uuidString)")
            .path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let loader = ConfigLoader(environment: [:], homeDirectory: "/nonexistent")
        #expect {
            try loader.load(explicitPath: directory)
        } throws: { error in
            let text = "\(error)"
            return text.contains("\(directory) is a directory") && text.contains("config.json")
                && !text.contains("NSCocoaErrorDomain")
        }
    }

    @Test func aConfigOthersCanReadWithAKeyInClearIsAWarning() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sb-perm-\(UUID().uuidString)")
            .path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/config.json"
        let literal =
            #"{"Providers":[{"name":"p","api_base_url":"https://x.example/v1","api_key":"sk-literal-0042","models":["m"]}],"Router":{"default":"p,m"}}"#
        let loader = ConfigLoader(environment: ["P_KEY": "sk-from-env"], homeDirectory: "/nonexistent")
        try Data(literal.utf8).write(to: URL(fileURLWithPath: path))
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: path)
        let open = try loader.load(explicitPath: path)
        let warning = try #require(open.warnings.first { $0.contains("in clear") }, "\(open.warnings)")
        #expect(warning.contains("Providers[0] (p).api_key"))
        #expect(warning.contains("chmod 600 \(path)"))
        #expect(warning.contains("mode 644"))
        #expect(!warning.contains("sk-literal-0042"), "never the key itself")
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path)
        #expect(!(try loader.load(explicitPath: path)).warnings.contains { $0.contains("in clear") })
        try Data(literal.replacingOccurrences(of: "sk-literal-0042", with: "$P_KEY").utf8).write(
            to: URL(fileURLWithPath: path)
        )
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: path)
        #expect(!(try loader.load(explicitPath: path)).warnings.contains { $0.contains("in clear") })
    }

    @Test func geminisNativeBaseURLBecomesItsOpenAICompatibleEndpoint() throws {
        // claude-code-router's own Gemini example.
        let config = try parse(
            """
            {"Providers":[{"name":"gemini","api_base_url":"https://generativelanguage.googleapis.com/v1beta/models/",
              "api_key":"k","models":["gemini-2.5-pro"],"transformer":{"use":["gemini"]}}],
             "Router":{"default":"gemini,gemini-2.5-pro"}}
            """
        )
        let provider = config.providers[0]
        #expect(provider.endpoint == "https://generativelanguage.googleapis.com/v1beta/openai/chat/completions")
        #expect(provider.preset == .gemini)
        #expect(provider.endpointNote?.contains("Gemini's native API") == true)
        #expect(provider.baseURL == "https://generativelanguage.googleapis.com/v1beta/models/")
    }

    @Test func aGatewayWithTheGeminiTransformerIsMappedToo() throws {
        let config = try parse(
            """
            {"Providers":[{"name":"g","api_base_url":"https://gw.example.com/google/v1beta/models",
              "api_key":"k","models":["gemini-2.5-flash"],"transformer":{"use":["gemini"]}}],
             "Router":{"default":"g,gemini-2.5-flash"}}
            """
        )
        #expect(config.providers[0].endpoint == "https://gw.example.com/google/v1beta/openai/chat/completions")
        // Without the transformer, a path ending in /models is somebody's own API: left alone.
        let plain = try parse(
            """
            {"Providers":[{"name":"g","api_base_url":"https://gw.example.com/v1/models","api_key":"k","models":["m"]}],
             "Router":{"default":"g,m"}}
            """
        )
        #expect(plain.providers[0].endpoint == "https://gw.example.com/v1/models/chat/completions")
        #expect(plain.providers[0].endpointNote == nil)
    }

    @Test func aBareHostGetsTheV1Path() throws {
        #expect(
            ProviderConfig.endpoint(fromBaseURL: "https://integrate.api.nvidia.com")
                == "https://integrate.api.nvidia.com/v1/chat/completions"
        )
        #expect(
            ProviderConfig.endpoint(fromBaseURL: "http://localhost:11434/")
                == "http://localhost:11434/v1/chat/completions"
        )
        #expect(ProviderConfig.resolveEndpoint(fromBaseURL: "https://a/v1").note == nil)
        #expect(ProviderConfig.resolveEndpoint(fromBaseURL: "https://a").note?.contains("bare host") == true)
    }

    @Test func contextWindowsFromTheConfigOverrideThePublishedOnes() throws {
        let config = try parse(
            """
            {"Providers":[
               {"name":"nvidia","api_base_url":"https://integrate.api.nvidia.com/v1","api_key":"k",
                "models":["z-ai/glm4.7","minimaxai/minimax-m2.1"],"context_window":{"z-ai/glm4.7":65536}},
               {"name":"local","api_base_url":"http://localhost:11434/v1","models":["mystery"],"context_window":32768},
               {"name":"other","api_base_url":"https://x.example/v1","api_key":"k","models":["unknown-model"]}],
             "Router":{"default":"nvidia,z-ai/glm4.7","background":"nvidia,minimaxai/minimax-m2.1"}}
            """
        )
        #expect(config.providers[0].contextWindow(model: "z-ai/glm4.7") == 65_536)
        #expect(config.providers[0].contextWindow(model: "minimaxai/minimax-m2.1") == 204_800)
        #expect(config.providers[1].contextWindow(model: "mystery") == 32_768)
        #expect(config.providers[2].contextWindow(model: "unknown-model") == nil)
        #expect(config.smallestRoutedWindow?.tokens == 65_536)
        #expect(config.smallestRoutedWindow?.model == ModelRef(provider: "nvidia", model: "z-ai/glm4.7"))
        #expect(throws: ConfigError.self) {
            try parse(
                """
                {"Providers":[{"name":"p","api_base_url":"https://x.example/v1","api_key":"k","models":["m"],
                  "context_window":{"not-a-model":1000000}}],"Router":{"default":"p,m"}}
                """
            )
        }
    }

    @Test func publishedContextWindows() {
        #expect(ContextWindow.published(model: "z-ai/glm4.7") == 200_000)
        #expect(ContextWindow.published(model: "minimaxai/minimax-m2.1") == 204_800)
        #expect(ContextWindow.published(model: "deepseek-chat") == 131_072)
        #expect(ContextWindow.published(model: "moonshotai/kimi-k2-instruct-0905") == 262_144)
        #expect(ContextWindow.published(model: "gemini-2.5-pro") == 1_048_576)
        #expect(ContextWindow.published(model: "qwen2.5-coder:latest") == nil)
    }

    @Test func endpointNormalisation() {
        #expect(ProviderConfig.endpoint(fromBaseURL: "https://a/v1") == "https://a/v1/chat/completions")
        #expect(ProviderConfig.endpoint(fromBaseURL: "https://a/v1/") == "https://a/v1/chat/completions")
        #expect(
            ProviderConfig.endpoint(fromBaseURL: "https://a/v1/chat/completions") == "https://a/v1/chat/completions"
        )
        #expect(
            ProviderConfig.endpoint(fromBaseURL: " https://a/v1/chat/completions?x=1 ")
                == "https://a/v1/chat/completions"
        )
        #expect(
            ProviderConfig.endpoint(fromBaseURL: "https://generativelanguage.googleapis.com/v1beta/openai")
                == "https://generativelanguage.googleapis.com/v1beta/openai/chat/completions"
        )
    }
}

struct EnvironmentInterpolationTests {
    let interpolation = EnvironmentInterpolation(environment: ["A": "alpha", "B_2": "beta", "EMPTY": ""])

    @Test func expandsBothForms() {
        #expect(interpolation.expand("$A and ${B_2}!").text == "alpha and beta!")
        #expect(interpolation.expand("x$A.y").text == "xalpha.y")
        #expect(interpolation.expand("no vars").text == "no vars")
    }

    @Test func leavesUnsetVariablesAndReportsThem() {
        let (text, unresolved) = interpolation.expand("$MISSING-${ALSO} $EMPTY")
        #expect(text == "$MISSING-${ALSO} $EMPTY")
        #expect(unresolved == ["MISSING", "ALSO", "EMPTY"])
    }

    @Test func loneDollarsStay() {
        #expect(interpolation.expand("cost: $5 and $ and ${").text == "cost: $5 and $ and ${")
    }
}
