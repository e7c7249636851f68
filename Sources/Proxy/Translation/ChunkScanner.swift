/// Reads a typical streamed `chat.completion.chunk` straight from its bytes into a
/// ``ChatChunk``, without building a JSON tree: values the translator does not use are
/// skipped, and only the strings it keeps are made.
///
/// This is the hot path (every chunk of every answer). Anything out of the ordinary — an error,
/// a whole `message`, content given as parts, arguments given as an object, Gemini's
/// `extra_content`, `reasoning_details`, a non-integral number — makes it return `nil`, and the
/// caller falls back to ``JSONParser`` + ``ChatChunk/init(json:)``, which read every shape. The
/// two agree on every chunk the fast path accepts (tested over all recorded streams).
struct ChunkScanner {
    private let bytes: UnsafeBufferPointer<UInt8>
    private var index = 0

    /// Thrown to give up on the fast path.
    private struct Fallback: Error {}

    static func scan(_ bytes: UnsafeBufferPointer<UInt8>) -> ChatChunk? {
        var scanner = ChunkScanner(bytes: bytes)
        do {
            let chunk = try scanner.chunk()
            scanner.skipWhitespace()
            return scanner.index == bytes.count ? chunk : nil
        } catch {
            return nil
        }
    }

    private init(bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
    }

    // MARK: - The chunk's shape

    private mutating func chunk() throws(Fallback) -> ChatChunk {
        var chunk = ChatChunk()
        try object { scanner, key throws(Fallback) in
            switch key {
            case .choices:
                try scanner.choices(into: &chunk)
            case .usage:
                try scanner.usage(into: &chunk)
            case .error:
                // Errors take the full path.
                if case .null = try scanner.peekNull() { return }
                throw Fallback()
            case .object:
                // vLLM's mid-stream error: `{"object":"error","message":…}`.
                if try scanner.optionalString() == "error" { throw Fallback() }
            default:
                try scanner.skipValue()
            }
        }
        return chunk
    }

    private mutating func choices(into chunk: inout ChatChunk) throws(Fallback) {
        skipWhitespace()
        guard peek == UInt8(ascii: "[") else { throw Fallback() }
        index += 1
        skipWhitespace()
        if peek == UInt8(ascii: "]") {
            index += 1
            return
        }
        var first = true
        while true {
            if first {
                try choice(into: &chunk)
                first = false
            } else {
                try skipValue()
            }
            skipWhitespace()
            guard index < bytes.count else { throw Fallback() }
            if bytes[index] == UInt8(ascii: ",") {
                index += 1
                continue
            }
            guard bytes[index] == UInt8(ascii: "]") else { throw Fallback() }
            index += 1
            return
        }
    }

    private mutating func choice(into chunk: inout ChatChunk) throws(Fallback) {
        try object { scanner, key throws(Fallback) in
            switch key {
            case .delta: try scanner.delta(into: &chunk)
            case .message: throw Fallback()
            case .finishReason: chunk.finishReason = try scanner.optionalString()
            case .stopReason: chunk.matchedStop = try scanner.optionalString()
            default: try scanner.skipValue()
            }
        }
    }

    private mutating func delta(into chunk: inout ChatChunk) throws(Fallback) {
        var reasoningContent: String?
        var reasoning: String?
        if case .null = try peekNull() { return }
        try object { scanner, key throws(Fallback) in
            switch key {
            case .content:
                scanner.skipWhitespace()
                if scanner.peek == UInt8(ascii: "[") { throw Fallback() }
                chunk.content = try scanner.optionalString()
            case .reasoningContent: reasoningContent = try scanner.optionalString()
            case .reasoning: reasoning = try scanner.optionalString()
            case .refusal: chunk.refusal = try scanner.optionalString()
            case .toolCalls: try scanner.toolCalls(into: &chunk)
            case .reasoningDetails: throw Fallback()
            default: try scanner.skipValue()
            }
        }
        chunk.reasoning = reasoningContent?.isEmpty == false ? reasoningContent : reasoning
    }

    private mutating func toolCalls(into chunk: inout ChatChunk) throws(Fallback) {
        skipWhitespace()
        if case .null = try peekNull() { return }
        guard peek == UInt8(ascii: "[") else {
            try skipValue()
            return
        }
        index += 1
        skipWhitespace()
        if peek == UInt8(ascii: "]") {
            index += 1
            return
        }
        while true {
            var call = ChatChunk.ToolCallDelta(index: nil)
            try object { scanner, key throws(Fallback) in
                switch key {
                case .index: call.index = try scanner.optionalInt()
                case .id: call.id = try scanner.optionalString()
                case .function:
                    if case .null = try scanner.peekNull() { return }
                    try scanner.object { scanner, key throws(Fallback) in
                        switch key {
                        case .name: call.name = try scanner.optionalString()
                        case .arguments:
                            scanner.skipWhitespace()
                            if scanner.peek == UInt8(ascii: "{") { throw Fallback() }
                            call.arguments = try scanner.optionalString()
                        default: try scanner.skipValue()
                        }
                    }
                case .extraContent: throw Fallback()
                default: try scanner.skipValue()
                }
            }
            chunk.toolCalls.append(call)
            skipWhitespace()
            guard index < bytes.count else { throw Fallback() }
            if bytes[index] == UInt8(ascii: ",") {
                index += 1
                continue
            }
            guard bytes[index] == UInt8(ascii: "]") else { throw Fallback() }
            index += 1
            return
        }
    }

    private mutating func usage(into chunk: inout ChatChunk) throws(Fallback) {
        if case .null = try peekNull() { return }
        skipWhitespace()
        guard peek == UInt8(ascii: "{") else {
            try skipValue()
            return
        }
        var prompt = 0
        var completion = 0
        var cachedDetails: Int?
        var cacheHit: Int?
        try object { scanner, key throws(Fallback) in
            switch key {
            case .promptTokens: prompt = try scanner.optionalInt() ?? 0
            case .completionTokens: completion = try scanner.optionalInt() ?? 0
            case .promptCacheHitTokens: cacheHit = try scanner.optionalInt()
            case .promptTokensDetails:
                if case .null = try scanner.peekNull() { return }
                scanner.skipWhitespace()
                guard scanner.peek == UInt8(ascii: "{") else {
                    try scanner.skipValue()
                    return
                }
                try scanner.object { scanner, key throws(Fallback) in
                    if key == .cachedTokens {
                        cachedDetails = try scanner.optionalInt()
                    } else {
                        try scanner.skipValue()
                    }
                }
            default: try scanner.skipValue()
            }
        }
        chunk.usage = ChatChunk.UpstreamUsage(
            promptTokens: prompt,
            completionTokens: completion,
            cachedTokens: cachedDetails ?? cacheHit ?? 0
        )
    }

    // MARK: - Keys

    private enum Key: Int {
        case choices, usage, error, object, message, delta, finishReason, stopReason, content, reasoningContent
        case reasoning, refusal, toolCalls, reasoningDetails, index, id, function, name, arguments, extraContent
        case promptTokens, completionTokens, promptTokensDetails, cachedTokens, promptCacheHitTokens, other
    }

    private static let keys: [(bytes: [UInt8], key: Key)] = {
        let names: [(String, Key)] = [
            ("choices", .choices), ("usage", .usage), ("error", .error), ("object", .object), ("message", .message),
            ("delta", .delta), ("finish_reason", .finishReason), ("stop_reason", .stopReason), ("content", .content),
            ("reasoning_content", .reasoningContent), ("reasoning", .reasoning), ("refusal", .refusal),
            ("tool_calls", .toolCalls), ("reasoning_details", .reasoningDetails), ("index", .index), ("id", .id),
            ("function", .function), ("name", .name), ("arguments", .arguments), ("extra_content", .extraContent),
            ("prompt_tokens", .promptTokens), ("completion_tokens", .completionTokens),
            ("prompt_tokens_details", .promptTokensDetails), ("cached_tokens", .cachedTokens),
            ("prompt_cache_hit_tokens", .promptCacheHitTokens),
        ]
        return names.map { (Array($0.0.utf8), $0.1) }
    }()

    /// Reads a key (plain ASCII without escapes on the fast path).
    private mutating func key() throws(Fallback) -> Key {
        guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { throw Fallback() }
        let start = index + 1
        var end = start
        while end < bytes.count, bytes[end] != UInt8(ascii: "\"") {
            if bytes[end] == UInt8(ascii: "\\") || bytes[end] < 0x20 { throw Fallback() }
            end += 1
        }
        guard end < bytes.count else { throw Fallback() }
        index = end + 1
        return Self.lookup(UnsafeBufferPointer(rebasing: bytes[start..<end]))
    }

    /// Finds a key by its length first, then its bytes (called for every key of every chunk).
    private static func lookup(_ key: UnsafeBufferPointer<UInt8>) -> Key {
        guard key.count < keysByLength.count else { return .other }
        for candidate in keysByLength[key.count] where candidate.bytes.elementsEqual(key) {
            return candidate.key
        }
        return .other
    }

    private static let keysByLength: [[(bytes: [UInt8], key: Key)]] = {
        var table = [[(bytes: [UInt8], key: Key)]](repeating: [], count: 32)
        for entry in keys { table[entry.bytes.count].append(entry) }
        return table
    }()

    /// Walks an object's members, handing each value to `member` (which must consume it). A key
    /// the scanner reads that comes twice gives up: the full parser keeps only the last value,
    /// while the members here would apply both (found by fuzzing: `"usage":{…},"usage":null`).
    private mutating func object(_ member: (inout ChunkScanner, Key) throws(Fallback) -> Void) throws(Fallback) {
        skipWhitespace()
        guard peek == UInt8(ascii: "{") else { throw Fallback() }
        index += 1
        skipWhitespace()
        if peek == UInt8(ascii: "}") {
            index += 1
            return
        }
        var seen: UInt32 = 0
        while true {
            skipWhitespace()
            let key = try key()
            if key != .other {
                let bit: UInt32 = 1 << UInt32(key.rawValue)
                guard seen & bit == 0 else { throw Fallback() }
                seen |= bit
            }
            skipWhitespace()
            guard peek == UInt8(ascii: ":") else { throw Fallback() }
            index += 1
            skipWhitespace()
            try member(&self, key)
            skipWhitespace()
            guard index < bytes.count else { throw Fallback() }
            if bytes[index] == UInt8(ascii: ",") {
                index += 1
                continue
            }
            guard bytes[index] == UInt8(ascii: "}") else { throw Fallback() }
            index += 1
            return
        }
    }

    // MARK: - Values

    private var peek: UInt8? { index < bytes.count ? bytes[index] : nil }

    private enum Nullness { case null, value }

    /// Consumes `null` if it is next.
    private mutating func peekNull() throws(Fallback) -> Nullness {
        skipWhitespace()
        guard peek == UInt8(ascii: "n") else { return .value }
        guard index + 4 <= bytes.count, bytes[index + 1] == UInt8(ascii: "u"), bytes[index + 2] == UInt8(ascii: "l"),
            bytes[index + 3] == UInt8(ascii: "l")
        else { throw Fallback() }
        index += 4
        return .null
    }

    /// A string, or `nil` for null or any other value (which is skipped), as `stringValue` reads.
    private mutating func optionalString() throws(Fallback) -> String? {
        skipWhitespace()
        guard peek == UInt8(ascii: "\"") else {
            try skipValue()
            return nil
        }
        let start = index + 1
        var end = start
        while end < bytes.count {
            let byte = bytes[end]
            if byte == UInt8(ascii: "\"") {
                index = end + 1
                return String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self)
            }
            if byte == UInt8(ascii: "\\") { break }
            if byte < 0x20 { throw Fallback() }
            end += 1
        }
        // Escapes: let the full parser decode this one string.
        let stringStart = index
        try skipString()
        guard case .string(let text) = try? JSONParser.parse(UnsafeBufferPointer(rebasing: bytes[stringStart..<index]))
        else { throw Fallback() }
        return text
    }

    /// An integer, or `nil` for null or a non-number; a fraction gives up on the fast path.
    private mutating func optionalInt() throws(Fallback) -> Int? {
        skipWhitespace()
        guard let first = peek, first == UInt8(ascii: "-") || (first >= 0x30 && first <= 0x39) else {
            try skipValue()
            return nil
        }
        let start = index
        if first == UInt8(ascii: "-") { index += 1 }
        // JSON has no leading zeros (`01`); the full parser rejects them.
        if peek == 0x30, index + 1 < bytes.count, bytes[index + 1] >= 0x30, bytes[index + 1] <= 0x39 {
            throw Fallback()
        }
        while let byte = peek, byte >= 0x30, byte <= 0x39 { index += 1 }
        if let byte = peek, byte == UInt8(ascii: ".") || byte == UInt8(ascii: "e") || byte == UInt8(ascii: "E") {
            throw Fallback()
        }
        guard let value = Int(String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self))
        else { throw Fallback() }
        return value
    }

    private mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x0A, 0x0D, 0x09: index += 1
            default: return
            }
        }
    }

    /// Skips a string, checking it as the full parser would (no raw control characters, only
    /// JSON's escapes).
    private mutating func skipString() throws(Fallback) {
        index += 1
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                index += 1
                return
            }
            guard byte >= 0x20 else { throw Fallback() }
            guard byte == UInt8(ascii: "\\") else {
                index += 1
                continue
            }
            guard index + 1 < bytes.count else { throw Fallback() }
            switch bytes[index + 1] {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"),
                UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                index += 2
            case UInt8(ascii: "u"):
                guard index + 6 <= bytes.count,
                    bytes[index + 2..<index + 6].allSatisfy({
                        ($0 | 0x20) >= 0x61 && ($0 | 0x20) <= 0x66 || ($0 >= 0x30 && $0 <= 0x39)
                    })
                else { throw Fallback() }
                index += 6
            default: throw Fallback()
            }
        }
        throw Fallback()
    }

    /// Skips any value, checking it is JSON: whatever the fast path accepts, the full parser
    /// must accept too (fuzzing found `"logprobs":nu4l` taken by the old delimiter scan).
    /// Values nested deeper than a chunk's usual shapes go to the full parser.
    private mutating func skipValue(depth: Int = 0) throws(Fallback) {
        skipWhitespace()
        guard let byte = peek else { throw Fallback() }
        switch byte {
        case UInt8(ascii: "\""):
            try skipString()
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            guard depth < 32 else { throw Fallback() }
            let isObject = byte == UInt8(ascii: "{")
            let close = isObject ? UInt8(ascii: "}") : UInt8(ascii: "]")
            index += 1
            skipWhitespace()
            if peek == close {
                index += 1
                return
            }
            while true {
                if isObject {
                    skipWhitespace()
                    guard peek == UInt8(ascii: "\"") else { throw Fallback() }
                    try skipString()
                    skipWhitespace()
                    guard peek == UInt8(ascii: ":") else { throw Fallback() }
                    index += 1
                }
                try skipValue(depth: depth + 1)
                skipWhitespace()
                guard let next = peek else { throw Fallback() }
                index += 1
                if next == UInt8(ascii: ",") { continue }
                guard next == close else { throw Fallback() }
                return
            }
        case UInt8(ascii: "t"): try skipLiteral("true")
        case UInt8(ascii: "f"): try skipLiteral("false")
        case UInt8(ascii: "n"): try skipLiteral("null")
        default: try skipNumber()
        }
    }

    private mutating func skipLiteral(_ literal: StaticString) throws(Fallback) {
        let count = literal.utf8CodeUnitCount
        guard index + count <= bytes.count else { throw Fallback() }
        for offset in 0..<count where bytes[index + offset] != literal.utf8Start[offset] { throw Fallback() }
        index += count
    }

    /// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`
    private mutating func skipNumber() throws(Fallback) {
        func isDigit(_ byte: UInt8?) -> Bool { byte.map { $0 >= 0x30 && $0 <= 0x39 } ?? false }
        if peek == UInt8(ascii: "-") { index += 1 }
        guard isDigit(peek) else { throw Fallback() }
        if peek == 0x30 {
            index += 1
        } else {
            while isDigit(peek) { index += 1 }
        }
        if peek == UInt8(ascii: ".") {
            index += 1
            guard isDigit(peek) else { throw Fallback() }
            while isDigit(peek) { index += 1 }
        }
        if peek == UInt8(ascii: "e") || peek == UInt8(ascii: "E") {
            index += 1
            if peek == UInt8(ascii: "+") || peek == UInt8(ascii: "-") { index += 1 }
            guard isDigit(peek) else { throw Fallback() }
            while isDigit(peek) { index += 1 }
        }
    }
}
