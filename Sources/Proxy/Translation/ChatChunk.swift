/// One OpenAI Chat Completions stream chunk (or a whole non-streaming completion), reduced to
/// what translation reads. Tolerates every shape listed in protocol.md §3–4: missing fields,
/// `choices: []` usage chunks, arguments sent as objects, errors inside a 200 stream.
public struct ChatChunk: Sendable, Equatable {
    /// A piece of one tool call.
    public struct ToolCallDelta: Sendable, Equatable {
        /// The call's position; some providers omit it.
        public var index: Int?
        /// The call's id; providers usually send it only in the call's first delta.
        public var id: String?
        /// The function's name; usually only in the call's first delta.
        public var name: String?
        /// A piece of the JSON arguments text (arguments sent as an object are serialized to text).
        public var arguments: String?
        /// Gemini's `extra_content.google.thought_signature`.
        public var thoughtSignature: String?

        /// Makes a delta from its parts (the fast chunk scanner and tests build them this way).
        public init(
            index: Int?,
            id: String? = nil,
            name: String? = nil,
            arguments: String? = nil,
            thoughtSignature: String? = nil
        ) {
            self.index = index
            self.id = id
            self.name = name
            self.arguments = arguments
            self.thoughtSignature = thoughtSignature
        }
    }

    /// Tokens as the upstream counted them.
    public struct UpstreamUsage: Sendable, Equatable {
        /// `prompt_tokens`: the whole prompt, cached tokens included.
        public var promptTokens: Int
        /// `completion_tokens`: the tokens the model generated.
        public var completionTokens: Int
        /// Prompt tokens served from cache (`prompt_tokens_details.cached_tokens`, or
        /// `prompt_cache_hit_tokens`); 0 when not reported.
        public var cachedTokens: Int

        /// Makes a usage record; `cachedTokens` defaults to none.
        public init(promptTokens: Int, completionTokens: Int, cachedTokens: Int = 0) {
            self.promptTokens = promptTokens
            self.completionTokens = completionTokens
            self.cachedTokens = cachedTokens
        }
    }

    /// An error reported inside the stream.
    public struct StreamError: Sendable, Equatable {
        /// The provider's error message (the error's JSON text when it has no `message`).
        public var message: String
        /// An HTTP-like status when the provider gave one.
        public var status: Int?
    }

    /// Answer text in this chunk (`delta.content`, or the text parts of a content list).
    public var content: String?
    /// Reasoning text in this chunk (`reasoning_content`, `reasoning`, `reasoning_details` or thinking parts).
    public var reasoning: String?
    /// The model's refusal text (`delta.refusal`), when it refuses.
    public var refusal: String?
    /// Pieces of tool calls in this chunk, in the order sent.
    public var toolCalls: [ToolCallDelta] = []
    /// The choice's `finish_reason` (`stop`, `length`, `tool_calls`, ...); `nil` before the last chunk.
    public var finishReason: String?
    /// The matched stop string, when the server says (vLLM's `stop_reason`).
    public var matchedStop: String?
    /// Token counts, which providers usually send only on the last chunk; `nil` when this one has none.
    public var usage: UpstreamUsage?
    /// An error the provider reported inside the stream; `nil` for ordinary chunks.
    public var error: StreamError?

    /// Makes a chunk from decoded parts (the fast chunk scanner and tests build them this way).
    public init(
        content: String? = nil,
        reasoning: String? = nil,
        toolCalls: [ToolCallDelta] = [],
        finishReason: String? = nil,
        usage: UpstreamUsage? = nil
    ) {
        self.content = content
        self.reasoning = reasoning
        self.toolCalls = toolCalls
        self.finishReason = finishReason
        self.usage = usage
    }

    /// Reads a `chat.completion.chunk`, or a `chat.completion` (whose `message` is read as the delta).
    public init(json: JSONValue) {
        if let error = json["error"], !error.isNull {
            self.error = Self.streamError(error)
        } else if json["object"]?.stringValue == "error", let message = json["message"]?.stringValue {
            // vLLM's mid-stream error shape.
            self.error = StreamError(message: message, status: json["code"]?.intValue)
        }
        if case .array(let choices)? = json["choices"], let choice = choices.first {
            let delta = choice["delta"] ?? choice["message"] ?? .null
            content = delta["content"]?.stringValue
            // Some gateways send both fields, one of them empty.
            let reasoningContent = delta["reasoning_content"]?.stringValue
            reasoning = reasoningContent?.isEmpty == false ? reasoningContent : delta["reasoning"]?.stringValue
            if reasoning?.isEmpty ?? true, case .array(let details)? = delta["reasoning_details"] {
                // MiniMax with reasoning_split, and OpenRouter: `[{"type":"reasoning.text","text":…}]`.
                let text = details.compactMap { $0["text"]?.stringValue }.joined()
                if !text.isEmpty { reasoning = text }
            }
            if case .array(let parts)? = delta["content"] {
                // Mistral sends content as parts: `{"type":"text","text":…}` and
                // `{"type":"thinking","thinking":[{"type":"text","text":…}]}`.
                let (text, thinking) = Self.contentParts(parts)
                if !text.isEmpty { content = text }
                if !thinking.isEmpty { reasoning = (reasoning ?? "") + thinking }
            }
            refusal = delta["refusal"]?.stringValue
            if case .array(let calls)? = delta["tool_calls"] {
                let isWholeMessage = choice["message"] != nil
                for (position, call) in calls.enumerated() {
                    let function = call["function"]
                    var arguments: String?
                    switch function?["arguments"] {
                    case .string(let text)?: arguments = text
                    case .object(let object)?: arguments = JSONValue.object(object).jsonString
                    default: arguments = nil
                    }
                    toolCalls.append(
                        ToolCallDelta(
                            index: call["index"]?.intValue ?? (isWholeMessage ? position : nil),
                            id: call["id"]?.stringValue,
                            name: function?["name"]?.stringValue,
                            arguments: arguments,
                            thoughtSignature: call["extra_content"]?["google"]?["thought_signature"]?.stringValue
                        )
                    )
                }
            }
            finishReason = choice["finish_reason"]?.stringValue
            matchedStop = choice["stop_reason"]?.stringValue
        }
        if case .object(let usage)? = json["usage"] {
            let prompt = usage["prompt_tokens"]?.intValue ?? 0
            let completion = usage["completion_tokens"]?.intValue ?? 0
            let cached =
                usage["prompt_tokens_details"]?["cached_tokens"]?.intValue
                ?? usage["prompt_cache_hit_tokens"]?.intValue ?? 0
            self.usage = UpstreamUsage(promptTokens: prompt, completionTokens: completion, cachedTokens: cached)
        }
    }

    /// The text and the reasoning held in a list of content parts.
    static func contentParts(_ parts: [JSONValue]) -> (text: String, thinking: String) {
        var text = ""
        var thinking = ""
        for part in parts {
            switch part["type"]?.stringValue {
            case "text": text += part["text"]?.stringValue ?? ""
            case "thinking":
                switch part["thinking"] {
                case .string(let value)?: thinking += value
                case .array(let inner)?: thinking += inner.compactMap { $0["text"]?.stringValue }.joined()
                default: break
                }
            default: break
            }
        }
        return (text, thinking)
    }

    static func streamError(_ value: JSONValue) -> StreamError {
        switch value {
        case .string(let message): return StreamError(message: message, status: nil)
        case .object(let object):
            let message = object["message"]?.stringValue ?? JSONValue.object(object).jsonString
            let status = object["code"]?.intValue ?? object["status"]?.intValue
            return StreamError(message: message, status: status)
        default: return StreamError(message: value.jsonString, status: nil)
        }
    }
}

extension ChatChunk {
    /// Reads one SSE `data` payload as the proxy does: the fast scanner for the usual shapes,
    /// the full JSON parser for everything else. `nil` when it is not JSON.
    public static func decode(_ data: [UInt8]) -> ChatChunk? {
        ChunkDecoder.decodeChunk(data)
    }
}
