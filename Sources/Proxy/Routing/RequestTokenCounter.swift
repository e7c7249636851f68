/// Estimates a request's input tokens the way the model will see them: system prompt,
/// every message's text, tool calls and results, and the tool schemas.
struct RequestTokenCounter: Sendable {
    /// Tokens charged for an image whose size is unknown (Anthropic's cost of a ~1.15 MP image).
    static let imageTokens = 1_600
    /// Chat-format overhead per message (role markers), as OpenAI documents for cl100k models.
    static let perMessageOverhead = 4

    private let estimator = TokenEstimator()

    init() {}

    /// Estimated input tokens of `request`.
    func count(_ request: MessagesRequest) -> Int {
        var total = 0
        for text in request.system { total += estimator.count(text) }
        for message in request.messages {
            total += Self.perMessageOverhead
            for block in message.content { total += count(block) }
        }
        for tool in request.tools {
            total += estimator.count(tool.name)
            if let description = tool.description { total += estimator.count(description) }
            if let schema = tool.inputSchema { total += estimator.count(schema.jsonString) }
        }
        return total
    }

    private func count(_ block: ContentBlock) -> Int {
        switch block {
        case .text(let text): return estimator.count(text)
        case .image: return Self.imageTokens
        case .document(.text(let text, _)): return estimator.count(text)
        case .document: return Self.imageTokens
        case .toolUse(_, let name, let input): return estimator.count(name) + estimator.count(input.jsonString)
        case .toolResult(let result): return result.content.reduce(0) { $0 + count($1) }
        case .thinking, .redactedThinking: return 0
        case .other(_, let object): return estimator.count(JSONValue.object(object).jsonString)
        }
    }
}
