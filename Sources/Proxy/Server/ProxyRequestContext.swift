import Hummingbird
import NIOCore

/// The per-request context: Hummingbird's core storage plus the connection, so the proxy can
/// tell when a client goes away.
struct ProxyRequestContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    /// The client's connection.
    let channel: any Channel

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        channel = source.channel
    }

    /// Anthropic's limit for Messages and count_tokens bodies.
    var maxUploadSize: Int { ProxyResponder.maximumBodySize }
}
