import NIOCore

/// Closes a connection as soon as its client stops sending (end of input, a TCP FIN).
///
/// The HTTP server allows remote half-closure, so a client that leaves with a FIN (what a
/// client does when it has read everything sent so far, e.g. while the model is silently
/// thinking) only raises `inputClosed`: the connection stays open, and the upstream request
/// keeps running, until a later write happens to fail. An Anthropic API client never
/// half-closes to wait for its answer, so end of input means it left (nginx reads it the same
/// way). Closing the channel fires its close future, which cancels the request in progress
/// (``ConnectionRegistry``).
final class ClientHangUpHandler: ChannelInboundHandler, RemovableChannelHandler, Sendable {
    /// Reads pass through untouched (the default `channelRead` forwards them), so their type is irrelevant.
    typealias InboundIn = NIOAny

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        context.fireUserInboundEventTriggered(event)
        if case .inputClosed? = event as? ChannelEvent {
            context.close(promise: nil)
        }
    }
}
