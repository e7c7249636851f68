/// Follows streamed JSON text and tells when it forms one complete value.
///
/// Tool-call arguments arrive in fragments; a tool block may only be closed (to let the next
/// block start) once its arguments are complete, or the rest would have nowhere to go.
struct JSONCompletenessTracker: Sendable, Equatable {
    private var depth = 0
    private var inString = false
    private var escaped = false
    private var started = false
    private var scalarDone = false

    /// Whether the text fed so far is one complete JSON object or array (surrounding whitespace allowed).
    var isComplete: Bool { started && depth == 0 && !inString }

    mutating func feed(_ text: String) {
        for byte in text.utf8 {
            if inString {
                if escaped {
                    escaped = false
                } else if byte == UInt8(ascii: "\\") {
                    escaped = true
                } else if byte == UInt8(ascii: "\"") {
                    inString = false
                }
                continue
            }
            switch byte {
            case UInt8(ascii: "\""): inString = true
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                depth += 1
                started = true
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                depth -= 1
            default: break
            }
        }
    }
}
