import Foundation

/// What a listing needs from one transcript, read from its first and last few kilobytes only.
public struct TranscriptScan: Sendable, Equatable, Codable {
    /// The first prompt, from the head, on one line; `nil` when none was found.
    public var firstPrompt: String?
    /// The latest prompt, from the tail, on one line; `nil` when none was found.
    public var lastPrompt: String?
    /// The first timestamp read; `nil` when none.
    public var started: Date?
    /// The last timestamp read; `nil` when none.
    public var lastTimestamp: Date?
    /// The first working directory (`cwd`) a main-chain record names; `nil` when none.
    public var cwd: String?
    /// How Claude Code was started (`cli`, `sdk-cli`, …); `nil` when no record says.
    public var entrypoint: String?
    /// The git branch, the tail's latest when it names one; `nil` when none.
    public var gitBranch: String?
    /// The Claude Code version that wrote the records; `nil` when none says.
    public var version: String?
    /// Whether the head has what a listing needs from it (the first prompt, the working
    /// directory, the start time).
    var hasHead: Bool { firstPrompt != nil && cwd != nil && started != nil }

    /// Complete lines read (not the whole file: see ``TranscriptReader/scan(path:size:)``)
    /// that were not JSON objects.
    public var malformedLines = 0
    /// Records whose `type` this reader does not know (or that have none).
    public var unknownRecords = 0
    /// User and assistant records among the lines read.
    public var parsedMessages = 0
    /// Whether the whole file was read (then ``parsedMessages`` is the exact count).
    public var wholeFile = false

    /// An empty scan.
    public init() {}

    /// Record types seen from Claude Code 2.1.x (`user`, `assistant` and the bookkeeping around
    /// them). Anything else is counted in ``unknownRecords`` and skipped.
    public static let knownTypes: Set<String> = [
        "user", "assistant", "system", "attachment", "summary", "queue-operation", "api-request",
        "api-request-shape", "api-request-blob", "last-prompt", "cost-state", "tools-used", "atis-latch",
        "mode", "permission-mode", "file-history-snapshot", "custom-title", "tag", "agent-name", "pr-link",
        "progress",
    ]

    /// Folds one record (a parsed line) in, in file order.
    mutating func apply(_ record: JSONValue, head: Bool) {
        guard case .object(let object) = record else {
            malformedLines += 1
            return
        }
        guard let type = object["type"]?.stringValue, Self.knownTypes.contains(type) else {
            unknownRecords += 1
            return
        }
        if type == "user" || type == "assistant" { parsedMessages += 1 }
        if let timestamp = object["timestamp"]?.stringValue.flatMap(ISOTimestamp.parse) {
            if started == nil { started = timestamp }
            lastTimestamp = timestamp
        }
        switch type {
        case "user", "assistant", "attachment", "system":
            if object["isSidechain"]?.boolValue == true { return }
            if cwd == nil { cwd = object["cwd"]?.stringValue }
            if head {
                if entrypoint == nil { entrypoint = object["entrypoint"]?.stringValue }
                if version == nil { version = object["version"]?.stringValue }
                if gitBranch == nil { gitBranch = object["gitBranch"]?.stringValue }
            } else {
                // The tail knows the branch the session ended on.
                if let branch = object["gitBranch"]?.stringValue { gitBranch = branch }
                if entrypoint == nil { entrypoint = object["entrypoint"]?.stringValue }
                if version == nil { version = object["version"]?.stringValue }
            }
            if type == "user", object["isMeta"]?.boolValue != true, let prompt = Self.prompt(object["message"]) {
                if head && firstPrompt == nil { firstPrompt = prompt }
                if !head { lastPrompt = prompt }
            }
        case "last-prompt":
            if let text = object["lastPrompt"]?.stringValue.map(Self.oneLine), !text.isEmpty { lastPrompt = text }
        case "queue-operation":
            // `-p` runs log the prompt here before the user record.
            if head, firstPrompt == nil, object["operation"]?.stringValue == "enqueue",
                let text = object["content"]?.stringValue.map(Self.oneLine), !text.isEmpty
            {
                firstPrompt = text
            }
        default:
            break
        }
    }

    /// The prompt a user record carries: its text, unless it is a tool result or a slash
    /// command's bookkeeping.
    static func prompt(_ message: JSONValue?) -> String? {
        var text: String?
        switch message?["content"] {
        case .string(let value)?:
            text = value
        case .array(let blocks)?:
            for block in blocks {
                let kind = block["type"]?.stringValue
                if kind == "tool_result" { return nil }
                if kind == "text", text == nil { text = block["text"]?.stringValue }
            }
        default:
            return nil
        }
        guard let text else { return nil }
        for prefix in ["<local-command-", "<command-", "Caveat: The messages below"] where text.hasPrefix(prefix) {
            return nil
        }
        let line = oneLine(text)
        return line.isEmpty ? nil : line
    }

    /// Whitespace collapsed, at most 200 characters; reads no further into `text` than that
    /// needs (a pasted prompt can be megabytes).
    static func oneLine(_ text: String) -> String {
        let limit = 200
        // ASCII, byte by byte (most prompts; no Unicode tables).
        var bytes: [UInt8] = []
        bytes.reserveCapacity(min(text.utf8.count, limit + 1))
        var space = false
        var ascii = true
        for byte in text.utf8 {
            if byte >= 0x80 {
                ascii = false
                break
            }
            if byte == 0x20 || (0x09...0x0D).contains(byte) {
                space = !bytes.isEmpty
                continue
            }
            if space {
                bytes.append(0x20)
                space = false
            }
            bytes.append(byte)
            if bytes.count > limit { break }
        }
        if ascii {
            return bytes.count > limit
                ? String(decoding: bytes.prefix(limit - 1), as: UTF8.self) + "…"
                : String(decoding: bytes, as: UTF8.self)
        }
        var line = ""
        var count = 0
        space = false
        for character in text {
            if character.isWhitespace || character.isNewline {
                space = count > 0
                continue
            }
            if space {
                line.append(" ")
                count += 1
                space = false
            }
            line.append(character)
            count += 1
            if count > limit { break }
        }
        return count > limit ? String(line.prefix(limit - 1)) + "…" : line
    }
}

/// `2026-11-30T23:29:23.478Z` (and other offsets) without a formatter (a listing parses thousands).
enum ISOTimestamp {
    static func parse(_ text: String) -> Date? {
        let bytes = Array(text.utf8)
        guard bytes.count >= 19, bytes[4] == 0x2D, bytes[7] == 0x2D, bytes[10] == 0x54 || bytes[10] == 0x20,
            bytes[13] == 0x3A, bytes[16] == 0x3A
        else { return nil }
        func number(_ range: Range<Int>) -> Int? {
            var value = 0
            for index in range {
                let digit = Int(bytes[index]) - 48
                guard (0...9).contains(digit) else { return nil }
                value = value * 10 + digit
            }
            return value
        }
        guard let year = number(0..<4), let month = number(5..<7), let day = number(8..<10),
            let hour = number(11..<13), let minute = number(14..<16), let second = number(17..<19),
            (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 61
        else { return nil }
        var index = 19
        var fraction = 0.0
        if index < bytes.count, bytes[index] == 0x2E {
            index += 1
            var scale = 0.1
            while index < bytes.count, (48...57).contains(bytes[index]) {
                fraction += Double(bytes[index] - 48) * scale
                scale /= 10
                index += 1
            }
        }
        var offset = 0
        if index < bytes.count {
            switch bytes[index] {
            case 0x5A: break
            case 0x2B, 0x2D:
                guard bytes.count >= index + 6, let hours = number(index + 1..<index + 3),
                    let minutes = number(index + 4..<index + 6)
                else { return nil }
                offset = (hours * 3600 + minutes * 60) * (bytes[index] == 0x2B ? 1 : -1)
            default: return nil
            }
        }
        // Days since 1970-01-01 (civil calendar, proleptic Gregorian).
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        let days = era * 146_097 + dayOfEra - 719_468
        let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offset
        return Date(timeIntervalSince1970: Double(seconds) + fraction)
    }

    /// `2026-11-30T23:29:23Z`.
    static func format(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: date)
    }
}
