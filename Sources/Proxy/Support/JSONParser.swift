/// Parses JSON text (RFC 8259) into a ``JSONValue``.
///
/// Written for the proxy's hot path (every upstream chunk is parsed) and for hostile input:
/// nesting is bounded so a deeply nested body cannot exhaust the stack, and errors carry the
/// byte offset and a reason a client can act on.
public struct JSONParser {
    /// Why a text is not valid JSON.
    public struct SyntaxError: Error, CustomStringConvertible, Equatable {
        /// What is wrong.
        public var reason: String
        /// The byte offset where it went wrong.
        public var offset: Int
        /// `reason at byte offset`.
        public var description: String { "\(reason) at byte \(offset)" }
    }

    /// Deepest nesting of arrays and objects accepted.
    public static let maximumDepth = 512

    /// Parses a complete JSON text.
    public static func parse(_ bytes: some Collection<UInt8>) throws(SyntaxError) -> JSONValue {
        let result: Result<JSONValue, SyntaxError>? = bytes.withContiguousStorageIfAvailable { buffer in
            Result { () throws(SyntaxError) in try parse(buffer: buffer) }
        }
        if let result { return try result.get() }
        let copy = Array(bytes)
        return try copy.withUnsafeBufferPointer { buffer throws(SyntaxError) in try parse(buffer: buffer) }
    }

    /// Parses a complete JSON text held in a string.
    public static func parse(_ text: String) throws(SyntaxError) -> JSONValue {
        var text = text
        let result = text.withUTF8 { buffer in Result { () throws(SyntaxError) in try parse(buffer: buffer) } }
        return try result.get()
    }

    static func parse(buffer: UnsafeBufferPointer<UInt8>) throws(SyntaxError) -> JSONValue {
        var reader = Reader(bytes: buffer)
        reader.skipWhitespace()
        let value = try reader.parseValue(depth: 0)
        reader.skipWhitespace()
        if reader.index != buffer.count {
            throw SyntaxError(reason: "unexpected data after the JSON value", offset: reader.index)
        }
        return value
    }

    private struct Reader {
        /// Members past which an object's keys are looked up in a hash index.
        static let indexThreshold = 16

        let bytes: UnsafeBufferPointer<UInt8>
        var index = 0

        init(bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

        mutating func skipWhitespace() {
            while index < bytes.count {
                switch bytes[index] {
                case 0x20, 0x0A, 0x0D, 0x09: index += 1
                default: return
                }
            }
        }

        func fail(_ reason: String) -> SyntaxError { SyntaxError(reason: reason, offset: index) }

        mutating func parseValue(depth: Int) throws(SyntaxError) -> JSONValue {
            guard index < bytes.count else { throw fail("unexpected end of JSON") }
            switch bytes[index] {
            case UInt8(ascii: "{"): return try parseObject(depth: depth + 1)
            case UInt8(ascii: "["): return try parseArray(depth: depth + 1)
            case UInt8(ascii: "\""): return .string(try parseString())
            case UInt8(ascii: "t"):
                try expectLiteral("true")
                return .bool(true)
            case UInt8(ascii: "f"):
                try expectLiteral("false")
                return .bool(false)
            case UInt8(ascii: "n"):
                try expectLiteral("null")
                return .null
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try parseNumber()
            default: throw fail("unexpected character '\(printable(bytes[index]))'")
            }
        }

        func printable(_ byte: UInt8) -> String {
            (0x20..<0x7F).contains(byte) ? String(UnicodeScalar(byte)) : "\\u{\(String(byte, radix: 16))}"
        }

        mutating func expectLiteral(_ literal: StaticString) throws(SyntaxError) {
            let count = literal.utf8CodeUnitCount
            guard index + count <= bytes.count else { throw fail("unexpected end of JSON") }
            let start = literal.utf8Start
            for offset in 0..<count where bytes[index + offset] != start[offset] {
                throw fail("invalid literal")
            }
            index += count
        }

        mutating func parseObject(depth: Int) throws(SyntaxError) -> JSONValue {
            guard depth <= JSONParser.maximumDepth else { throw fail("JSON nested too deeply") }
            index += 1
            var object = JSONObject()
            var keyIndex: [String: Int] = [:]
            skipWhitespace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
                index += 1
                return .object(object)
            }
            while true {
                skipWhitespace()
                guard index < bytes.count else { throw fail("unexpected end of JSON in object") }
                guard bytes[index] == UInt8(ascii: "\"") else { throw fail("expected a string key in object") }
                let key = try parseString()
                skipWhitespace()
                guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else {
                    throw fail("expected ':' after object key")
                }
                index += 1
                skipWhitespace()
                let value = try parseValue(depth: depth)
                // Duplicate keys: the last one wins, as in most parsers. Small objects (nearly all)
                // are searched; past a few keys an index keeps a wide object linear to parse (a
                // 400,000-key body took minutes with a search per key).
                if object.count < Self.indexThreshold {
                    if let position = object.members.firstIndex(where: { $0.key == key }) {
                        object.replaceValue(at: position, with: value)
                    } else {
                        object.appendUnchecked(key, value)
                    }
                } else {
                    if keyIndex.isEmpty {
                        keyIndex.reserveCapacity(object.count * 2)
                        for (position, member) in object.members.enumerated() { keyIndex[member.key] = position }
                    }
                    if let position = keyIndex[key] {
                        object.replaceValue(at: position, with: value)
                    } else {
                        keyIndex[key] = object.count
                        object.appendUnchecked(key, value)
                    }
                }
                skipWhitespace()
                guard index < bytes.count else { throw fail("unexpected end of JSON in object") }
                switch bytes[index] {
                case UInt8(ascii: ","): index += 1
                case UInt8(ascii: "}"):
                    index += 1
                    return .object(object)
                default: throw fail("expected ',' or '}' in object")
                }
            }
        }

        mutating func parseArray(depth: Int) throws(SyntaxError) -> JSONValue {
            guard depth <= JSONParser.maximumDepth else { throw fail("JSON nested too deeply") }
            index += 1
            var array: [JSONValue] = []
            skipWhitespace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
                index += 1
                return .array(array)
            }
            while true {
                skipWhitespace()
                array.append(try parseValue(depth: depth))
                skipWhitespace()
                guard index < bytes.count else { throw fail("unexpected end of JSON in array") }
                switch bytes[index] {
                case UInt8(ascii: ","): index += 1
                case UInt8(ascii: "]"):
                    index += 1
                    return .array(array)
                default: throw fail("expected ',' or ']' in array")
                }
            }
        }

        mutating func parseNumber() throws(SyntaxError) -> JSONValue {
            let start = index
            var isInteger = true
            if bytes[index] == UInt8(ascii: "-") { index += 1 }
            guard index < bytes.count, isDigit(bytes[index]) else { throw fail("invalid number") }
            if bytes[index] == UInt8(ascii: "0") {
                index += 1
            } else {
                while index < bytes.count, isDigit(bytes[index]) { index += 1 }
            }
            if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
                isInteger = false
                index += 1
                guard index < bytes.count, isDigit(bytes[index]) else { throw fail("invalid number") }
                while index < bytes.count, isDigit(bytes[index]) { index += 1 }
            }
            if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
                isInteger = false
                index += 1
                if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") {
                    index += 1
                }
                guard index < bytes.count, isDigit(bytes[index]) else { throw fail("invalid number") }
                while index < bytes.count, isDigit(bytes[index]) { index += 1 }
            }
            let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
            if isInteger, let value = Int(text) { return .int(value) }
            guard let value = Double(text) else {
                index = start
                throw fail("invalid number")
            }
            return .double(value)
        }

        func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

        mutating func parseString() throws(SyntaxError) -> String {
            index += 1
            let start = index
            // Fast path: no escapes.
            while index < bytes.count {
                let byte = bytes[index]
                if byte == UInt8(ascii: "\"") {
                    let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
                    index += 1
                    return text
                }
                if byte == UInt8(ascii: "\\") { break }
                if byte < 0x20 { throw fail("unescaped control character in string") }
                index += 1
            }
            guard index < bytes.count else { throw fail("unterminated string") }
            var scratch: [UInt8] = Array(UnsafeBufferPointer(rebasing: bytes[start..<index]))
            while index < bytes.count {
                let byte = bytes[index]
                switch byte {
                case UInt8(ascii: "\""):
                    index += 1
                    return String(decoding: scratch, as: UTF8.self)
                case UInt8(ascii: "\\"):
                    index += 1
                    guard index < bytes.count else { throw fail("unterminated string") }
                    let escape = bytes[index]
                    index += 1
                    switch escape {
                    case UInt8(ascii: "\""): scratch.append(0x22)
                    case UInt8(ascii: "\\"): scratch.append(0x5C)
                    case UInt8(ascii: "/"): scratch.append(0x2F)
                    case UInt8(ascii: "b"): scratch.append(0x08)
                    case UInt8(ascii: "f"): scratch.append(0x0C)
                    case UInt8(ascii: "n"): scratch.append(0x0A)
                    case UInt8(ascii: "r"): scratch.append(0x0D)
                    case UInt8(ascii: "t"): scratch.append(0x09)
                    case UInt8(ascii: "u"):
                        var scalar = try parseHex4()
                        if (0xD800...0xDBFF).contains(scalar) {
                            // A high surrogate must be followed by a low one; a lone one becomes U+FFFD.
                            if index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"),
                                bytes[index + 1] == UInt8(ascii: "u")
                            {
                                let save = index
                                index += 2
                                let low = try parseHex4()
                                if (0xDC00...0xDFFF).contains(low) {
                                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                                } else {
                                    index = save
                                    scalar = 0xFFFD
                                }
                            } else {
                                scalar = 0xFFFD
                            }
                        } else if (0xDC00...0xDFFF).contains(scalar) {
                            scalar = 0xFFFD
                        }
                        appendUTF8(UnicodeScalar(scalar) ?? "\u{FFFD}", to: &scratch)
                    default:
                        index -= 1
                        throw fail("invalid escape in string")
                    }
                default:
                    if byte < 0x20 { throw fail("unescaped control character in string") }
                    scratch.append(byte)
                    index += 1
                }
            }
            throw fail("unterminated string")
        }

        mutating func parseHex4() throws(SyntaxError) -> UInt32 {
            guard index + 4 <= bytes.count else { throw fail("invalid \\u escape") }
            var value: UInt32 = 0
            for _ in 0..<4 {
                let byte = bytes[index]
                let digit: UInt32
                switch byte {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - UInt8(ascii: "0"))
                case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(byte - UInt8(ascii: "a") + 10)
                case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(byte - UInt8(ascii: "A") + 10)
                default: throw fail("invalid \\u escape")
                }
                value = value << 4 | digit
                index += 1
            }
            return value
        }

        func appendUTF8(_ scalar: UnicodeScalar, to buffer: inout [UInt8]) {
            for unit in UTF8.encode(scalar)! { buffer.append(unit) }
        }
    }
}
