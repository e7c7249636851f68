/// One server-sent event of an Anthropic streaming response.
public enum StreamEvent: Sendable, Equatable {
    /// The kinds of content block.
    public enum BlockStart: Sendable, Equatable {
        /// A text block.
        case text
        /// A thinking (reasoning) block.
        case thinking
        /// A tool call block, with the call's id and the tool's name.
        case toolUse(id: String, name: String)
    }

    /// The kinds of delta; each is valid only inside its own kind of block.
    public enum Delta: Sendable, Equatable {
        /// Text for a text block.
        case text(String)
        /// Reasoning text for a thinking block.
        case thinking(String)
        /// The signature that closes a thinking block.
        case signature(String)
        /// A piece of a tool call's JSON input (`input_json_delta`).
        case inputJSON(String)
    }

    /// `message_start`: the message id, the model name and the input tokens reported at the start.
    case messageStart(id: String, model: String, inputTokens: Int)
    /// `content_block_start`: block `index` opens.
    case contentBlockStart(index: Int, BlockStart)
    /// `content_block_delta`: more content for the open block `index`.
    case contentBlockDelta(index: Int, Delta)
    /// `content_block_stop`: block `index` closes.
    case contentBlockStop(index: Int)
    /// `message_delta`: why the model stopped, the matched stop sequence if any, and the final usage.
    case messageDelta(stopReason: StopReason, stopSequence: String?, usage: Usage)
    /// `message_stop`: the end of the message.
    case messageStop
    /// `ping`: keeps an idle stream alive; carries nothing.
    case ping
    /// `error`: the stream failed; nothing follows.
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
    /// The model finished its turn.
    case endTurn = "end_turn"
    /// The answer reached `max_tokens`.
    case maxTokens = "max_tokens"
    /// The answer hit one of the request's stop sequences.
    case stopSequence = "stop_sequence"
    /// The model called a tool and waits for its result.
    case toolUse = "tool_use"
    /// The model declined to answer.
    case refusal = "refusal"
}

/// Token usage as Anthropic reports it. Input excludes cache reads; the three add up to the prompt.
public struct Usage: Sendable, Equatable {
    /// Prompt tokens not read from the cache (cache writes are also counted in `cacheCreationInputTokens`).
    public var inputTokens: Int
    /// Tokens of the answer.
    public var outputTokens: Int
    /// Prompt tokens read from the provider's cache.
    public var cacheReadInputTokens: Int
    /// Prompt tokens written to the cache; only Anthropic-format providers report them, else 0.
    public var cacheCreationInputTokens: Int

    /// Makes a usage record; the cache counts default to none.
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
