/// One block of a message's content in the Anthropic Messages API.
enum ContentBlock: Sendable, Equatable {
    /// Plain text.
    case text(String)
    /// An image, inline or by URL.
    case image(ImageSource)
    /// A document (PDF or text).
    case document(DocumentSource)
    /// A tool call made by the assistant.
    case toolUse(id: String, name: String, input: JSONValue)
    /// The result of a tool call, sent by the user.
    case toolResult(ToolResult)
    /// The assistant's reasoning, with the signature that vouches for it.
    case thinking(text: String, signature: String)
    /// Reasoning that was redacted; only meaningful to the model that wrote it.
    case redactedThinking(data: String)
    /// A block type this proxy does not translate; kept so nothing fails on new API features.
    case other(type: String, JSONObject)

    /// Where an image's bytes come from.
    enum ImageSource: Sendable, Equatable {
        case base64(mediaType: String, data: String)
        case url(String)
    }

    /// Where a document's content comes from.
    enum DocumentSource: Sendable, Equatable {
        case text(String, title: String?)
        case base64(mediaType: String, data: String, title: String?)
        case url(String, title: String?)
    }

    /// A tool's answer to one `tool_use`.
    struct ToolResult: Sendable, Equatable {
        /// The `id` of the `tool_use` this answers.
        var toolUseID: String
        /// Text and image blocks.
        var content: [ContentBlock]
        /// Whether the tool failed.
        var isError: Bool
    }
}
