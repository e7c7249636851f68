/// Reads an upstream answer body into ``ChatChunk``s: SSE `data:` events, `[DONE]`, or a
/// single JSON document when the provider did not stream.
struct ChunkDecoder: Sendable {
    private var parser = SSEParser()
    private let isEventStream: Bool
    private var document: [UInt8] = []
    /// Whether `data: [DONE]` arrived.
    private(set) var sawDone = false
    /// Data events that were not JSON (skipped).
    private(set) var malformedEvents = 0
    /// A non-streamed answer past this size is not kept (the dispatcher caps whole bodies the same).
    static let maximumDocument = 64 * 1024 * 1024
    private var documentOverflowed = false

    /// Whether the provider sent an event or a document too large to keep: the answer is lost.
    var overflowed: Bool { parser.overflowed || documentOverflowed }

    init(isEventStream: Bool) {
        self.isEventStream = isEventStream
    }

    /// Decodes what `bytes` complete. (Bytes, not a `ByteBuffer`: the fuzz harness builds
    /// this file without NIO; the relay passes `readableBytesView`.)
    mutating func feed(_ bytes: some Collection<UInt8>) -> [ChatChunk] {
        guard isEventStream else {
            guard document.count + bytes.count <= Self.maximumDocument else {
                documentOverflowed = true
                document = []
                return []
            }
            document.append(contentsOf: bytes)
            return []
        }
        return decode(parser.feed(bytes))
    }

    /// Decodes the rest at the end of the body.
    mutating func finish() -> [ChatChunk] {
        guard isEventStream else {
            defer { document = [] }
            guard let json = try? JSONParser.parse(document) else {
                malformedEvents += 1
                return []
            }
            return [ChatChunk(json: json)]
        }
        return decode(parser.finish())
    }

    private mutating func decode(_ events: [[UInt8]]) -> [ChatChunk] {
        var chunks: [ChatChunk] = []
        for data in events {
            if isDone(data[...]) {
                sawDone = true
                continue
            }
            if let chunk = Self.decodeChunk(data) {
                chunks.append(chunk)
                continue
            }
            // Some servers put several JSON documents in one event, one per `data:` line.
            var parsedAny = false
            for line in data.split(separator: 0x0A) {
                if isDone(line) {
                    sawDone = true
                } else if let json = try? JSONParser.parse(line) {
                    chunks.append(ChatChunk(json: json))
                    parsedAny = true
                }
            }
            if !parsedAny, !sawDone { malformedEvents += 1 }
        }
        return chunks
    }

    /// One chunk: the fast scanner for the usual shapes, the full parser for everything else.
    static func decodeChunk(_ data: [UInt8]) -> ChatChunk? {
        let fast = data.withUnsafeBufferPointer { ChunkScanner.scan($0) }
        if let fast { return fast }
        guard let json = try? JSONParser.parse(data) else { return nil }
        return ChatChunk(json: json)
    }

    private func isDone(_ data: ArraySlice<UInt8>) -> Bool {
        let trimmed = data.drop { $0 == 0x20 }
        return trimmed.starts(with: "[DONE]".utf8)
    }
}
