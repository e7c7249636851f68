/// Builds the OpenAI Chat Completions body for an Anthropic Messages request.
///
/// Only parameters a Chat Completions endpoint understands are written: strict providers
/// (NVIDIA NIM) answer 400 to anything else, so Anthropic-only fields (`metadata`,
/// `thinking`, `context_management`, `output_config`, `cache_control`, …) never leave.
public struct ChatRequestBuilder: Sendable {
    /// Provider-specific choices (presets fill these in).
    public struct Options: Sendable {
        /// Name of the output cap parameter (`max_tokens`, or `max_completion_tokens`).
        public var maxTokensParameter = "max_tokens"
        /// Largest `max_tokens` the model accepts; larger requests are lowered to it.
        public var maxOutputTokens: Int?
        /// Echo earlier reasoning as `reasoning_content` on assistant turns with tool calls.
        public var echoReasoning = false
        /// Also pass `top_k` (vLLM-based servers accept it).
        public var allowsTopK = false

        public init() {}
    }

    /// The translated body and what is needed to translate the answer back.
    public struct Output: Sendable {
        /// The JSON body to send.
        public var body: JSONObject
        /// Upstream tool names that differ from the client's, mapped back to the original.
        public var toolNames: [String: String]
    }

    public var options: Options

    public init(options: Options = Options()) {
        self.options = options
    }

    /// Translates `request` for `model`.
    public func build(_ request: MessagesRequest, model: String) -> Output {
        var names = ToolNameMap()
        var body = JSONObject()
        body.appendUnchecked("model", .string(model))
        body.appendUnchecked("messages", .array(messages(for: request, names: &names)))
        var maxTokens = max(1, request.maxTokens)
        if let cap = options.maxOutputTokens { maxTokens = min(maxTokens, cap) }
        body.appendUnchecked(options.maxTokensParameter, .int(maxTokens))
        body.appendUnchecked("stream", .bool(request.stream))
        if request.stream {
            body.appendUnchecked("stream_options", .object(["include_usage": true]))
        }
        if let temperature = request.temperature { body.appendUnchecked("temperature", .double(temperature)) }
        if let topP = request.topP { body.appendUnchecked("top_p", .double(topP)) }
        if options.allowsTopK, let topK = request.topK { body.appendUnchecked("top_k", .int(topK)) }
        if !request.stopSequences.isEmpty {
            body.appendUnchecked("stop", .array(request.stopSequences.map(JSONValue.string)))
        }
        let tools = request.tools.filter { !$0.isServerTool && $0.inputSchema != nil }
        if !tools.isEmpty {
            body.appendUnchecked(
                "tools",
                .array(
                    tools.map { tool in
                        var function = JSONObject()
                        function.appendUnchecked("name", .string(names.upstreamName(for: tool.name)))
                        if let description = tool.description { function.appendUnchecked("description", .string(description)) }
                        function.appendUnchecked("parameters", tool.inputSchema ?? .object(["type": "object"]))
                        return .object(["type": "function", "function": .object(function)])
                    }))
            if let choice = request.toolChoice {
                switch choice {
                case .auto: body.appendUnchecked("tool_choice", "auto")
                case .any: body.appendUnchecked("tool_choice", "required")
                case .none: body.appendUnchecked("tool_choice", "none")
                case .tool(let name, _):
                    if tools.contains(where: { $0.name == name }) {
                        body.appendUnchecked(
                            "tool_choice",
                            .object(["type": "function", "function": .object(["name": .string(names.upstreamName(for: name))])]))
                    } else {
                        body.appendUnchecked("tool_choice", "required")
                    }
                }
                if choice.disablesParallelToolUse { body.appendUnchecked("parallel_tool_calls", false) }
            }
        }
        return Output(body: body, toolNames: names.reverse)
    }

    // MARK: - Messages

    func messages(for request: MessagesRequest, names: inout ToolNameMap) -> [JSONValue] {
        var output: [JSONValue] = []
        var systemTexts = request.system
        for message in request.messages where message.role == .system {
            systemTexts.append(contentsOf: message.content.compactMap(Self.plainText))
        }
        let system = systemTexts.filter { !$0.isEmpty }.joined(separator: "\n\n")
        if !system.isEmpty { output.append(.object(["role": "system", "content": .string(system)])) }

        var openCalls: [String] = []
        for message in request.messages {
            switch message.role {
            case .system:
                continue
            case .assistant:
                answerMissingResults(&openCalls, into: &output)
                var texts: [String] = []
                var reasoning: [String] = []
                var calls: [JSONValue] = []
                for block in message.content {
                    switch block {
                    case .text(let text): if !text.isEmpty { texts.append(text) }
                    case .thinking(let text, _): if !text.isEmpty { reasoning.append(text) }
                    case .toolUse(let id, let name, let input):
                        let arguments: String
                        if case .object = input { arguments = input.jsonString } else { arguments = "{}" }
                        calls.append(
                            .object([
                                "id": .string(id), "type": "function",
                                "function": .object([
                                    "name": .string(names.upstreamName(for: name)), "arguments": .string(arguments),
                                ]),
                            ]))
                        openCalls.append(id)
                    default: continue
                    }
                }
                if texts.isEmpty, calls.isEmpty { continue }
                var turn = JSONObject()
                turn.appendUnchecked("role", "assistant")
                turn.appendUnchecked("content", texts.isEmpty ? .null : .string(texts.joined(separator: "\n")))
                if !calls.isEmpty {
                    turn.appendUnchecked("tool_calls", .array(calls))
                    if options.echoReasoning { turn.appendUnchecked("reasoning_content", .string(reasoning.joined(separator: "\n"))) }
                }
                output.append(.object(turn))
            case .user:
                appendUser(message.content, openCalls: &openCalls, into: &output)
            }
        }
        return output
    }

    private func appendUser(_ content: [ContentBlock], openCalls: inout [String], into output: inout [JSONValue]) {
        var results: [String: ContentBlock.ToolResult] = [:]
        var orphanResults: [ContentBlock.ToolResult] = []
        var parts: [JSONValue] = []
        var allText = true
        for block in content {
            switch block {
            case .toolResult(let result):
                if openCalls.contains(result.toolUseID), results[result.toolUseID] == nil {
                    results[result.toolUseID] = result
                } else {
                    orphanResults.append(result)
                }
            case .text(let text):
                parts.append(.object(["type": "text", "text": .string(text)]))
            case .image(let source):
                parts.append(Self.imagePart(source))
                allText = false
            case .document(let source):
                parts.append(.object(["type": "text", "text": .string(Self.documentText(source))]))
            case .other(_, let object):
                if let text = object["text"]?.stringValue ?? object["content"]?.stringValue {
                    parts.append(.object(["type": "text", "text": .string(text)]))
                }
            case .toolUse, .thinking, .redactedThinking:
                continue
            }
        }
        // Each tool call needs its `tool` message right after the assistant turn, in call order.
        var images: [JSONValue] = []
        for id in openCalls {
            guard let result = results[id] else {
                output.append(Self.toolMessage(id: id, content: "(no result: the tool call was interrupted)"))
                continue
            }
            let (text, resultImages) = Self.flatten(result)
            output.append(Self.toolMessage(id: id, content: text))
            if !resultImages.isEmpty {
                images.append(.object(["type": "text", "text": .string("Images returned by tool call \(id):")]))
                images.append(contentsOf: resultImages)
            }
        }
        openCalls = []
        var orphanParts: [JSONValue] = []
        for result in orphanResults {
            let (text, resultImages) = Self.flatten(result)
            let label = "Result of tool call \(result.toolUseID):\n\(text)"
            orphanParts.append(.object(["type": "text", "text": .string(label)]))
            if !resultImages.isEmpty {
                orphanParts.append(contentsOf: resultImages)
                allText = false
            }
        }
        parts.insert(contentsOf: orphanParts, at: 0)
        if !images.isEmpty {
            parts.insert(contentsOf: images, at: 0)
            allText = false
        }
        guard !parts.isEmpty else { return }
        if allText {
            let text = parts.compactMap { $0["text"]?.stringValue }.joined(separator: "\n")
            output.append(.object(["role": "user", "content": .string(text)]))
        } else {
            output.append(.object(["role": "user", "content": .array(parts)]))
        }
    }

    private func answerMissingResults(_ openCalls: inout [String], into output: inout [JSONValue]) {
        for id in openCalls {
            output.append(Self.toolMessage(id: id, content: "(no result: the tool call was interrupted)"))
        }
        openCalls = []
    }

    static func toolMessage(id: String, content: String) -> JSONValue {
        .object(["role": "tool", "tool_call_id": .string(id), "content": .string(content)])
    }

    /// A tool result as text (errors marked so the model sees them) plus any images it returned.
    static func flatten(_ result: ContentBlock.ToolResult) -> (String, [JSONValue]) {
        var texts: [String] = []
        var images: [JSONValue] = []
        for block in result.content {
            switch block {
            case .text(let text): texts.append(text)
            case .image(let source): images.append(imagePart(source))
            case .document(let source): texts.append(documentText(source))
            case .other(_, let object):
                if let text = object["text"]?.stringValue { texts.append(text) }
            default: continue
            }
        }
        var text = texts.joined(separator: "\n")
        if text.isEmpty { text = images.isEmpty ? "(no output)" : "(see the images below)" }
        if result.isError { text = "The tool call failed:\n" + text }
        return (text, images)
    }

    static func imagePart(_ source: ContentBlock.ImageSource) -> JSONValue {
        let url: String
        switch source {
        case .base64(let mediaType, let data): url = "data:\(mediaType);base64,\(data)"
        case .url(let address): url = address
        }
        return .object(["type": "image_url", "image_url": .object(["url": .string(url)])])
    }

    static func documentText(_ source: ContentBlock.DocumentSource) -> String {
        switch source {
        case .text(let text, let title): return title.map { "\($0)\n\n\(text)" } ?? text
        case .base64(let mediaType, _, let title):
            return "[A \(mediaType) document\(title.map { " (\($0))" } ?? "") was attached; this model cannot read it.]"
        case .url(let url, let title): return "[Document\(title.map { " \($0)" } ?? ""): \(url)]"
        }
    }

    static func plainText(_ block: ContentBlock) -> String? {
        if case .text(let text) = block { return text }
        return nil
    }
}

/// Keeps tool names inside what OpenAI-compatible APIs accept (`^[a-zA-Z0-9_-]{1,64}$`) and
/// remembers the originals so answers carry the client's names.
struct ToolNameMap {
    private(set) var reverse: [String: String] = [:]
    private var forward: [String: String] = [:]

    mutating func upstreamName(for name: String) -> String {
        if let known = forward[name] { return known }
        var safe = String(
            String.UnicodeScalarView(
                name.unicodeScalars.map { scalar in
                    scalar.isASCII && (scalar.properties.isAlphabetic || scalar.properties.numericType != nil || scalar == "_" || scalar == "-")
                        ? scalar : "_"
                }))
        if safe.isEmpty { safe = "tool" }
        if safe.count > 64 || safe != name {
            // Every changed name gets a hash of the original, so names that differ only in
            // replaced characters ("a.b", "a b", "a_b") stay distinct upstream.
            safe = String(safe.prefix(55)) + "_" + Self.hash(name)
            reverse[safe] = name
        }
        forward[name] = safe
        return safe
    }

    /// FNV-1a, so the same name maps the same way in every request (provider prompt caches stay warm).
    static func hash(_ text: String) -> String {
        var value: UInt32 = 2_166_136_261
        for byte in text.utf8 {
            value ^= UInt32(byte)
            value = value &* 16_777_619
        }
        let hex = String(value, radix: 16)
        return String(repeating: "0", count: 8 - hex.count) + hex
    }
}
