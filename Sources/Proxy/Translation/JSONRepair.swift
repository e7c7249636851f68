/// Mends tool-call arguments a model cut short or wrapped: code fences are removed, an
/// unterminated string is closed, a dangling `,` or `:` is fixed, and open objects and arrays
/// are closed. Returns compact JSON, or `nil` when it cannot be made an object.
enum JSONRepair {
    static func repair(_ text: String) -> String? {
        var candidate = text.trimmingWhitespace()
        if candidate.isEmpty { return "{}" }
        if let value = try? JSONParser.parse(candidate), case .object = value { return value.jsonString }
        if candidate.hasPrefix("```") {
            candidate = String(candidate.drop { $0 != "\n" }.dropFirst())
            if candidate.hasSuffix("```") { candidate.removeLast(3) }
            candidate = candidate.trimmingWhitespace()
        }
        var stack: [Character] = []
        var inString = false
        var escaped = false
        for character in candidate {
            if inString {
                if escaped {
                    escaped = false
                } else if character == "\\" {
                    escaped = true
                } else if character == "\"" {
                    inString = false
                }
                continue
            }
            switch character {
            case "\"": inString = true
            case "{": stack.append("}")
            case "[": stack.append("]")
            case "}", "]": if stack.last == character { stack.removeLast() }
            default: break
            }
        }
        if inString {
            if escaped { candidate.removeLast() }
            candidate.append("\"")
        }
        var trimmed = candidate.trimmingWhitespace()
        if trimmed.hasSuffix(",") { trimmed.removeLast() }
        if trimmed.hasSuffix(":") { trimmed += "null" }
        trimmed += String(stack.reversed())
        if let value = try? JSONParser.parse(trimmed), case .object = value { return value.jsonString }
        return nil
    }
}
