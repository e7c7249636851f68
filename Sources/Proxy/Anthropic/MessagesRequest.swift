import Foundation

/// A `POST /v1/messages` (or `/v1/messages/count_tokens`) body, validated.
///
/// Parsing keeps only what translation needs and reports the first problem the way Anthropic
/// does: a dotted path to the field and what is wrong with it.
struct MessagesRequest: Sendable {
    /// A conversation turn.
    struct Message: Sendable, Equatable {
        /// `user`, `assistant`, or `system` (Claude Code sometimes places system turns inside `messages`).
        var role: Role
        /// The blocks; a string content becomes one text block.
        var content: [ContentBlock]
    }

    /// Who speaks a turn.
    enum Role: String, Sendable {
        case user, assistant, system
    }

    /// A tool the model may call.
    struct Tool: Sendable, Equatable {
        /// The tool's name.
        var name: String
        /// What it does.
        var description: String?
        /// JSON Schema of its input; `nil` for server tools.
        var inputSchema: JSONValue?
        /// The versioned type of a server tool (`web_search_20250305`, …); `nil` or `custom` for client tools.
        var type: String?

        /// Whether the provider must run this tool itself (web search, code execution, …).
        var isServerTool: Bool { type != nil && type != "custom" }

        init(name: String, description: String? = nil, inputSchema: JSONValue? = nil, type: String? = nil) {
            self.name = name
            self.description = description
            self.inputSchema = inputSchema
            self.type = type
        }
    }

    /// How the model must choose tools.
    enum ToolChoice: Sendable, Equatable {
        case auto(disableParallelToolUse: Bool)
        case any(disableParallelToolUse: Bool)
        case tool(name: String, disableParallelToolUse: Bool)
        case none

        /// Whether at most one tool call is wanted.
        var disablesParallelToolUse: Bool {
            switch self {
            case .auto(let flag), .any(let flag), .tool(_, let flag): return flag
            case .none: return false
            }
        }
    }

    /// Extended thinking settings.
    struct Thinking: Sendable, Equatable {
        /// `enabled`, `disabled` or `adaptive`.
        var type: String
        /// The reasoning budget when enabled.
        var budgetTokens: Int?
    }

    /// The model asked for: a Claude id, or `provider,model`.
    var model: String
    /// Most tokens to generate.
    var maxTokens: Int
    /// The conversation.
    var messages: [Message]
    /// System prompt blocks (a string system prompt becomes one block).
    var system: [String]
    /// Whether the answer is streamed.
    var stream: Bool
    var temperature: Double?
    var topP: Double?
    var topK: Int?
    var stopSequences: [String]
    var tools: [Tool]
    var toolChoice: ToolChoice?
    var thinking: Thinking?
    /// `output_config.effort` (`low` … `max`).
    var effort: String?
    /// The body as received.
    var body: JSONObject

    /// Validates a Messages body.
    /// - Parameter requireMaxTokens: `false` for count_tokens, which does not take `max_tokens`.
    init(json: JSONValue, requireMaxTokens: Bool = true) throws(APIError) {
        guard case .object(let body) = json else {
            throw APIError(.invalidRequest, "request body must be a JSON object, got \(json.typeName)")
        }
        self.body = body
        model = try Self.requiredString(body, "model")
        if model.trimmingCharacters(in: .whitespaces).isEmpty {
            throw APIError(.invalidRequest, "model: must not be empty")
        }
        if let value = body["max_tokens"], !value.isNull {
            guard let number = value.intValue else {
                throw APIError(.invalidRequest, "max_tokens: Input should be a valid integer, got \(value.typeName)")
            }
            guard number >= 0 else { throw APIError(.invalidRequest, "max_tokens: must be at least 0") }
            maxTokens = number
        } else if requireMaxTokens {
            throw APIError(.invalidRequest, "max_tokens: Field required")
        } else {
            maxTokens = 0
        }
        guard let messagesValue = body["messages"] else { throw APIError(.invalidRequest, "messages: Field required") }
        guard case .array(let rawMessages) = messagesValue else {
            throw APIError(.invalidRequest, "messages: Input should be a valid list, got \(messagesValue.typeName)")
        }
        var messages: [Message] = []
        messages.reserveCapacity(rawMessages.count)
        for (index, raw) in rawMessages.enumerated() {
            messages.append(try Self.parseMessage(raw, path: "messages.\(index)"))
        }
        self.messages = messages
        system = try Self.parseSystem(body["system"])
        stream = try Self.optionalBool(body, "stream") ?? false
        temperature = try Self.optionalNumber(body, "temperature")
        topP = try Self.optionalNumber(body, "top_p")
        topK = try Self.optionalInteger(body, "top_k")
        if let value = body["stop_sequences"], !value.isNull {
            guard case .array(let items) = value else {
                throw APIError(.invalidRequest, "stop_sequences: Input should be a valid list")
            }
            stopSequences = try items.enumerated().map { index, item throws(APIError) in
                guard let text = item.stringValue else {
                    throw APIError(.invalidRequest, "stop_sequences.\(index): Input should be a valid string")
                }
                return text
            }
        } else {
            stopSequences = []
        }
        tools = try Self.parseTools(body["tools"])
        toolChoice = try Self.parseToolChoice(body["tool_choice"])
        if case .object(let object)? = body["thinking"] {
            thinking = Thinking(
                type: object["type"]?.stringValue ?? "enabled",
                budgetTokens: object["budget_tokens"]?.intValue
            )
        } else {
            thinking = nil
        }
        effort = body["output_config"]?["effort"]?.stringValue
    }

    /// What the request says about thinking, for providers that must be told.
    enum ThinkingIntent: Sendable, Equatable {
        /// Thinking enabled, or a high effort.
        case on(budget: Int?)
        /// Claude Code's per-turn default: the model decides.
        case adaptive
        case off
        case unspecified
    }

    /// The request's thinking intent.
    var thinkingIntent: ThinkingIntent {
        let highEffort = effort.map { ["high", "xhigh", "max"].contains($0) } ?? false
        switch thinking?.type {
        case "enabled": return .on(budget: thinking?.budgetTokens)
        case "disabled": return .off
        case "adaptive": return highEffort ? .on(budget: nil) : .adaptive
        default: return highEffort ? .on(budget: nil) : .unspecified
        }
    }

    /// Whether the request asks for deliberate reasoning: thinking explicitly enabled, or a high
    /// effort. Claude Code's per-turn `adaptive` thinking does not count.
    var wantsThinking: Bool {
        if thinking?.type == "enabled" { return true }
        if let effort, ["high", "xhigh", "max"].contains(effort) { return true }
        return false
    }

    static func requiredString(_ body: JSONObject, _ key: String) throws(APIError) -> String {
        guard let value = body[key] else { throw APIError(.invalidRequest, "\(key): Field required") }
        guard let text = value.stringValue else {
            throw APIError(.invalidRequest, "\(key): Input should be a valid string, got \(value.typeName)")
        }
        return text
    }

    static func optionalBool(_ body: JSONObject, _ key: String) throws(APIError) -> Bool? {
        guard let value = body[key], !value.isNull else { return nil }
        guard let flag = value.boolValue else {
            throw APIError(.invalidRequest, "\(key): Input should be a valid boolean, got \(value.typeName)")
        }
        return flag
    }

    static func optionalNumber(_ body: JSONObject, _ key: String) throws(APIError) -> Double? {
        guard let value = body[key], !value.isNull else { return nil }
        guard let number = value.doubleValue else {
            throw APIError(.invalidRequest, "\(key): Input should be a valid number, got \(value.typeName)")
        }
        return number
    }

    static func optionalInteger(_ body: JSONObject, _ key: String) throws(APIError) -> Int? {
        guard let value = body[key], !value.isNull else { return nil }
        // `intValue` refuses fractions and magnitudes an Int cannot hold (`Int(1e400)` traps).
        guard let number = value.intValue else {
            throw APIError(.invalidRequest, "\(key): Input should be a valid integer, got \(value.typeName)")
        }
        return number
    }

    static func parseSystem(_ value: JSONValue?) throws(APIError) -> [String] {
        guard let value, !value.isNull else { return [] }
        switch value {
        case .string(let text): return [text]
        case .array(let blocks):
            var texts: [String] = []
            for (index, block) in blocks.enumerated() {
                guard case .object(let object) = block else {
                    throw APIError(.invalidRequest, "system.\(index): Input should be an object")
                }
                guard let text = object["text"]?.stringValue else {
                    throw APIError(.invalidRequest, "system.\(index).text: Field required")
                }
                texts.append(text)
            }
            return texts
        default:
            throw APIError(.invalidRequest, "system: Input should be a string or a list of text blocks")
        }
    }

    static func parseMessage(_ raw: JSONValue, path: String) throws(APIError) -> Message {
        guard case .object(let object) = raw else {
            throw APIError(.invalidRequest, "\(path): Input should be an object, got \(raw.typeName)")
        }
        guard let roleValue = object["role"] else { throw APIError(.invalidRequest, "\(path).role: Field required") }
        guard let roleText = roleValue.stringValue, let role = Role(rawValue: roleText) else {
            throw APIError(.invalidRequest, "\(path).role: Input should be 'user' or 'assistant'")
        }
        guard let contentValue = object["content"] else {
            throw APIError(.invalidRequest, "\(path).content: Field required")
        }
        let content = try parseContent(contentValue, path: "\(path).content")
        // As the Messages API: one turn's tool calls are told apart by id (the results answer
        // them by id; a repeated id made a Chat Completions turn with two calls of one id).
        var toolUseIDs: Set<String> = []
        for case .toolUse(let id, _, _) in content where !toolUseIDs.insert(id).inserted {
            throw APIError(.invalidRequest, "\(path).content: tool_use ids must be unique (\(id) appears twice)")
        }
        return Message(role: role, content: content)
    }

    static func parseContent(_ value: JSONValue, path: String) throws(APIError) -> [ContentBlock] {
        switch value {
        case .string(let text): return [.text(text)]
        case .array(let blocks):
            var result: [ContentBlock] = []
            result.reserveCapacity(blocks.count)
            for (index, block) in blocks.enumerated() {
                result.append(try parseBlock(block, path: "\(path).\(index)"))
            }
            return result
        default:
            throw APIError(.invalidRequest, "\(path): Input should be a string or a list of content blocks")
        }
    }

    static func parseBlock(_ value: JSONValue, path: String) throws(APIError) -> ContentBlock {
        guard case .object(let object) = value else {
            throw APIError(.invalidRequest, "\(path): Input should be an object, got \(value.typeName)")
        }
        guard let type = object["type"]?.stringValue else {
            throw APIError(.invalidRequest, "\(path).type: Field required")
        }
        func string(_ key: String) throws(APIError) -> String {
            guard let text = object[key]?.stringValue else {
                throw APIError(.invalidRequest, "\(path).\(key): Field required (a string)")
            }
            return text
        }
        func identifier(_ key: String) throws(APIError) -> String {
            let text = try string(key)
            guard !text.isEmpty else {
                throw APIError(.invalidRequest, "\(path).\(key): String should have at least 1 character")
            }
            return text
        }
        switch type {
        case "text":
            return .text(try string("text"))
        case "image":
            return .image(try parseImageSource(object["source"], path: "\(path).source"))
        case "document":
            guard case .object(let source)? = object["source"] else {
                throw APIError(.invalidRequest, "\(path).source: Field required")
            }
            let title = object["title"]?.stringValue
            switch source["type"]?.stringValue {
            case "text": return .document(.text(source["data"]?.stringValue ?? "", title: title))
            case "base64":
                return .document(
                    .base64(
                        mediaType: source["media_type"]?.stringValue ?? "application/pdf",
                        data: source["data"]?.stringValue ?? "",
                        title: title
                    )
                )
            case "url": return .document(.url(source["url"]?.stringValue ?? "", title: title))
            case "content":
                let blocks = try parseContent(source["content"] ?? .array([]), path: "\(path).source.content")
                let text = blocks.compactMap { block -> String? in
                    if case .text(let text) = block { return text }
                    return nil
                }
                return .document(.text(text.joined(separator: "\n"), title: title))
            default:
                throw APIError(
                    .invalidRequest,
                    "\(path).source.type: Input should be 'base64', 'text', 'content' or 'url'"
                )
            }
        // `server_tool_use` (a web search the provider ran) is kept as `.other`: an
        // OpenAI-compatible model has no such function to have called.
        // An empty id cannot pair a call with its result upstream (found by fuzzing: the
        // Chat Completions call went out with `"id": ""`), so it is refused like Anthropic does.
        case "tool_use":
            return .toolUse(id: try identifier("id"), name: try string("name"), input: object["input"] ?? .object([:]))
        case "tool_result":
            let id = try identifier("tool_use_id")
            let content: [ContentBlock]
            switch object["content"] {
            case nil, .null?: content = []
            case let value?: content = try parseContent(value, path: "\(path).content")
            }
            let isError = object["is_error"]?.boolValue ?? false
            return .toolResult(.init(toolUseID: id, content: content, isError: isError))
        case "thinking":
            return .thinking(
                text: object["thinking"]?.stringValue ?? "",
                signature: object["signature"]?.stringValue ?? ""
            )
        case "redacted_thinking":
            return .redactedThinking(data: object["data"]?.stringValue ?? "")
        default:
            return .other(type: type, object)
        }
    }

    static func parseImageSource(_ value: JSONValue?, path: String) throws(APIError) -> ContentBlock.ImageSource {
        guard case .object(let source)? = value else { throw APIError(.invalidRequest, "\(path): Field required") }
        switch source["type"]?.stringValue {
        case "base64":
            guard let data = source["data"]?.stringValue else {
                throw APIError(.invalidRequest, "\(path).data: Field required")
            }
            return .base64(mediaType: source["media_type"]?.stringValue ?? "image/png", data: data)
        case "url":
            guard let url = source["url"]?.stringValue else {
                throw APIError(.invalidRequest, "\(path).url: Field required")
            }
            return .url(url)
        default:
            throw APIError(.invalidRequest, "\(path).type: Input should be 'base64' or 'url'")
        }
    }

    static func parseTools(_ value: JSONValue?) throws(APIError) -> [Tool] {
        guard let value, !value.isNull else { return [] }
        guard case .array(let items) = value else {
            throw APIError(.invalidRequest, "tools: Input should be a valid list")
        }
        var tools: [Tool] = []
        for (index, item) in items.enumerated() {
            guard case .object(let object) = item else {
                throw APIError(.invalidRequest, "tools.\(index): Input should be an object")
            }
            guard let name = object["name"]?.stringValue, !name.isEmpty else {
                throw APIError(.invalidRequest, "tools.\(index).name: Field required")
            }
            let type = object["type"]?.stringValue
            let schema = object["input_schema"]
            if type == nil || type == "custom", schema == nil {
                throw APIError(.invalidRequest, "tools.\(index).input_schema: Field required")
            }
            tools.append(
                Tool(name: name, description: object["description"]?.stringValue, inputSchema: schema, type: type)
            )
        }
        return tools
    }

    static func parseToolChoice(_ value: JSONValue?) throws(APIError) -> ToolChoice? {
        guard let value, !value.isNull else { return nil }
        guard case .object(let object) = value, let type = object["type"]?.stringValue else {
            throw APIError(.invalidRequest, "tool_choice.type: Field required")
        }
        let disable = object["disable_parallel_tool_use"]?.boolValue ?? false
        switch type {
        case "auto": return .auto(disableParallelToolUse: disable)
        case "any": return .any(disableParallelToolUse: disable)
        case "none": return ToolChoice.none
        case "tool":
            guard let name = object["name"]?.stringValue else {
                throw APIError(.invalidRequest, "tool_choice.name: Field required")
            }
            return .tool(name: name, disableParallelToolUse: disable)
        default:
            throw APIError(.invalidRequest, "tool_choice.type: Input should be 'auto', 'any', 'tool' or 'none'")
        }
    }
}
