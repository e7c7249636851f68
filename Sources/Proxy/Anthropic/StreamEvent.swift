/// One server-sent event of an Anthropic streaming response.
public enum StreamEvent: Sendable, Equatable {
    /// The kinds of content block.
    public enum BlockStart: Sendable, Equatable {
        case text
        case thinking
        case toolUse(id: String, name: String)
    }

    /// The kinds of delta; each is valid only inside its own kind of block.
    public enum Delta: Sendable, Equatable {
        case text(String)
        case thinking(String)
        case signature(String)
        case inputJSON(String)
    }

    case messageStart(id: String, model: String, inputTokens: Int)
    case contentBlockStart(index: Int, BlockStart)
    case contentBlockDelta(index: Int, Delta)
    case contentBlockStop(index: Int)
    case messageDelta(stopReason: StopReason, stopSequence: String?, usage: Usage)
    case messageStop
    case ping
    case error(APIError)

    /// The SSE `event:` name.
    public var name: String {
        switch self {
        case .messageStart: return "message_start"
        case .contentBlockStart: return "content_block_start"
        case .contentBlockDelta: return "content_block_delta"
        case .contentBlockStop: return "content_block_stop"
        case .messageDelta: return "message_delta"
        case .messageStop: return "message_stop"
        case .ping: return "ping"
        case .error: return "error"
        }
    }

    /// Appends this event as an SSE frame (`event: …\ndata: …\n\n`).
    public func write(to writer: inout JSONWriter) {
        writer.raw("event: ")
        writer.raw(name)
        writer.raw("\ndata: ")
        switch self {
        case .messageStart(let id, let model, let inputTokens):
            writer.raw(#"{"type":"message_start","message":{"id":"#)
            writer.string(id)
            writer.raw(#","type":"message","role":"assistant","model":"#)
            writer.string(model)
            writer.raw(#","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":"#)
            writer.int(inputTokens)
            writer.raw(#","cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":0}}}"#)
        case .contentBlockStart(let index, let block):
            writer.raw(#"{"type":"content_block_start","index":"#)
            writer.int(index)
            switch block {
            case .text: writer.raw(#","content_block":{"type":"text","text":""}}"#)
            case .thinking: writer.raw(#","content_block":{"type":"thinking","thinking":"","signature":""}}"#)
            case .toolUse(let id, let name):
                writer.raw(#","content_block":{"type":"tool_use","id":"#)
                writer.string(id)
                writer.raw(#","name":"#)
                writer.string(name)
                writer.raw(#","input":{}}}"#)
            }
        case .contentBlockDelta(let index, let delta):
            writer.raw(#"{"type":"content_block_delta","index":"#)
            writer.int(index)
            switch delta {
            case .text(let text):
                writer.raw(#","delta":{"type":"text_delta","text":"#)
                writer.string(text)
            case .thinking(let text):
                writer.raw(#","delta":{"type":"thinking_delta","thinking":"#)
                writer.string(text)
            case .signature(let signature):
                writer.raw(#","delta":{"type":"signature_delta","signature":"#)
                writer.string(signature)
            case .inputJSON(let json):
                writer.raw(#","delta":{"type":"input_json_delta","partial_json":"#)
                writer.string(json)
            }
            writer.raw("}}")
        case .contentBlockStop(let index):
            writer.raw(#"{"type":"content_block_stop","index":"#)
            writer.int(index)
            writer.raw("}")
        case .messageDelta(let stopReason, let stopSequence, let usage):
            writer.raw(#"{"type":"message_delta","delta":{"stop_reason":"#)
            writer.string(stopReason.rawValue)
            writer.raw(#","stop_sequence":"#)
            if let stopSequence { writer.string(stopSequence) } else { writer.raw("null") }
            writer.raw(#"},"usage":"#)
            usage.write(to: &writer)
            writer.raw("}")
        case .messageStop:
            writer.raw(#"{"type":"message_stop"}"#)
        case .ping:
            writer.raw(#"{"type":"ping"}"#)
        case .error(let error):
            writer.raw(error.jsonBody.withUnsafeBufferPointer { String(decoding: $0, as: UTF8.self) })
        }
        writer.raw("\n\n")
    }

    /// This event as one SSE frame.
    public var sseFrame: String {
        var writer = JSONWriter(capacity: 128)
        write(to: &writer)
        return writer.string
    }
}

/// Why the model stopped.
public enum StopReason: String, Sendable, Equatable {
    case endTurn = "end_turn"
    case maxTokens = "max_tokens"
    case stopSequence = "stop_sequence"
    case toolUse = "tool_use"
    case refusal = "refusal"
}

/// Token usage as Anthropic reports it. Input excludes cache reads; the three add up to the prompt.
public struct Usage: Sendable, Equatable {
    public var inputTokens: Int
    public var outputTokens: Int
    public var cacheReadInputTokens: Int
    public var cacheCreationInputTokens: Int

    public init(inputTokens: Int, outputTokens: Int, cacheReadInputTokens: Int = 0, cacheCreationInputTokens: Int = 0) {
        self.inputTokens = inputTokens
        self.outputTokens = outputTokens
        self.cacheReadInputTokens = cacheReadInputTokens
        self.cacheCreationInputTokens = cacheCreationInputTokens
    }

    /// Appends the usage object.
    public func write(to writer: inout JSONWriter) {
        writer.raw(#"{"input_tokens":"#)
        writer.int(inputTokens)
        writer.raw(#","cache_creation_input_tokens":"#)
        writer.int(cacheCreationInputTokens)
        writer.raw(#","cache_read_input_tokens":"#)
        writer.int(cacheReadInputTokens)
        writer.raw(#","output_tokens":"#)
        writer.int(outputTokens)
        writer.raw("}")
    }
}
