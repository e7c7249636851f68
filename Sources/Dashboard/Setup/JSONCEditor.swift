import Foundation
import Proxy

/// Sets keys in a JSON-with-comments document (Claude Code's and VS Code's `settings.json`) by
/// editing its text in place: every byte outside the values it sets stays as it was, comments,
/// blank lines, key order and trailing commas included.
struct JSONCEditor {
    /// A document that is not JSON with comments: the user's file is left alone.
    struct SyntaxError: Error, CustomStringConvertible {
        var description: String
    }

    private(set) var bytes: [UInt8]

    init(_ text: String) {
        bytes = Array(text.utf8)
    }

    var text: String { String(decoding: bytes, as: UTF8.self) }

    /// Sets `values` in the object at `path` (created when missing; replaced when not an object).
    mutating func set(_ values: [(key: String, value: JSONValue)], at path: [String]) throws(SyntaxError) {
        for (key, value) in values {
            try set(key, value, at: path)
        }
    }

    /// Sets one key in the object at `path`.
    mutating func set(_ key: String, _ value: JSONValue, at path: [String]) throws(SyntaxError) {
        if bytes.allSatisfy({ Scanner.isBlank($0) }) {
            bytes = Array((Self.render(Self.nest(path[...], key, value), indent: "", step: "  ") + "\n").utf8)
            return
        }
        var scanner = Scanner(bytes: bytes)
        guard var node = try scanner.document() else { throw SyntaxError(description: "the document is empty") }
        guard case .object = node.kind else { throw SyntaxError(description: "the document is not a JSON object") }
        for (index, name) in path.enumerated() {
            guard case .object(let members) = node.kind else { return }
            let rest = path[(index + 1)...]
            guard let member = members.last(where: { $0.key == name }) else {
                insert(name, Self.nest(rest, key, value), into: node, members: members)
                return
            }
            guard case .object = member.value.kind else {
                // Not an object: replaced by one holding the key.
                replace(member.value, with: Self.nest(rest, key, value))
                return
            }
            node = member.value
        }
        guard case .object(let members) = node.kind else { return }
        if let member = members.last(where: { $0.key == key }) {
            if Self.same(member.value, value, in: bytes) { return }
            replace(member.value, with: value)
        } else {
            insert(key, value, into: node, members: members)
        }
    }

    /// The value of `key` in the object at `path`, when there is one and it is plain JSON.
    func value(_ key: String, at path: [String]) -> JSONValue? {
        var scanner = Scanner(bytes: bytes)
        guard var node = (try? scanner.document()) ?? nil else { return nil }
        for name in path + [key] {
            guard case .object(let members) = node.kind, let member = members.last(where: { $0.key == name }) else {
                return nil
            }
            node = member.value
        }
        return try? JSONParser.parse(Array(bytes[node.start..<node.end]))
    }

    /// Whether the document can be edited (empty, or a JSON-with-comments object).
    var problem: String? {
        if bytes.allSatisfy({ Scanner.isBlank($0) }) { return nil }
        var scanner = Scanner(bytes: bytes)
        do {
            guard let node = try scanner.document(), case .object = node.kind else { return "not a JSON object" }
            return nil
        } catch {
            return error.description
        }
    }

    /// `{"path0": {"path1": {key: value}}}`.
    static func nest(_ path: ArraySlice<String>, _ key: String, _ value: JSONValue) -> JSONValue {
        var object = JSONObject()
        object[key] = value
        var nested = JSONValue.object(object)
        for name in path.reversed() {
            var outer = JSONObject()
            outer[name] = nested
            nested = .object(outer)
        }
        return nested
    }

    /// Whether the text of `node` already says `value`.
    private static func same(_ node: Node, _ value: JSONValue, in bytes: [UInt8]) -> Bool {
        guard let parsed = try? JSONParser.parse(Array(bytes[node.start..<node.end])) else { return false }
        return parsed == value
    }

    private mutating func replace(_ node: Node, with value: JSONValue) {
        let indent = lineIndent(at: node.start)
        let text = Self.render(value, indent: indent, step: indentStep())
        bytes.replaceSubrange(node.start..<node.end, with: Array(text.utf8))
    }

    private mutating func insert(_ key: String, _ value: JSONValue, into object: Node, members: [Member]) {
        let step = indentStep()
        guard let last = members.last else {
            // An empty object: the member goes on its own line inside the braces.
            let outer = lineIndent(at: object.start)
            let inner = outer + step
            let body =
                "\n\(inner)\(JSONValue.string(key).jsonString): \(Self.render(value, indent: inner, step: step))\n\(outer)"
            let close = object.end - 1
            // Keep whatever sits between the braces (blanks, comments) before the new member.
            let between = String(decoding: bytes[(object.start + 1)..<close], as: UTF8.self)
            let kept = between.trimmingCharacters(in: .whitespacesAndNewlines)
            let text = kept.isEmpty ? body : "\n\(inner)\(kept)" + body
            bytes.replaceSubrange((object.start + 1)..<close, with: Array(text.utf8))
            return
        }
        let indent = lineIndent(at: last.keyStart)
        let rendered = "\(JSONValue.string(key).jsonString): \(Self.render(value, indent: indent, step: step))"
        let close = object.end - 1
        let sameLine = !bytes[last.value.end..<close].contains(UInt8(ascii: "\n"))
        if sameLine {
            // `{"a": 1}`: add `, "key": value` before the brace (after a trailing comma if any).
            if let comma = last.trailingComma {
                bytes.insert(contentsOf: Array(" \(rendered)".utf8), at: comma + 1)
            } else {
                bytes.insert(contentsOf: Array(", \(rendered)".utf8), at: last.value.end)
            }
            return
        }
        // The new member goes on its own line after the last one's line (after its comment, if any).
        var lineEnd = last.trailingComma.map { $0 + 1 } ?? last.value.end
        while lineEnd < close, bytes[lineEnd] != UInt8(ascii: "\n") { lineEnd += 1 }
        if lineEnd > close { lineEnd = close }
        var lineText = "\n\(indent)\(rendered)"
        if last.trailingComma != nil { lineText += "," }
        bytes.insert(contentsOf: Array(lineText.utf8), at: lineEnd)
        if last.trailingComma == nil { bytes.insert(UInt8(ascii: ","), at: last.value.end) }
    }

    /// The blanks that start the line holding `offset`.
    private func lineIndent(at offset: Int) -> String {
        var start = offset
        while start > 0, bytes[start - 1] != UInt8(ascii: "\n") { start -= 1 }
        var end = start
        while end < bytes.count, bytes[end] == UInt8(ascii: " ") || bytes[end] == UInt8(ascii: "\t") { end += 1 }
        return String(decoding: bytes[start..<end], as: UTF8.self)
    }

    /// The document's indentation unit: a tab, or the smallest run of leading spaces.
    private func indentStep() -> String {
        var smallest = Int.max
        var atLineStart = true
        var run = 0
        for byte in bytes {
            if atLineStart {
                if byte == UInt8(ascii: "\t") { return "\t" }
                if byte == UInt8(ascii: " ") {
                    run += 1
                    continue
                }
                if byte != UInt8(ascii: "\n"), run > 0 { smallest = min(smallest, run) }
                atLineStart = false
            }
            if byte == UInt8(ascii: "\n") {
                atLineStart = true
                run = 0
            }
        }
        return String(repeating: " ", count: smallest == Int.max ? 2 : smallest)
    }

    /// `value` as JSON text, objects and arrays over several lines under `indent`.
    static func render(_ value: JSONValue, indent: String, step: String) -> String {
        switch value {
        case .object(let object) where !object.members.isEmpty:
            let inner = indent + step
            let lines = object.members.map {
                "\(inner)\(JSONValue.string($0.key).jsonString): \(render($0.value, indent: inner, step: step))"
            }
            return "{\n" + lines.joined(separator: ",\n") + "\n\(indent)}"
        case .array(let items) where !items.isEmpty:
            let inner = indent + step
            return "[\n" + items.map { inner + render($0, indent: inner, step: step) }.joined(separator: ",\n")
                + "\n\(indent)]"
        default:
            return value.jsonString
        }
    }

    // MARK: - Reading with positions

    struct Member {
        var key: String
        var keyStart: Int
        var value: Node
        /// The offset of the comma after the value, when there is one.
        var trailingComma: Int?
    }

    struct Node {
        enum Kind {
            case object([Member])
            case other
        }

        var kind: Kind
        var start: Int
        /// One past the last byte.
        var end: Int
    }

    /// A JSONC reader that keeps where each value starts and ends.
    struct Scanner {
        let bytes: [UInt8]
        var offset = 0
        var depth = 0

        init(bytes: [UInt8]) {
            self.bytes = bytes
        }

        static func isBlank(_ byte: UInt8) -> Bool {
            byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D
        }

        mutating func document() throws(SyntaxError) -> Node? {
            // A byte-order mark is kept as it is.
            if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { offset = 3 }
            try skip()
            guard offset < bytes.count else { return nil }
            let node = try value()
            try skip()
            guard offset == bytes.count else { throw failure("text after the end of the document") }
            return node
        }

        func failure(_ reason: String) -> SyntaxError {
            var line = 1
            for byte in bytes[0..<min(offset, bytes.count)] where byte == 0x0A { line += 1 }
            return SyntaxError(description: "line \(line): \(reason)")
        }

        mutating func skip() throws(SyntaxError) {
            while offset < bytes.count {
                let byte = bytes[offset]
                if Self.isBlank(byte) {
                    offset += 1
                } else if byte == UInt8(ascii: "/"), offset + 1 < bytes.count, bytes[offset + 1] == UInt8(ascii: "/") {
                    while offset < bytes.count, bytes[offset] != 0x0A { offset += 1 }
                } else if byte == UInt8(ascii: "/"), offset + 1 < bytes.count, bytes[offset + 1] == UInt8(ascii: "*") {
                    offset += 2
                    while offset + 1 < bytes.count,
                        !(bytes[offset] == UInt8(ascii: "*") && bytes[offset + 1] == UInt8(ascii: "/"))
                    {
                        offset += 1
                    }
                    guard offset + 1 < bytes.count else { throw failure("a /* comment is not closed") }
                    offset += 2
                } else {
                    return
                }
            }
        }

        mutating func value() throws(SyntaxError) -> Node {
            guard offset < bytes.count else { throw failure("a value is missing") }
            depth += 1
            defer { depth -= 1 }
            guard depth < 200 else { throw failure("nested too deeply") }
            let start = offset
            switch bytes[offset] {
            case UInt8(ascii: "{"):
                offset += 1
                var members: [Member] = []
                try skip()
                while offset < bytes.count, bytes[offset] != UInt8(ascii: "}") {
                    let keyStart = offset
                    guard bytes[offset] == UInt8(ascii: "\"") else { throw failure("a key must be a string") }
                    let keyEnd = try stringEnd()
                    offset = keyEnd
                    guard case .string(let key)? = try? JSONParser.parse(Array(bytes[keyStart..<keyEnd])) else {
                        throw failure("a key is not a valid string")
                    }
                    try skip()
                    guard offset < bytes.count, bytes[offset] == UInt8(ascii: ":") else {
                        throw failure("':' expected")
                    }
                    offset += 1
                    try skip()
                    let node = try value()
                    try skip()
                    var comma: Int?
                    if offset < bytes.count, bytes[offset] == UInt8(ascii: ",") {
                        comma = offset
                        offset += 1
                        try skip()
                    } else if offset < bytes.count, bytes[offset] != UInt8(ascii: "}") {
                        throw failure("',' or '}' expected")
                    }
                    members.append(Member(key: key, keyStart: keyStart, value: node, trailingComma: comma))
                }
                guard offset < bytes.count else { throw failure("an object is not closed") }
                offset += 1
                return Node(kind: .object(members), start: start, end: offset)
            case UInt8(ascii: "["):
                offset += 1
                try skip()
                while offset < bytes.count, bytes[offset] != UInt8(ascii: "]") {
                    _ = try value()
                    try skip()
                    if offset < bytes.count, bytes[offset] == UInt8(ascii: ",") {
                        offset += 1
                        try skip()
                    } else if offset < bytes.count, bytes[offset] != UInt8(ascii: "]") {
                        throw failure("',' or ']' expected")
                    }
                }
                guard offset < bytes.count else { throw failure("an array is not closed") }
                offset += 1
                return Node(kind: .other, start: start, end: offset)
            case UInt8(ascii: "\""):
                offset = try stringEnd()
                return Node(kind: .other, start: start, end: offset)
            default:
                while offset < bytes.count, !Self.isBlank(bytes[offset]),
                    ![UInt8(ascii: ","), UInt8(ascii: "}"), UInt8(ascii: "]"), UInt8(ascii: "/")].contains(
                        bytes[offset]
                    )
                {
                    offset += 1
                }
                guard offset > start, (try? JSONParser.parse(Array(bytes[start..<offset]))) != nil else {
                    throw failure("not a JSON value")
                }
                return Node(kind: .other, start: start, end: offset)
            }
        }

        /// The offset after the string starting at `offset`.
        mutating func stringEnd() throws(SyntaxError) -> Int {
            var index = offset + 1
            while index < bytes.count {
                switch bytes[index] {
                case UInt8(ascii: "\\"): index += 2
                case UInt8(ascii: "\""): return index + 1
                default: index += 1
                }
            }
            throw failure("a string is not closed")
        }
    }
}
