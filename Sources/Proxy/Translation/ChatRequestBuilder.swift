/// Builds the OpenAI Chat Completions body for an Anthropic Messages request.
///
/// Only parameters a Chat Completions endpoint understands are written: strict providers
/// (NVIDIA NIM) answer 400 to anything else, so Anthropic-only fields (`metadata`,
/// `thinking`, `context_management`, `output_config`, `cache_control`, …) never leave.
public struct ChatRequestBuilder: Sendable {
    /// How a provider is asked to think.
    public enum ThinkingControl: Sendable, Equatable {
        /// It is not (the model decides, or cannot).
        case none
        /// `chat_template_kwargs: {enable_thinking, clear_thinking}` (GLM on NVIDIA NIM and vLLM).
        case chatTemplateKwargs
        /// `thinking: {type: "enabled"}` when thinking is asked for (DeepSeek).
        case deepseekThinking
        /// `thinking: {type: "enabled" | "disabled"}` (Zhipu GLM, Moonshot).
        case thinkingType
        /// `enable_thinking: true | false` (SiliconFlow, Qwen3 servers).
        case enableThinking
        /// `reasoning_effort: low | medium | high` (Gemini, OpenAI o-series).
        case reasoningEffort
        /// `reasoning: {effort}` (OpenRouter).
        case openRouterReasoning
    }

    /// How tool input schemas are cleaned for providers that reject parts of JSON Schema.
    public enum SchemaCleaning: Sendable, Equatable {
        /// Schemas are sent as the client wrote them.
        case none
        /// Remove `$schema` (Groq).
        case stripSchemaKeyword
        /// Keep only the OpenAPI subset Gemini accepts.
        case gemini
    }

    /// Provider-specific choices (presets and claude-code-router transformers fill these in).
    public struct Options: Sendable {
        /// Name of the output cap parameter (`max_tokens`, or `max_completion_tokens`).
        public var maxTokensParameter = "max_tokens"
        /// Largest `max_tokens` the model accepts; larger requests are lowered to it.
        public var maxOutputTokens: Int?
        /// The limit instead when thinking is switched on (DeepSeek's thinking mode).
        public var thinkingMaxOutputTokens: Int?
        /// Echo earlier reasoning as `reasoning_content` on assistant turns with tool calls.
        public var echoReasoning = false
        /// Echo earlier reasoning as `<think>…</think>` at the start of assistant content (MiniMax).
        public var echoReasoningAsThinkTags = false
        /// Also pass `top_k` (vLLM-based servers accept it).
        public var allowsTopK = false
        /// Top-level parameters the provider accepts; others Switchboard would send are dropped.
        /// `nil`: no filtering.
        public var allowedParameters: Set<String>?
        /// How thinking is asked for.
        public var thinking = ThinkingControl.none
        /// Thinking forced on or off whatever the request says (claude-code-router's `reasoning`).
        public var forceThinking: Bool?
        /// Tool schema cleaning.
        public var schemaCleaning = SchemaCleaning.none
        /// Extra body keys merged in (claude-code-router's `customparams`); the request's own
        /// values win.
        public var extraBody = JSONObject()
        /// Body keys set whatever the request says (claude-code-router's `sampling`).
        public var overrides = JSONObject()
        /// Offer an `ExitTool` and require a tool call (claude-code-router's `tooluse`), for
        /// models that otherwise answer in prose when they should call a tool.
        public var exitTool = false
        /// Send Gemini thought signatures back on earlier tool calls.
        public var thoughtSignatures = false

        /// The generic OpenAI-compatible choices: plain `max_tokens`, no thinking control, nothing added or cleaned.
        public init() {}
    }

    /// The tool offered by ``Options/exitTool``; a call to it becomes the answer's text.
    public static let exitToolName = "ExitTool"

    /// The translated body and what is needed to translate the answer back.
    public struct Output: Sendable {
        /// The JSON body to send.
        public var body: JSONObject
        /// Upstream tool names that differ from the client's, mapped back to the original.
        public var toolNames: [String: String]
    }

    /// The provider's request-side choices this builder applies.
    public var options: Options

    /// A builder for a provider with these choices (the generic ones by default).
    public init(options: Options = Options()) {
        self.options = options
    }

    /// Translates `request` for `model`.
    /// - Parameter signatures: Gemini thought signatures of earlier tool calls, by tool id.
    func build(_ request: MessagesRequest, model: String, signatures: ThoughtSignatureStore? = nil) -> Output {
        var names = ToolNameMap()
        var body = JSONObject()
        body.appendUnchecked("model", .string(model))
        body.appendUnchecked("messages", .array(messages(for: request, names: &names, signatures: signatures)))
        var maxTokens = max(1, request.maxTokens)
        if let cap = thinkingIsOn(request)
            ? options.thinkingMaxOutputTokens ?? options.maxOutputTokens : options.maxOutputTokens
        {
            maxTokens = min(maxTokens, cap)
        }
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
            var functions: [JSONValue] = tools.map { tool in
                var function = JSONObject()
                function.appendUnchecked("name", .string(names.upstreamName(for: tool.name)))
                if let description = tool.description { function.appendUnchecked("description", .string(description)) }
                let schema = tool.inputSchema ?? .object(["type": "object"])
                function.appendUnchecked("parameters", SchemaCleaner.clean(schema, options.schemaCleaning))
                return .object(["type": "function", "function": .object(function)])
            }
            if options.exitTool { functions.append(Self.exitToolDefinition) }
            body.appendUnchecked("tools", .array(functions))
            if options.exitTool {
                body.appendUnchecked("tool_choice", "required")
            } else if let choice = request.toolChoice {
                switch choice {
                case .auto: body.appendUnchecked("tool_choice", "auto")
                case .any: body.appendUnchecked("tool_choice", "required")
                case .none: body.appendUnchecked("tool_choice", "none")
                case .tool(let name, _):
                    if tools.contains(where: { $0.name == name }) {
                        body.appendUnchecked(
                            "tool_choice",
                            .object([
                                "type": "function",
                                "function": .object(["name": .string(names.upstreamName(for: name))]),
                            ])
                        )
                    } else {
                        body.appendUnchecked("tool_choice", "required")
                    }
                }
            }
            if request.toolChoice?.disablesParallelToolUse == true {
                body.appendUnchecked("parallel_tool_calls", false)
            }
        }
        addThinking(to: &body, request: request)
        for member in options.overrides.members { body[member.key] = member.value }
        if let allowed = options.allowedParameters {
            body = JSONObject(body.members.filter { allowed.contains($0.key) })
        }
        body = Self.merge(options.extraBody, into: body)
        return Output(body: body, toolNames: names.reverse)
    }

    /// Whether the request (or a forced setting) switches thinking on.
    private func thinkingIsOn(_ request: MessagesRequest) -> Bool {
        if let forced = options.forceThinking { return forced }
        if case .on = request.thinkingIntent { return true }
        return false
    }

    /// Writes the provider's thinking switch for what the request asks.
    private func addThinking(to body: inout JSONObject, request: MessagesRequest) {
        var intent = request.thinkingIntent
        if let forced = options.forceThinking { intent = forced ? .on(budget: nil) : .off }
        let on: Bool?
        switch intent {
        case .on: on = true
        case .adaptive: on = options.thinking == .deepseekThinking || options.thinking == .reasoningEffort ? nil : true
        case .off: on = false
        case .unspecified: on = nil
        }
        guard let on else { return }
        switch options.thinking {
        case .none: return
        case .chatTemplateKwargs:
            var kwargs = body["chat_template_kwargs"]?.objectValue ?? JSONObject()
            kwargs["enable_thinking"] = .bool(on)
            if on { kwargs["clear_thinking"] = false }
            body["chat_template_kwargs"] = .object(kwargs)
        case .deepseekThinking:
            if on { body["thinking"] = .object(["type": "enabled"]) }
        case .thinkingType:
            body["thinking"] = .object(["type": .string(on ? "enabled" : "disabled")])
        case .enableThinking:
            body["enable_thinking"] = .bool(on)
        case .reasoningEffort:
            if on { body["reasoning_effort"] = .string(Self.effort(for: request)) }
        case .openRouterReasoning:
            // Off is left to the model: some cannot switch reasoning off and answer 400 if asked.
            if on { body["reasoning"] = .object(["effort": .string(Self.effort(for: request))]) }
        }
    }

    /// A reasoning effort for the request's thinking budget or `output_config.effort`.
    static func effort(for request: MessagesRequest) -> String {
        if let effort = request.effort { return ["max", "xhigh"].contains(effort) ? "high" : effort }
        guard let budget = request.thinking?.budgetTokens else { return "high" }
        if budget >= 16_384 { return "high" }
        if budget >= 4_096 { return "medium" }
        return "low"
    }

    /// Deep-merges `extra` into `body`; values already in `body` win.
    static func merge(_ extra: JSONObject, into body: JSONObject) -> JSONObject {
        var result = body
        for member in extra.members {
            switch (result[member.key], member.value) {
            case (nil, let value): result[member.key] = value
            case (.object(let existing)?, .object(let added)):
                result[member.key] = .object(merge(added, into: existing))
            default: continue
            }
        }
        return result
    }

    static let exitToolDefinition: JSONValue = .object([
        "type": "function",
        "function": .object([
            "name": .string(exitToolName),
            "description": .string(
                "Call this when no other tool is needed: put your complete answer to the user in `response`."
            ),
            "parameters": .object([
                "type": "object",
                "properties": .object(["response": .object(["type": "string", "description": "The answer."])]),
                "required": ["response"],
            ]),
        ]),
    ])

    // MARK: - Messages

    func messages(for request: MessagesRequest, names: inout ToolNameMap, signatures: ThoughtSignatureStore? = nil)
        -> [JSONValue]
    {
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
                        var call: JSONObject = [
                            "id": .string(id), "type": "function",
                            "function": .object([
                                "name": .string(names.upstreamName(for: name)), "arguments": .string(arguments),
                            ]),
                        ]
                        if options.thoughtSignatures {
                            // Gemini 3 refuses a history whose tool calls lost their signature; the
                            // documented placeholder stands in when the proxy never saw it.
                            let signature = signatures?.signature(forToolID: id) ?? ThoughtSignatureStore.placeholder
                            call["extra_content"] = .object([
                                "google": .object(["thought_signature": .string(signature)])
                            ])
                        }
                        calls.append(.object(call))
                        openCalls.append(id)
                    default: continue
                    }
                }
                if options.echoReasoningAsThinkTags, !reasoning.isEmpty {
                    texts.insert("<think>\n" + reasoning.joined(separator: "\n") + "\n</think>\n", at: 0)
                }
                if texts.isEmpty, calls.isEmpty { continue }
                var turn = JSONObject()
                turn.appendUnchecked("role", "assistant")
                turn.appendUnchecked("content", texts.isEmpty ? .null : .string(texts.joined(separator: "\n")))
                if !calls.isEmpty {
                    turn.appendUnchecked("tool_calls", .array(calls))
                    if options.echoReasoning {
                        turn.appendUnchecked("reasoning_content", .string(reasoning.joined(separator: "\n")))
                    }
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
                    scalar.isASCII
                        && (scalar.properties.isAlphabetic || scalar.properties.numericType != nil || scalar == "_"
                            || scalar == "-")
                        ? scalar : "_"
                }
            )
        )
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
