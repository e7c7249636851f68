#if !SWITCHBOARD_FUZZ
    @testable import Proxy
#endif

/// `stream`: any upstream body through the relay's path (``ChunkDecoder`` then
/// ``StreamTranslator``, driven as `AnswerTranslation` drives them). Every event is accepted by
/// ``MessageAccumulator`` (the SDK's order rules), its SSE frame's data is JSON, tool ids are
/// unique and `[A-Za-z0-9_-]+`, and the stream ends with exactly one `message_stop` or `error`.
///
/// The first byte picks the configuration (think-tag mode, buffered tool arguments, an exit
/// tool, SSE or a whole JSON document, and the size of the pieces the body arrives in); the
/// rest is the body.
enum StreamTranslatorFuzz {
    static func check(_ input: [UInt8]) throws(FuzzFailure) {
        guard let first = input.first else { return }
        let body = Array(input.dropFirst())
        let modes: [ThinkTagSplitter.Mode] = [.off, .leading, .implicitOpen, .leading]
        var configuration = StreamTranslator.Configuration(
            messageID: "msg_fuzz",
            model: "claude-fuzz",
            estimatedInputTokens: 10,
            thinkTags: modes[Int(first & 0x03)],
            toolNames: ["Read_1a2b3c4d": "Read.v2"],
            stopSequences: ["STOP"]
        )
        configuration.bufferToolArguments = first & 0x04 != 0
        configuration.exitToolName = first & 0x08 != 0 ? ChatRequestBuilder.exitToolName : nil
        let isEventStream = first & 0x10 == 0
        let pieceSize = [body.count + 1, 1, 7, 64][Int(first >> 6)]

        var decoder = ChunkDecoder(isEventStream: isEventStream)
        var translator = StreamTranslator(configuration: configuration)
        var checker = EventChecker()
        try checker.apply(translator.start())
        var offset = 0
        while offset < body.count, !translator.isEnded {
            let end = min(offset + pieceSize, body.count)
            for chunk in decoder.feed(body[offset..<end]) { try checker.apply(translator.feed(chunk)) }
            if decoder.overflowed {
                try checker.apply(translator.fail(APIError(.api, "too large")))
            } else if decoder.sawDone {
                try checker.apply(translator.finish())
            }
            offset = end
        }
        if !translator.isEnded {
            for chunk in decoder.finish() { try checker.apply(translator.feed(chunk)) }
            try checker.apply(translator.finish())
        }
        try checker.checkEnded()
    }
}

/// Checks a stream of events the way a strict client reads it.
struct EventChecker {
    private(set) var message = MessageAccumulator()
    private(set) var events: [StreamEvent] = []
    private var toolIDs: Set<String> = []

    mutating func apply(_ new: [StreamEvent]) throws(FuzzFailure) {
        for event in new {
            do {
                try message.apply(event)
            } catch {
                throw FuzzFailure("invalid event order after \(events.map(\.name)): \(error.description)")
            }
            let frame = event.sseFrame
            let prefix = "event: \(event.name)\ndata: "
            guard frame.hasPrefix(prefix), frame.hasSuffix("\n\n") else {
                throw FuzzFailure("malformed SSE frame: \(frame)")
            }
            let data = frame.dropFirst(prefix.count).dropLast(2)
            guard !data.contains("\n"), (try? JSONParser.parse(String(data))) != nil else {
                throw FuzzFailure("the data of an SSE frame is not one line of JSON: \(frame)")
            }
            if case .contentBlockStart(_, .toolUse(let id, _)) = event {
                guard Self.isValidToolID(id), toolIDs.insert(id).inserted else {
                    throw FuzzFailure("tool id \(id) is invalid or used twice")
                }
            }
            events.append(event)
        }
    }

    /// The stream ended with `message_stop` or `error`, and the message is complete or failed.
    func checkEnded() throws(FuzzFailure) {
        switch events.last {
        case .messageStop?, .error?: break
        default: throw FuzzFailure("the stream ended with \(events.last?.name ?? "nothing")")
        }
        guard message.isComplete || message.error != nil else {
            throw FuzzFailure("the accumulated message is neither complete nor failed")
        }
    }

    /// `^[A-Za-z0-9_-]+$`
    static func isValidToolID(_ id: String) -> Bool {
        !id.isEmpty
            && id.utf8.allSatisfy { byte in
                (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte)
                    || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-")
            }
    }
}
