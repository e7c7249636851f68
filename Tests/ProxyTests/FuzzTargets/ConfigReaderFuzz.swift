import Foundation

#if !SWITCHBOARD_FUZZ
    @testable import Proxy
#endif

/// `config`: any file through ``ConfigLoader/parse(_:source:)`` (JSON5 via Foundation, then
/// validation). It returns a config or a ``ConfigError`` with a message, never crashes; a config
/// it returns has every route and fallback naming a configured provider, and a port in range.
enum ConfigReaderFuzz {
    static let loader = ConfigLoader(
        environment: ["HOME": "/nonexistent", "NVIDIA_API_KEY": "nvapi-fuzz", "PORT": "3456"],
        homeDirectory: "/nonexistent"
    )

    static func check(_ input: [UInt8]) throws(FuzzFailure) {
        let config: SwitchboardConfig
        do {
            config = try loader.parse(Data(input), source: .file("/nonexistent/config.json"))
        } catch {
            guard !error.description.isEmpty else { throw FuzzFailure("an error without a message") }
            return
        }
        let providers = Set(config.providers.map(\.name))
        for ref in Array(config.routes.values) + config.fallbacks.values.flatMap({ $0 })
        where !providers.contains(ref.provider) {
            throw FuzzFailure("route to \(ref) names no configured provider")
        }
        guard (0...65535).contains(config.port) else { throw FuzzFailure("port \(config.port)") }
    }
}
