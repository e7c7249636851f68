import NIOCore
import Synchronization

/// A streamed answer that runs exactly once, even when the server never writes its body.
///
/// The server calls a response body's closure only after it has written the response head.
/// When the client hangs up between the engine returning a stream and that write (an answer
/// whose provider just started streaming, a load test stopping), the head's write fails and
/// the closure is never called: the provider's answer would be left open, its ledger row never
/// written, the dashboard's row stuck in flight, and the request's bytes never given back to
/// `MAX_REQUEST_BYTES` (after enough hang-ups, every request would be refused as overloaded).
/// Whoever drops an unstarted `StreamOnce` runs it instead, with a writer that fails at once,
/// so the answer ends as cancelled (499) like any answer whose client left mid-stream.
final class StreamOnce: Sendable {
    typealias Write = (ByteBuffer) async throws -> Void
    typealias Produce = @Sendable (_ write: Write) async -> Void

    /// What the writer of an answer nobody reads throws.
    struct ClientGone: Error {}

    private let produce: Mutex<Produce?>

    init(_ produce: @escaping Produce) {
        self.produce = Mutex(produce)
    }

    /// Runs the answer into `write`, unless it has already run.
    func run(_ write: Write) async {
        guard let produce = produce.withLock({ $0.take() }) else { return }
        await produce(write)
    }

    deinit {
        guard let produce = produce.withLock({ $0.take() }) else { return }
        Task { await produce { _ in throw ClientGone() } }
    }
}
