import AsyncHTTPClient
import NIOCore
import NIOPosix
import Testing

@testable import Proxy

/// How provider connections are made.
struct UpstreamClientTests {
    /// A real TCP connection to a listener on loopback (closed when `body` returns).
    func withConnectedChannel(_ body: (any Channel) async throws -> Void) async throws {
        let group = MultiThreadedEventLoopGroup.singleton
        let server = try await ServerBootstrap(group: group).bind(host: "127.0.0.1", port: 0).get()
        let port = try #require(server.localAddress?.port)
        let client = try await ClientBootstrap(group: group).connect(host: "127.0.0.1", port: port).get()
        do {
            try await body(client)
        } catch {
            try? await client.close()
            try? await server.close()
            throw error
        }
        try? await client.close()
        try? await server.close()
    }

    @Test func http1ProviderConnectionsReadOncePerEvent() async throws {
        let initializer = try #require(UpstreamClient.configuration.http1_1ConnectionDebugInitializer)
        try await withConnectedChannel { channel in
            #expect(try await channel.getOption(ChannelOptions.maxMessagesPerRead).get() == 4, "NIO's default")
            try await initializer(channel).get()
            // One pooled receive buffer per idle connection, not four (see tuneHTTP1Connection).
            #expect(try await channel.getOption(ChannelOptions.maxMessagesPerRead).get() == 1)
        }
    }
}
