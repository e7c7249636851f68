import Foundation
import Proxy

/// Everything the dashboard knows about one request.
struct RequestRecord: Equatable {
    enum Status: Equatable {
        case inFlight
        case finished(StopReason?)
        case failed(APIError)
    }

    /// Most characters of output kept per request for the detail view.
    static let outputLimit = 16_384

    let id: RequestID
    let startedAt: Date
    var requestedModel: String
    var stream: Bool
    var bodyBytes: Int
    var estimatedInputTokens: Int
    var messageCount: Int
    var toolCount: Int
    var maxTokens: Int
    /// Claude Code's session id, its working directory and the client (from the request's origin).
    var sessionID: String?
    var project: String?
    var client: String?
    var route: RouteKind?
    var target: ModelRef?
    var reason: String?
    var candidates: [ModelRef] = []
    var attempts: [String] = []
    /// When the request's RPM wait ends, if it was queued.
    var queuedUntil: Date?
    var answeredBy: ModelRef?
    var ttft: Duration?
    var duration: Duration?
    var inputTokens: Int
    var outputTokens = 0
    var cacheReadTokens = 0
    var status = Status.inFlight
    var output: [ProxyEvent.OutputPiece] = []
    var outputCharacters = 0
    var outputTruncated = false
    /// The output was let go to bound memory (only recent requests keep theirs).
    var outputDropped = false
    /// For a request of an earlier run (see `init(past:)`): its ledger row.
    var past: UsageRow?

    init(started: ProxyEvent.Started) {
        id = started.id
        startedAt = started.time
        requestedModel = started.requestedModel
        stream = started.stream
        bodyBytes = started.bodyBytes
        estimatedInputTokens = started.estimatedInputTokens
        messageCount = started.messageCount
        toolCount = started.toolCount
        maxTokens = started.maxTokens
        inputTokens = started.estimatedInputTokens
        sessionID = started.origin.sessionID
        project = started.origin.workingDirectory
        client = started.origin.client
    }

    /// A record for a request whose start event was dropped (display detail only).
    init(id: RequestID, now: Date) {
        self.id = id
        startedAt = now
        requestedModel = "?"
        stream = true
        bodyBytes = 0
        estimatedInputTokens = 0
        messageCount = 0
        toolCount = 0
        maxTokens = 0
        inputTokens = 0
    }

    var isInFlight: Bool { status == .inFlight }

    var isError: Bool {
        if case .failed = status { return true }
        return false
    }

    /// The model shown for the request: the one that answered, else the one it was sent to.
    var model: ModelRef? { answeredBy ?? target }

    /// The HTTP status shown (200 for success, the error's otherwise).
    var statusCode: Int? {
        switch status {
        case .inFlight: return nil
        case .finished: return 200
        case .failed(let error): return error.status
        }
    }

    /// Output tokens per second of generation (after the first token).
    var tokensPerSecond: Double? {
        guard let duration, let ttft, outputTokens > 0 else { return nil }
        let generating = (duration - ttft).seconds
        return generating > 0.05 ? Double(outputTokens) / generating : nil
    }

    mutating func append(_ pieces: [ProxyEvent.OutputPiece]) {
        for var piece in pieces {
            let room = Self.outputLimit - outputCharacters
            guard room > 0 else {
                outputTruncated = true
                return
            }
            var size: Int
            switch piece {
            case .text(let text), .thinking(let text), .toolArguments(let text): size = text.count
            case .toolCall(let name): size = name.count
            }
            if size > room {
                // Keep what fits: one progress event can carry a whole non-streamed answer.
                switch piece {
                case .text(let text): piece = .text(String(text.prefix(room)))
                case .thinking(let text): piece = .thinking(String(text.prefix(room)))
                case .toolArguments(let text): piece = .toolArguments(String(text.prefix(room)))
                case .toolCall(let name): piece = .toolCall(name: String(name.prefix(room)))
                }
                size = room
                outputTruncated = true
            }
            outputCharacters += size
            switch (output.last, piece) {
            case (.text(let old)?, .text(let new)): output[output.count - 1] = .text(old + new)
            case (.thinking(let old)?, .thinking(let new)): output[output.count - 1] = .thinking(old + new)
            case (.toolArguments(let old)?, .toolArguments(let new)):
                output[output.count - 1] = .toolArguments(old + new)
            default: output.append(piece)
            }
        }
    }
}

extension Duration {
    /// The duration in seconds.
    var seconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }

    /// The duration in milliseconds.
    var milliseconds: Double { seconds * 1000 }
}
