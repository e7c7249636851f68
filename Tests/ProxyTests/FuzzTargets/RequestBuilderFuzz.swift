import Foundation

#if !SWITCHBOARD_FUZZ
    @testable import Proxy
#endif

/// `request`: any body ``MessagesRequest`` accepts becomes, through ``ChatRequestBuilder``, a
/// Chat Completions request an OpenAI-compatible server takes: the model and a positive token
/// limit; messages with known roles; every assistant `tool_calls` entry well formed (id, a name
/// inside `^[a-zA-Z0-9_-]{1,64}$`, arguments that are a JSON object) and answered by `tool`
/// messages right after it, one per id, before any other message; tools with such names, unique
/// when the client's were, and object schemas; and the body survives JSON text both ways.
///
/// The first byte picks the provider options (thinking switch, schema cleaning, exit tool,
/// reasoning echo, signatures, caps); the rest is the request body.
enum RequestBuilderFuzz {
    static func check(_ input: [UInt8]) throws(FuzzFailure) {
        guard let first = input.first, let json = try? JSONParser.parse(input.dropFirst()),
            let request = try? MessagesRequest(json: json)
        else { return }
        var options = ChatRequestBuilder.Options()
        let thinking: [ChatRequestBuilder.ThinkingControl] = [
            .none, .chatTemplateKwargs, .deepseekThinking, .thinkingType, .enableThinking, .reasoningEffort,
            .openRouterReasoning, .none,
        ]
        options.thinking = thinking[Int(first & 0x07)]
        options.schemaCleaning = [.none, .stripSchemaKeyword, .gemini, .none][Int(first >> 3 & 0x03)]
        options.exitTool = first & 0x20 != 0
        options.echoReasoning = first & 0x40 != 0
        options.echoReasoningAsThinkTags = first & 0x40 != 0
        if first & 0x80 != 0 {
            options.thoughtSignatures = true
            options.allowsTopK = true
            options.maxOutputTokens = 1000
            options.maxTokensParameter = "max_completion_tokens"
        }
        let output = ChatRequestBuilder(options: options).build(request, model: "fuzz-model")
        try checkBody(output.body, options: options, request: request)
        let text = JSONValue.object(output.body).jsonString
        guard let again = try? JSONParser.parse(text), again.sameJSON(as: .object(output.body)) else {
            throw FuzzFailure("the body does not read back from its JSON text")
        }
        guard (try? JSONSerialization.jsonObject(with: Data(text.utf8))) != nil else {
            throw FuzzFailure("Foundation cannot read the body's JSON text")
        }
    }

    static func checkBody(
        _ body: JSONObject,
        options: ChatRequestBuilder.Options,
        request: MessagesRequest
    ) throws(FuzzFailure) {
        guard body["model"] == .string("fuzz-model") else { throw FuzzFailure("model missing") }
        guard let limit = body[options.maxTokensParameter]?.intValue, limit >= 1 else {
            throw FuzzFailure("no positive \(options.maxTokensParameter)")
        }
        guard let messages = body["messages"]?.arrayValue else { throw FuzzFailure("messages missing") }
        var unanswered: [String] = []
        for (position, message) in messages.enumerated() {
            guard let role = message["role"]?.stringValue else { throw FuzzFailure("message \(position) has no role") }
            if role != "tool", !unanswered.isEmpty {
                throw FuzzFailure("message \(position) (\(role)) comes before the results of \(unanswered)")
            }
            switch role {
            case "system", "user":
                try checkContent(message["content"], position: position, allowsParts: role == "user")
            case "assistant":
                let calls = message["tool_calls"]?.arrayValue ?? []
                if message["content"]?.stringValue == nil, calls.isEmpty {
                    throw FuzzFailure("assistant message \(position) has neither content nor tool calls")
                }
                for call in calls {
                    guard let id = call["id"]?.stringValue, !id.isEmpty, call["type"] == "function",
                        let name = call["function"]?["name"]?.stringValue, isValidName(name),
                        let arguments = call["function"]?["arguments"]?.stringValue,
                        case .object? = try? JSONParser.parse(arguments)
                    else { throw FuzzFailure("malformed tool call in message \(position): \(call.jsonString)") }
                    guard !unanswered.contains(id) else { throw FuzzFailure("tool call id \(id) twice in one turn") }
                    unanswered.append(id)
                }
            case "tool":
                guard let id = message["tool_call_id"]?.stringValue, message["content"]?.stringValue != nil,
                    let index = unanswered.firstIndex(of: id)
                else { throw FuzzFailure("tool message \(position) answers no open call: \(message.jsonString)") }
                unanswered.remove(at: index)
            default:
                throw FuzzFailure("message \(position) has role \(role)")
            }
        }
        if let tools = body["tools"] {
            guard let tools = tools.arrayValue, !tools.isEmpty else { throw FuzzFailure("tools is not a list") }
            var names: Set<String> = []
            for tool in tools {
                guard tool["type"] == "function", let name = tool["function"]?["name"]?.stringValue, isValidName(name),
                    case .object? = tool["function"]?["parameters"]
                else { throw FuzzFailure("malformed tool: \(tool.jsonString)") }
                names.insert(name)
            }
            let clientNames = request.tools.filter { !$0.isServerTool && $0.inputSchema != nil }.map(\.name)
            if Set(clientNames).count == clientNames.count, names.count != tools.count {
                throw FuzzFailure("distinct tool names collide upstream: \(names.sorted())")
            }
        } else if body["tool_choice"] != nil {
            throw FuzzFailure("tool_choice without tools")
        }
    }

    static func checkContent(_ content: JSONValue?, position: Int, allowsParts: Bool) throws(FuzzFailure) {
        switch content {
        case .string?: return
        case .array(let parts)? where allowsParts && !parts.isEmpty:
            for part in parts {
                switch part["type"]?.stringValue {
                case "text"?: if part["text"]?.stringValue != nil { continue }
                case "image_url"?: if part["image_url"]?["url"]?.stringValue != nil { continue }
                default: break
                }
                throw FuzzFailure("malformed content part in message \(position): \(part.jsonString)")
            }
        default: throw FuzzFailure("malformed content in message \(position)")
        }
    }

    /// `^[a-zA-Z0-9_-]{1,64}$`
    static func isValidName(_ name: String) -> Bool {
        (1...64).contains(name.utf8.count)
            && name.utf8.allSatisfy { byte in
                (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte)
                    || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-")
            }
    }
}
