import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// The HTTP client for providers: pooled connections (HTTP/2 where the provider offers it),
/// HTTPS with the system's trust roots, and an outbound proxy from `PROXY_URL` or
/// `HTTPS_PROXY`/`HTTP_PROXY`, bypassed for hosts in `NO_PROXY`.
public final class UpstreamClient: Sendable {
    private let direct: HTTPClient
    private let proxied: HTTPClient?
    private let noProxy: [String]

    /// A client configured from the environment (and `PROXY_URL` when the config sets it).
    public init(proxyURL: String? = nil, environment: [String: String] = ProcessInfo.processInfo.environment) {
        var pool = HTTPClient.Configuration.ConnectionPool(idleTimeout: .seconds(90))
        // Every concurrent stream holds a connection; a low soft limit would queue requests
        // behind each other inside the proxy.
        pool.concurrentHTTP1ConnectionsPerHostSoftLimit = 1_024
        // A refused or failed connection must fail the attempt at once: the dispatcher retries
        // with its own backoff and then falls back. AsyncHTTPClient's own retrying would hold
        // each attempt until the connect time-out (or API_TIMEOUT_MS) instead.
        pool.retryConnectionEstablishment = false
        var configuration = HTTPClient.Configuration(
            redirectConfiguration: .disallow,
            timeout: .init(connect: .seconds(15)),
            connectionPool: pool
        )
        configuration.httpVersion = .automatic
        configuration.decompression = .disabled
        direct = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)

        let proxySetting =
            proxyURL ?? Self.variable("HTTPS_PROXY", environment) ?? Self.variable("HTTP_PROXY", environment)
        if let proxySetting, let proxy = Self.parseProxy(proxySetting) {
            var proxiedConfiguration = configuration
            proxiedConfiguration.proxy = proxy
            proxied = HTTPClient(eventLoopGroupProvider: .singleton, configuration: proxiedConfiguration)
        } else {
            proxied = nil
        }
        noProxy = (Self.variable("NO_PROXY", environment) ?? "")
            .split(separator: ",").map { $0.trimmingWhitespace().lowercased() }.filter { !$0.isEmpty }
    }

    /// The client to use for `host`.
    func client(for host: String) -> HTTPClient {
        guard let proxied else { return direct }
        return Self.bypassesProxy(host: host, noProxy: noProxy) ? direct : proxied
    }

    /// Closes all connections.
    public func shutdown() async {
        try? await direct.shutdown()
        try? await proxied?.shutdown()
    }

    static func variable(_ name: String, _ environment: [String: String]) -> String? {
        let value = environment[name] ?? environment[name.lowercased()]
        return value?.isEmpty == false ? value : nil
    }

    static func parseProxy(_ text: String) -> HTTPClient.Configuration.Proxy? {
        let withScheme = text.contains("://") ? text : "http://" + text
        guard let url = URL(string: withScheme), let host = url.host else { return nil }
        let scheme = url.scheme?.lowercased() ?? "http"
        if scheme.hasPrefix("socks") { return .socksServer(host: host, port: url.port ?? 1080) }
        var authorization: HTTPClient.Authorization?
        if let user = url.user {
            authorization = .basic(
                username: user.removingPercentEncoding ?? user,
                password: url.password?.removingPercentEncoding ?? ""
            )
        }
        return .server(host: host, port: url.port ?? (scheme == "https" ? 443 : 80), authorization: authorization)
    }

    /// `NO_PROXY` entries: `*`, exact hosts, and domain suffixes (`.example.com` or `example.com`).
    static func bypassesProxy(host: String, noProxy: [String]) -> Bool {
        let host = host.lowercased()
        for entry in noProxy {
            if entry == "*" { return true }
            let bare = entry.hasPrefix(".") ? String(entry.dropFirst()) : entry
            let withoutPort = bare.split(separator: ":").first.map(String.init) ?? bare
            if host == withoutPort || host.hasSuffix("." + withoutPort) { return true }
        }
        return false
    }
}
