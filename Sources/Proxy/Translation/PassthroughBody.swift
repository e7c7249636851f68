/// The body sent to an Anthropic-compatible provider: the client's request as received, with
/// the target model, without the subagent tag, and without reasoning blocks whose signature
/// this proxy made up (a provider that checks signatures would refuse the whole request).
enum PassthroughBody {
    static func make(_ request: MessagesRequest, model: String) -> [UInt8] {
        var body = request.body
        body["model"] = .string(model)
        switch body["system"] {
        case .string?:
            body["system"] = request.system.first.map(JSONValue.string)
        case .array(let blocks)?:
            var texts = request.system.makeIterator()
            body["system"] = .array(
                blocks.map { block in
                    guard case .object(var object) = block, object["text"] != nil, let text = texts.next() else {
                        return block
                    }
                    object["text"] = .string(text)
                    return .object(object)
                }
            )
        default: break
        }
        if case .array(let messages)? = body["messages"] {
            body["messages"] = .array(messages.map(withoutMadeUpSignatures))
        }
        return JSONValue.object(body).jsonBytes
    }

    static func withoutMadeUpSignatures(_ message: JSONValue) -> JSONValue {
        guard case .object(var object) = message, case .array(let content)? = object["content"] else { return message }
        let kept = content.filter { block in
            guard block["type"]?.stringValue == "thinking" else { return true }
            let signature = block["signature"]?.stringValue ?? ""
            return !signature.isEmpty && signature != StreamTranslator.thinkingSignature
        }
        // A turn that held only made-up reasoning still needs content.
        object["content"] = kept.isEmpty ? .array([["type": "text", "text": "(reasoning omitted)"]]) : .array(kept)
        return .object(object)
    }
}
