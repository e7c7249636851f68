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
        let configuration = Self.configuration
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

    /// How every provider connection is made and pooled.
    static var configuration: HTTPClient.Configuration {
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
        configuration.http1_1ConnectionDebugInitializer = { channel in Self.tuneHTTP1Connection(channel) }
        return configuration
    }

    /// One read per readiness event on an HTTP/1 provider connection.
    ///
    /// NIO keeps a small pool of receive buffers on each connection (as many as it reads per
    /// event, 4 by default, each up to 64 KB) and allocates another whenever the previous one is
    /// still held: a streamed answer's body parts are still on their way to the client when the
    /// next read comes, so every pooled connection ended up holding several buffers. After a
    /// burst at 256 connections the idle pool held about 85 KB per connection (21 MB); reading
    /// once per event lets the consumer release the buffer before the next read reuses it
    /// (measured after the same burst: about 37 KB per idle connection, 9 MB).
    /// An answer streams in small pieces over seconds, so reads rarely find more than one
    /// buffer's worth waiting (the throughput cost was not measured apart from the other
    /// changes of 2026-12-01). HTTP/2 connections multiplex streams and are left as is.
    static func tuneHTTP1Connection(_ channel: any Channel) -> EventLoopFuture<Void> {
        channel.setOption(ChannelOptions.maxMessagesPerRead, value: 1)
    }

    /// The client to use for `host`.
    func client(for host: String) -> HTTPClient {
        guard let proxied else { return direct }
        return Self.bypassesProxy(host: host, noProxy: noProxy) ? direct : proxied
    }

    /// One GET to `url` (through the outbound proxy unless `NO_PROXY` names its host): the status
    /// and up to `limit` bytes of the body. A refused connection fails at once, as for requests,
    /// and the error says what happened in a few words.
    public func get(
        _ url: String,
        headers: [(String, String)] = [],
        timeout: TimeAmount,
        limit: Int = 16 << 20
    ) async throws -> (status: Int, body: ByteBuffer) {
        var request = HTTPClientRequest(url: url)
        request.method = .GET
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        let host = URL(string: url)?.host ?? ""
        do {
            let response = try await client(for: host).execute(request, timeout: timeout)
            return (Int(response.status.code), try await response.body.collect(upTo: limit))
        } catch {
            throw UpstreamClientError(description: UpstreamErrorMessage.describe(error))
        }
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

/// Why a request of ``UpstreamClient/get(_:headers:timeout:limit:)`` failed, in a few words.
public struct UpstreamClientError: Error, CustomStringConvertible {
    /// The reason, e.g. "could not connect to localhost:11434: connection refused".
    public var description: String
}
