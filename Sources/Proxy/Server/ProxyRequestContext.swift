import Hummingbird
import NIOCore

/// The per-request context: Hummingbird's core storage plus the connection, so the proxy can
/// tell when a client goes away.
public struct ProxyRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The client's connection.
    public let channel: any Channel

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        channel = source.channel
    }

    /// Anthropic's limit for Messages and count_tokens bodies.
    public var maxUploadSize: Int { ProxyResponder.maximumBodySize }
}
