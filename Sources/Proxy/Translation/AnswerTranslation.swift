import NIOCore

/// Turns an upstream answer's bytes into what the client receives, and says what it was
/// (events) so the relay can report progress, usage and errors. Two kinds: translated
/// (OpenAI chunks → Anthropic events) and passed through (an Anthropic-compatible provider's
/// own bytes, observed on the way).
protocol AnswerTranslation: Sendable {
    /// Bytes for the client and the events they carry.
    typealias Output = (bytes: [UInt8], events: [StreamEvent])

    mutating func start() -> Output
    mutating func feed(_ buffer: ByteBuffer) -> Output
    /// The upstream body ended.
    mutating func finish() -> Output
    /// The answer must end with `error`.
    mutating func fail(_ error: APIError) -> Output
    /// Whether the answer reached its end (its last event, or an error).
    var isEnded: Bool { get }
    /// Whether the upstream said it is done (`[DONE]`, `message_stop`): the rest of the body
    /// only needs draining.
    var upstreamDone: Bool { get }
    /// Whether the answer is already complete apart from the closing bookkeeping (a finish
    /// reason arrived), so a connection lost now is not an error.
    var isComplete: Bool { get }
    var estimatedOutputTokens: Int { get }
    var finalUsage: Usage { get }
    /// Whether `finalUsage` is Switchboard's estimate (the provider reported no usage).
    var usageEstimated: Bool { get }
    /// The estimate the request was routed with and the prompt tokens the provider reported, when it did.
    var promptTokenSample: TokenCalibration.Sample? { get }
}

extension AnswerTranslation {
    /// A passed-through answer is not sampled: its usage may split the prompt across events.
    var promptTokenSample: TokenCalibration.Sample? { nil }
}

/// OpenAI-compatible chunks translated into Anthropic events.
struct TranslatedAnswer: AnswerTranslation {
    private var translator: StreamTranslator
    private var decoder: ChunkDecoder
    private let estimatedInputTokens: Int

    init(configuration: StreamTranslator.Configuration, isEventStream: Bool) {
        translator = StreamTranslator(configuration: configuration)
        estimatedInputTokens = configuration.estimatedInputTokens
        decoder = ChunkDecoder(isEventStream: isEventStream)
    }

    private static func encode(_ events: [StreamEvent]) -> Output {
        var writer = JSONWriter(capacity: 256 * max(1, events.count))
        for event in events { event.write(to: &writer) }
        return (writer.bytes, events)
    }

    mutating func start() -> Output { Self.encode(translator.start()) }

    mutating func feed(_ buffer: ByteBuffer) -> Output {
        var events: [StreamEvent] = []
        for chunk in decoder.feed(buffer.readableBytesView) { events += translator.feed(chunk) }
        if decoder.overflowed, !translator.isEnded {
            events += translator.fail(
                APIError(
                    .api,
                    "the provider sent an event or answer larger than \(SSEParser.maximumEventSize / 1_048_576) MB without an end; the answer is cut off"
                )
            )
        } else if decoder.sawDone {
            events += translator.finish()
        }
        return Self.encode(events)
    }

    mutating func finish() -> Output {
        var events: [StreamEvent] = []
        for chunk in decoder.finish() { events += translator.feed(chunk) }
        events += translator.finish()
        return Self.encode(events)
    }

    mutating func fail(_ error: APIError) -> Output { Self.encode(translator.fail(error)) }

    var isEnded: Bool { translator.isEnded }
    var upstreamDone: Bool { decoder.sawDone }
    var isComplete: Bool { translator.hasFinishReason }
    var estimatedOutputTokens: Int { translator.estimatedOutputTokens }
    var finalUsage: Usage { translator.finalUsage }
    var usageEstimated: Bool { translator.reportedUsage == nil }
    var promptTokenSample: TokenCalibration.Sample? {
        translator.reportedUsage.map { .init(estimated: estimatedInputTokens, reported: $0.promptTokens) }
    }
}

/// An Anthropic-compatible provider's answer, passed to the client byte for byte. A stream
/// that ends without `message_stop` still gets an `error` event, never a silent end.
struct PassedThroughAnswer: AnswerTranslation {
    private var reader = SSEFrameReader()
    private let isEventStream: Bool
    private var document: [UInt8] = []
    private var sawStop = false
    private var sawError = false
    private var usage = Usage(inputTokens: 0, outputTokens: 0)
    private(set) var estimatedOutputTokens = 0
    private let estimator = TokenEstimator()
    /// An Anthropic-compatible provider reports its own usage.
    var usageEstimated: Bool { false }

    init(isEventStream: Bool) {
        self.isEventStream = isEventStream
    }

    mutating func start() -> Output { ([], []) }

    mutating func feed(_ buffer: ByteBuffer) -> Output {
        let bytes = Array(buffer.readableBytesView)
        guard isEventStream else {
            document += bytes
            return ([], [])
        }
        let events = reader.feed(buffer)
        observe(events)
        return (bytes, events)
    }

    mutating func finish() -> Output {
        if !isEventStream {
            // A whole message: pass it on, and read its usage and stop reason for the report.
            guard let json = try? JSONParser.parse(document) else {
                return fail(APIError(.api, "the provider's answer was not JSON"))
            }
            let events = Self.events(of: json)
            observe(events)
            return (document, events)
        }
        guard !sawStop, !sawError else { return ([], []) }
        return fail(APIError(.api, "upstream stream ended before message_stop"))
    }

    mutating func fail(_ error: APIError) -> Output {
        guard !sawStop, !sawError else { return ([], []) }
        sawError = true
        var writer = JSONWriter()
        StreamEvent.error(error).write(to: &writer)
        return (isEventStream ? writer.bytes : error.jsonBody, [.error(error)])
    }

    private mutating func observe(_ events: [StreamEvent]) {
        for event in events {
            switch event {
            case .messageStart(_, _, let input): usage.inputTokens = input
            case .contentBlockDelta(_, .text(let text)), .contentBlockDelta(_, .thinking(let text)),
                .contentBlockDelta(_, .inputJSON(let text)):
                estimatedOutputTokens += estimator.count(text)
            case .messageDelta(_, _, let delivered): usage = delivered
            case .messageStop: sawStop = true
            case .error: sawError = true
            default: break
            }
        }
    }

    /// The events a non-streaming Anthropic message stands for (for reporting only).
    static func events(of message: JSONValue) -> [StreamEvent] {
        let usage = message["usage"]
        var events: [StreamEvent] = [
            .messageStart(id: "", model: "", inputTokens: usage?["input_tokens"]?.intValue ?? 0)
        ]
        for (index, block) in (message["content"]?.arrayValue ?? []).enumerated() {
            if let text = block["text"]?.stringValue { events.append(.contentBlockDelta(index: index, .text(text))) }
        }
        events.append(
            .messageDelta(
                stopReason: StopReason(rawValue: message["stop_reason"]?.stringValue ?? "") ?? .endTurn,
                stopSequence: message["stop_sequence"]?.stringValue,
                usage: Usage(
                    inputTokens: usage?["input_tokens"]?.intValue ?? 0,
                    outputTokens: usage?["output_tokens"]?.intValue ?? 0,
                    cacheReadInputTokens: usage?["cache_read_input_tokens"]?.intValue ?? 0
                )
            )
        )
        events.append(.messageStop)
        return events
    }

    var isEnded: Bool { sawStop || sawError }
    var upstreamDone: Bool { sawStop }
    var isComplete: Bool { sawStop }
    var finalUsage: Usage { usage }
}
