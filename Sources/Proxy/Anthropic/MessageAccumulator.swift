/// Folds stream events into a complete message, enforcing the order rules strict clients
/// enforce (the Anthropic SDK's `accumulate_event`): it is how a non-streaming answer is built
/// from the same translation as a streaming one, and how tests check a stream is valid.
struct MessageAccumulator: Sendable {
    /// A block of the finished message.
    enum Block: Sendable, Equatable {
        case text(String)
        case thinking(String, signature: String)
        case toolUse(id: String, name: String, inputJSON: String)
    }

    /// A violation of the event order.
    struct OrderError: Error, Equatable, CustomStringConvertible {
        var description: String
    }

    private(set) var id = ""
    private(set) var model = ""
    private(set) var blocks: [Block] = []
    private(set) var stopReason: StopReason?
    private(set) var stopSequence: String?
    private(set) var usage = Usage(inputTokens: 0, outputTokens: 0)
    private(set) var error: APIError?
    private(set) var isComplete = false
    private var started = false
    private var openIndex: Int?
    private var stoppedIndices: Set<Int> = []

    init() {}

    /// Applies one event; throws on any order violation.
    mutating func apply(_ event: StreamEvent) throws(OrderError) {
        if isComplete { throw OrderError(description: "event \(event.name) after message_stop") }
        if error != nil { throw OrderError(description: "event \(event.name) after error") }
        switch event {
        case .ping: return
        case .error(let apiError):
            error = apiError
            return
        case .messageStart(let id, let model, let inputTokens):
            if started { throw OrderError(description: "second message_start") }
            started = true
            self.id = id
            self.model = model
            usage.inputTokens = inputTokens
            return
        default:
            if !started {
                throw OrderError(description: "Unexpected event order, got \(event.name) before message_start")
            }
        }
        switch event {
        case .contentBlockStart(let index, let start):
            if let openIndex {
                throw OrderError(description: "block \(index) started while block \(openIndex) is open")
            }
            guard index == blocks.count else {
                throw OrderError(description: "block index \(index) out of order (expected \(blocks.count))")
            }
            switch start {
            case .text: blocks.append(.text(""))
            case .thinking: blocks.append(.thinking("", signature: ""))
            case .toolUse(let id, let name): blocks.append(.toolUse(id: id, name: name, inputJSON: ""))
            }
            openIndex = index
        case .contentBlockDelta(let index, let delta):
            guard index == openIndex else {
                throw OrderError(description: "delta for block \(index), which is not open")
            }
            switch (blocks[index], delta) {
            case (.text(let text), .text(let more)): blocks[index] = .text(text + more)
            case (.thinking(let text, let signature), .thinking(let more)):
                blocks[index] = .thinking(text + more, signature: signature)
            case (.thinking(let text, let signature), .signature(let more)):
                blocks[index] = .thinking(text, signature: signature + more)
            case (.toolUse(let id, let name, let json), .inputJSON(let more)):
                blocks[index] = .toolUse(id: id, name: name, inputJSON: json + more)
            default:
                throw OrderError(description: "delta type does not match block \(index)'s type")
            }
        case .contentBlockStop(let index):
            guard index == openIndex else {
                throw OrderError(description: "stop for block \(index), which is not open")
            }
            openIndex = nil
            stoppedIndices.insert(index)
        case .messageDelta(let stopReason, let stopSequence, let usage):
            if let openIndex { throw OrderError(description: "message_delta while block \(openIndex) is open") }
            self.stopReason = stopReason
            self.stopSequence = stopSequence
            self.usage = usage
        case .messageStop:
            if stopReason == nil { throw OrderError(description: "message_stop without message_delta") }
            isComplete = true
        default: break
        }
    }

    /// The message as the JSON body of a non-streaming response.
    var jsonBody: [UInt8] {
        var writer = JSONWriter(capacity: 512)
        writer.raw(#"{"id":"#)
        writer.string(id)
        writer.raw(#","type":"message","role":"assistant","model":"#)
        writer.string(model)
        writer.raw(#","content":["#)
        for (offset, block) in blocks.enumerated() {
            if offset > 0 { writer.raw(",") }
            switch block {
            case .text(let text):
                writer.raw(#"{"type":"text","text":"#)
                writer.string(text)
                writer.raw("}")
            case .thinking(let text, let signature):
                writer.raw(#"{"type":"thinking","thinking":"#)
                writer.string(text)
                writer.raw(#","signature":"#)
                writer.string(signature)
                writer.raw("}")
            case .toolUse(let id, let name, let json):
                writer.raw(#"{"type":"tool_use","id":"#)
                writer.string(id)
                writer.raw(#","name":"#)
                writer.string(name)
                writer.raw(#","input":"#)
                writer.value(Self.toolInput(json))
                writer.raw("}")
            }
        }
        writer.raw(#"],"stop_reason":"#)
        if let stopReason { writer.string(stopReason.rawValue) } else { writer.raw("null") }
        writer.raw(#","stop_sequence":"#)
        if let stopSequence { writer.string(stopSequence) } else { writer.raw("null") }
        writer.raw(#","usage":"#)
        usage.write(to: &writer)
        writer.raw("}")
        return writer.bytes
    }

    /// A tool input as an object: parsed arguments, `{}` when empty, and the raw text kept
    /// under `_raw_arguments` when the model wrote something that is not a JSON object.
    static func toolInput(_ json: String) -> JSONValue {
        if json.allSatisfy(\.isWhitespace) { return .object([:]) }
        if let value = try? JSONParser.parse(json), case .object = value { return value }
        return .object(["_raw_arguments": .string(json)])
    }
}
