import Foundation

/// Splits `<think>…</think>` reasoning out of streamed content (MiniMax M2 and other hosted
/// reasoning models put it inline).
///
/// Tags may be cut anywhere across chunks, so a possible partial tag is held back until the
/// next piece decides it.
public struct ThinkTagSplitter: Sendable, Equatable {
    /// When content counts as reasoning.
    public enum Mode: Sendable, Equatable {
        /// Never split.
        case off
        /// Only when the content opens with `<think>` (after optional whitespace).
        case leading
        /// The content starts inside reasoning even without an opening tag, until `</think>`
        /// (models that sometimes emit only the closing tag).
        case implicitOpen
    }

    /// A piece of output.
    public enum Segment: Sendable, Equatable {
        /// Content inside `<think>…</think>` (tags removed).
        case thinking(String)
        /// Content outside the tags.
        case text(String)
    }

    private enum State: Equatable {
        case start, inThink, afterThink, text
    }

    private static let open = "<think>"
    private static let close = "</think>"

    private var mode: Mode
    private var state: State
    private var held = ""

    /// A splitter for one response's content; with `.off` everything is text.
    public init(mode: Mode) {
        self.mode = mode
        state = mode == .off ? .text : .start
    }

    /// Feeds a content delta; returns what can be emitted now.
    public mutating func feed(_ piece: String) -> [Segment] {
        if state == .text { return piece.isEmpty ? [] : [.text(piece)] }
        var buffer = held + piece
        held = ""
        var output: [Segment] = []
        while !buffer.isEmpty {
            switch state {
            case .start:
                let trimmed = buffer.drop(while: \.isWhitespace)
                if trimmed.isEmpty {
                    held = buffer
                    return output
                }
                if trimmed.hasPrefix(Self.open) {
                    state = .inThink
                    buffer = String(trimmed.dropFirst(Self.open.count))
                } else if Self.open.hasPrefix(trimmed) {
                    held = buffer
                    return output
                } else if mode == .implicitOpen {
                    state = .inThink
                    buffer = String(trimmed)
                } else {
                    state = .text
                    output.append(.text(buffer))
                    return output
                }
            case .inThink:
                if let range = buffer.range(of: Self.close) {
                    let reasoning = String(buffer[..<range.lowerBound])
                    if !reasoning.isEmpty { output.append(.thinking(reasoning)) }
                    buffer = String(buffer[range.upperBound...])
                    state = .afterThink
                } else {
                    let keep = Self.partialSuffixLength(of: buffer, matching: Self.close)
                    let emit = String(buffer.dropLast(keep))
                    held = String(buffer.suffix(keep))
                    if !emit.isEmpty { output.append(.thinking(emit)) }
                    return output
                }
            case .afterThink:
                let trimmed = buffer.drop(while: \.isWhitespace)
                if trimmed.isEmpty { return output }
                state = .text
                buffer = String(trimmed)
            case .text:
                output.append(.text(buffer))
                return output
            }
        }
        return output
    }

    /// The provider sent reasoning in a field of its own (`reasoning_content`, `reasoning`):
    /// content that has not started yet is then not implicitly reasoning (it may still open
    /// with `<think>`), or a plain answer would all become thinking.
    public mutating func reasoningArrivedSeparately() {
        if mode == .implicitOpen, state == .start { mode = .leading }
    }

    /// Ends the content; releases anything held back.
    public mutating func flush() -> [Segment] {
        defer { held = "" }
        guard !held.isEmpty else { return [] }
        switch state {
        case .inThink: return [.thinking(held)]
        case .start:
            let trimmed = held.drop(while: \.isWhitespace)
            return trimmed.isEmpty ? [] : [.text(held)]
        case .afterThink: return []
        case .text: return [.text(held)]
        }
    }

    /// The length of the longest suffix of `text` that is a proper prefix of `tag`.
    static func partialSuffixLength(of text: String, matching tag: String) -> Int {
        let maximum = min(text.count, tag.count - 1)
        guard maximum > 0 else { return 0 }
        for length in stride(from: maximum, through: 1, by: -1) where tag.hasPrefix(text.suffix(length)) {
            return length
        }
        return 0
    }
}
