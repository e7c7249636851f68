import AsyncHTTPClient
import NIOCore
import NIOHTTP1

/// One HTTP request to a provider, seen as a single stream of happenings: the response head,
/// body bytes, the end, a failure, and clock ticks (so the reader can send pings and enforce
/// time-outs while the provider is silent).
///
/// Cancelling the call cancels the HTTP request at once, closing its connection.
struct UpstreamCall: Sendable {
    enum Item: Sendable {
        case head(status: Int, headers: HTTPHeaders)
        case bytes(ByteBuffer)
        case end
        case failure(any Error)
        case tick
        /// The proxy's own client went away.
        case clientGone
    }

    let items: AsyncStream<Item>
    private let producer: Task<Void, Never>
    private let ticker: UInt64
    private let continuation: AsyncStream<Item>.Continuation

    /// Starts `request` on `client`; ticks arrive every `tick`.
    init(client: HTTPClient, request: HTTPClientRequest, tick: Duration) {
        let (stream, continuation) = AsyncStream.makeStream(of: Item.self, bufferingPolicy: .unbounded)
        items = stream
        self.continuation = continuation
        producer = Task {
            do {
                let response = try await client.execute(request, deadline: .distantFuture)
                continuation.yield(.head(status: Int(response.status.code), headers: response.headers))
                for try await buffer in response.body {
                    continuation.yield(.bytes(buffer))
                }
                continuation.yield(.end)
            } catch {
                continuation.yield(.failure(error))
            }
            continuation.finish()
        }
        let ticker = TickSource.shared.subscribe(every: tick) { continuation.yield(.tick) }
        self.ticker = ticker
        continuation.onTermination = { [producer] _ in
            producer.cancel()
            TickSource.shared.cancel(ticker)
        }
    }

    /// Tells the reader that its client disconnected.
    func notifyClientGone() {
        continuation.yield(.clientGone)
    }

    /// Stops the request and the clock.
    func cancel() {
        producer.cancel()
        TickSource.shared.cancel(ticker)
    }
}
