@testable import Proxy

/// One SSE frame as the client received it.
struct SSEFrame: Sendable {
    /// The `event:` field (`nil` when the frame had none, which Anthropic SDKs would ignore).
    let event: String?
    let data: String
    /// When it arrived, from the start of the request.
    let at: Duration

    var json: JSONValue? { try? JSONParser.parse(data) }
}

/// Splits SSE bytes into frames keeping the `event:` name (``SSEParser`` keeps only the data).
struct SSEFrameSplitter {
    private var line: [UInt8] = []
    private var event: String?
    private var data: [String] = []
    private var lastWasCR = false

    mutating func feed(_ bytes: some Sequence<UInt8>) -> [(event: String?, data: String)] {
        var frames: [(event: String?, data: String)] = []
        for byte in bytes {
            if lastWasCR {
                lastWasCR = false
                if byte == 0x0A { continue }
            }
            if byte == 0x0A || byte == 0x0D {
                lastWasCR = byte == 0x0D
                endLine(into: &frames)
            } else {
                line.append(byte)
            }
        }
        return frames
    }

    mutating func finish() -> [(event: String?, data: String)] {
        var frames: [(event: String?, data: String)] = []
        if !line.isEmpty { endLine(into: &frames) }
        endLine(into: &frames)
        return frames
    }

    private mutating func endLine(into frames: inout [(event: String?, data: String)]) {
        defer { line.removeAll(keepingCapacity: true) }
        let text = String(decoding: line, as: UTF8.self)
        if text.isEmpty {
            if event != nil || !data.isEmpty { frames.append((event, data.joined(separator: "\n"))) }
            event = nil
            data = []
            return
        }
        if text.hasPrefix(":") { return }
        let (field, value) = Self.split(text)
        switch field {
        case "event": event = value
        case "data": data.append(value)
        default: break
        }
    }

    private static func split(_ text: String) -> (String, String) {
        guard let colon = text.firstIndex(of: ":") else { return (text, "") }
        var value = text[text.index(after: colon)...]
        if value.hasPrefix(" ") { value = value.dropFirst() }
        return (String(text[..<colon]), String(value))
    }
}

/// An Anthropic SSE answer, checked the way strict clients check it: every frame has an
/// `event:` line naming its `data.type`, every event decodes, and the sequence obeys the order
/// rules (``MessageAccumulator``, the proxy's own model of the SDK's `accumulate_event`).
struct Transcript: Sendable {
    let frames: [SSEFrame]
    private(set) var events: [StreamEvent] = []
    /// Framing and decoding problems (empty for a well-formed stream).
    private(set) var problems: [String] = []
    /// The first order violation, if any.
    private(set) var orderError: String?
    private(set) var message = MessageAccumulator()

    init(frames: [SSEFrame], raw: [UInt8]) {
        self.frames = frames
        // The proxy's own SSE parser must read the same data out of the raw bytes.
        var parser = SSEParser()
        let parsed = (parser.feed(raw) + parser.finish()).map { String(decoding: $0, as: UTF8.self) }
        if parsed != frames.map(\.data) {
            problems.append("SSEParser read \(parsed.count) data fields, the frame splitter \(frames.count)")
        }
        for (offset, frame) in frames.enumerated() {
            guard let json = frame.json else {
                problems.append("frame \(offset): data is not JSON: \(frame.data.prefix(200))")
                continue
            }
            let type = json["type"]?.stringValue
            guard let name = frame.event else {
                problems.append("frame \(offset) (\(type ?? "?")) has no event: line")
                continue
            }
            if name != type { problems.append("frame \(offset): event: \(name) but data.type \(type ?? "nil")") }
            guard let event = Self.decode(json) else {
                problems.append("frame \(offset): cannot decode \(frame.data.prefix(200))")
                continue
            }
            events.append(event)
            if orderError == nil {
                do throws(MessageAccumulator.OrderError) {
                    try message.apply(event)
                } catch {
                    orderError = "frame \(offset) (\(name)): \(error.description)"
                }
            }
        }
    }

    /// The event names, in order.
    var names: [String] { events.map(\.name) }

    /// A well-formed stream that ran to `message_stop` without an error.
    var isCompleteAndValid: Bool { problems.isEmpty && orderError == nil && message.isComplete && message.error == nil }

    /// The error event, when the stream carried one.
    var error: APIError? { message.error }

    /// A description for failure messages.
    var summary: String {
        "events=\(names) problems=\(problems) order=\(orderError ?? "ok") error=\(error.map(String.init(describing:)) ?? "none")"
    }

    /// Decodes one event strictly: unknown types or fields of the wrong type give `nil`.
    static func decode(_ json: JSONValue) -> StreamEvent? {
        guard let type = json["type"]?.stringValue else { return nil }
        switch type {
        case "message_start":
            guard let message = json["message"], message["type"]?.stringValue == "message",
                message["role"]?.stringValue == "assistant", message["content"]?.arrayValue?.isEmpty == true,
                message["stop_reason"]?.isNull == true, let id = message["id"]?.stringValue,
                let model = message["model"]?.stringValue, let input = message["usage"]?["input_tokens"]?.intValue,
                message["usage"]?["output_tokens"]?.intValue != nil
            else { return nil }
            return .messageStart(id: id, model: model, inputTokens: input)
        case "content_block_start":
            guard let index = json["index"]?.intValue, let block = json["content_block"] else { return nil }
            switch block["type"]?.stringValue {
            case "text" where block["text"]?.stringValue == "": return .contentBlockStart(index: index, .text)
            case "thinking" where block["thinking"]?.stringValue == "" && block["signature"]?.stringValue != nil:
                return .contentBlockStart(index: index, .thinking)
            case "tool_use":
                guard let id = block["id"]?.stringValue, let name = block["name"]?.stringValue,
                    block["input"]?.objectValue?.isEmpty == true
                else { return nil }
                return .contentBlockStart(index: index, .toolUse(id: id, name: name))
            default: return nil
            }
        case "content_block_delta":
            guard let index = json["index"]?.intValue, let delta = json["delta"] else { return nil }
            switch delta["type"]?.stringValue {
            case "text_delta": return delta["text"]?.stringValue.map { .contentBlockDelta(index: index, .text($0)) }
            case "thinking_delta":
                return delta["thinking"]?.stringValue.map { .contentBlockDelta(index: index, .thinking($0)) }
            case "signature_delta":
                return delta["signature"]?.stringValue.map { .contentBlockDelta(index: index, .signature($0)) }
            case "input_json_delta":
                return delta["partial_json"]?.stringValue.map { .contentBlockDelta(index: index, .inputJSON($0)) }
            default: return nil
            }
        case "content_block_stop":
            return json["index"]?.intValue.map { .contentBlockStop(index: $0) }
        case "message_delta":
            guard let stop = json["delta"]?["stop_reason"]?.stringValue.flatMap(StopReason.init(rawValue:)),
                let usage = json["usage"], let output = usage["output_tokens"]?.intValue
            else { return nil }
            return .messageDelta(
                stopReason: stop,
                stopSequence: json["delta"]?["stop_sequence"]?.stringValue,
                usage: Usage(
                    inputTokens: usage["input_tokens"]?.intValue ?? 0,
                    outputTokens: output,
                    cacheReadInputTokens: usage["cache_read_input_tokens"]?.intValue ?? 0,
                    cacheCreationInputTokens: usage["cache_creation_input_tokens"]?.intValue ?? 0
                )
            )
        case "message_stop": return .messageStop
        case "ping": return .ping
        case "error":
            guard let kind = json["error"]?["type"]?.stringValue.flatMap(APIError.Kind.init(rawValue:)),
                let message = json["error"]?["message"]?.stringValue
            else { return nil }
            return .error(APIError(kind, message))
        default: return nil
        }
    }
}

extension MessageAccumulator.Block {
    var text: String? {
        if case .text(let text) = self { return text }
        return nil
    }

    var thinking: String? {
        if case .thinking(let text, _) = self { return text }
        return nil
    }

    var toolUse: (id: String, name: String, input: JSONValue?)? {
        if case .toolUse(let id, let name, let json) = self { return (id, name, try? JSONParser.parse(json)) }
        return nil
    }
}
