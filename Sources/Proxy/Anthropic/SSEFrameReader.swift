import NIOCore

/// Reads Anthropic SSE frames back into ``StreamEvent``s: how a passed-through answer from an
/// Anthropic-compatible provider is observed (usage, progress, errors) while its bytes go to
/// the client unchanged.
struct SSEFrameReader {
    private var parser = SSEParser()

    mutating func feed(_ buffer: ByteBuffer) -> [StreamEvent] {
        parser.feed(buffer.readableBytesView).compactMap(Self.event)
    }

    static func event(_ data: [UInt8]) -> StreamEvent? {
        guard let json = try? JSONParser.parse(data), let type = json["type"]?.stringValue else { return nil }
        let index = json["index"]?.intValue ?? 0
        switch type {
        case "message_start":
            let message = json["message"]
            return .messageStart(
                id: message?["id"]?.stringValue ?? "",
                model: message?["model"]?.stringValue ?? "",
                inputTokens: message?["usage"]?["input_tokens"]?.intValue ?? 0
            )
        case "content_block_start":
            let block = json["content_block"]
            switch block?["type"]?.stringValue {
            case "text": return .contentBlockStart(index: index, .text)
            case "thinking": return .contentBlockStart(index: index, .thinking)
            case "tool_use":
                return .contentBlockStart(
                    index: index,
                    .toolUse(id: block?["id"]?.stringValue ?? "", name: block?["name"]?.stringValue ?? "")
                )
            default: return nil
            }
        case "content_block_delta":
            let delta = json["delta"]
            switch delta?["type"]?.stringValue {
            case "text_delta": return .contentBlockDelta(index: index, .text(delta?["text"]?.stringValue ?? ""))
            case "thinking_delta":
                return .contentBlockDelta(index: index, .thinking(delta?["thinking"]?.stringValue ?? ""))
            case "signature_delta":
                return .contentBlockDelta(index: index, .signature(delta?["signature"]?.stringValue ?? ""))
            case "input_json_delta":
                return .contentBlockDelta(index: index, .inputJSON(delta?["partial_json"]?.stringValue ?? ""))
            default: return nil
            }
        case "content_block_stop": return .contentBlockStop(index: index)
        case "message_delta":
            let usage = json["usage"]
            return .messageDelta(
                stopReason: StopReason(rawValue: json["delta"]?["stop_reason"]?.stringValue ?? "") ?? .endTurn,
                stopSequence: json["delta"]?["stop_sequence"]?.stringValue,
                usage: Usage(
                    inputTokens: usage?["input_tokens"]?.intValue ?? 0,
                    outputTokens: usage?["output_tokens"]?.intValue ?? 0,
                    cacheReadInputTokens: usage?["cache_read_input_tokens"]?.intValue ?? 0,
                    cacheCreationInputTokens: usage?["cache_creation_input_tokens"]?.intValue ?? 0
                )
            )
        case "message_stop": return .messageStop
        case "ping": return .ping
        case "error":
            let error = json["error"]
            let kind = APIError.Kind(rawValue: error?["type"]?.stringValue ?? "") ?? .api
            return .error(APIError(kind, error?["message"]?.stringValue ?? ""))
        default: return nil
        }
    }
}
