/// Says where a config file stops being valid, as `line L, column C: reason`.
///
/// Foundation's JSON5 reader only answers "not valid JSON"; to point at the mistake, comments
/// and trailing commas are blanked out (same length, so positions hold) and the text is read
/// with ``JSONParser``, whose errors carry a byte offset.
enum ConfigSyntaxLocator {
    static func locate(_ bytes: [UInt8]) -> String? {
        var text = bytes
        var index = 0
        var inString: UInt8?
        while index < text.count {
            let byte = text[index]
            if let quote = inString {
                if byte == UInt8(ascii: "\\") {
                    index += 2
                    continue
                }
                if byte == quote { inString = nil }
                index += 1
                continue
            }
            if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "'") {
                inString = byte
            } else if byte == UInt8(ascii: "/"), index + 1 < text.count, text[index + 1] == UInt8(ascii: "/") {
                while index < text.count, text[index] != 0x0A {
                    text[index] = 0x20
                    index += 1
                }
                continue
            } else if byte == UInt8(ascii: "/"), index + 1 < text.count, text[index + 1] == UInt8(ascii: "*") {
                while index < text.count {
                    let closes =
                        text[index] == UInt8(ascii: "*") && index + 1 < text.count
                        && text[index + 1] == UInt8(ascii: "/")
                    if text[index] != 0x0A { text[index] = 0x20 }
                    index += 1
                    if closes {
                        text[index] = 0x20
                        index += 1
                        break
                    }
                }
                continue
            } else if byte == UInt8(ascii: ",") {
                // A comma followed only by blanks, comments and a closing bracket is a JSON5
                // trailing comma.
                let next = skipBlanksAndComments(text, from: index + 1)
                if next < text.count, text[next] == UInt8(ascii: "}") || text[next] == UInt8(ascii: "]") {
                    text[index] = 0x20
                }
            }
            index += 1
        }
        do {
            _ = try JSONParser.parse(text)
            return nil
        } catch {
            var line = 1
            var column = 1
            for byte in bytes.prefix(error.offset) {
                if byte == 0x0A {
                    line += 1
                    column = 1
                } else if byte & 0xC0 != 0x80 {
                    column += 1
                }
            }
            return "line \(line), column \(column): \(error.reason)"
        }
    }

    /// The index of the first byte from `start` that is not a blank or inside a comment.
    static func skipBlanksAndComments(_ text: [UInt8], from start: Int) -> Int {
        var next = start
        while next < text.count {
            if [0x20, 0x0A, 0x0D, 0x09].contains(text[next]) {
                next += 1
            } else if text[next] == UInt8(ascii: "/"), next + 1 < text.count, text[next + 1] == UInt8(ascii: "/") {
                while next < text.count, text[next] != 0x0A { next += 1 }
            } else if text[next] == UInt8(ascii: "/"), next + 1 < text.count, text[next + 1] == UInt8(ascii: "*") {
                next += 2
                while next < text.count, !(text[next - 1] == UInt8(ascii: "*") && text[next] == UInt8(ascii: "/")) {
                    next += 1
                }
                next += 1
            } else {
                break
            }
        }
        return next
    }
}
