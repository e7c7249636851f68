import Foundation

/// Removes API keys from text bound for logs, screens and clients.
///
/// Configured keys are replaced wherever they appear (providers sometimes echo the key in an
/// error), and so is anything shaped like a bearer token or a well-known key prefix.
public struct SecretRedactor: Sendable {
    private let secrets: [String]
    /// What a secret is replaced with.
    public static let mask = "[REDACTED]"
    private static let prefixes = ["sk-", "nvapi-", "sk_", "gsk_", "AIza", "xai-", "pplx-"]

    /// A redactor for `secrets` (the configured keys); ones shorter than 4 characters are ignored.
    public init(secrets: [String]) {
        // Longest first, so a key that contains another is removed whole.
        self.secrets = secrets.filter { $0.count >= 4 }.sorted { $0.count > $1.count }
    }

    /// `text` with secrets masked.
    public func redact(_ text: String) -> String {
        var result = text
        for secret in secrets where Self.contains(result, secret) {
            result = result.replacingOccurrences(of: secret, with: Self.mask)
        }
        return Self.redactKeyShapes(result)
    }

    /// A byte search: Foundation's `contains` goes through CFString and showed up in profiles
    /// (every log line is redacted).
    static func contains(_ text: String, _ needle: String) -> Bool {
        let haystack = Array(text.utf8)
        let pattern = Array(needle.utf8)
        guard let first = pattern.first, pattern.count <= haystack.count else { return false }
        var index = 0
        let last = haystack.count - pattern.count
        while index <= last {
            if haystack[index] == first, haystack[index..<(index + pattern.count)].elementsEqual(pattern) {
                return true
            }
            index += 1
        }
        return false
    }

    /// Masks `Bearer …` values and tokens starting with a well-known key prefix.
    static func redactKeyShapes(_ text: String) -> String {
        guard contains(text, "Bearer ") || prefixes.contains(where: { contains(text, $0) }) else { return text }
        var output = ""
        var word = ""
        var previousWord = ""
        func flush() {
            let isKey =
                (previousWord == "Bearer" && word.count >= 8)
                || (word.count >= 16 && prefixes.contains { word.hasPrefix($0) })
            output += isKey ? mask : word
            if !word.isEmpty { previousWord = word }
            word = ""
        }
        for character in text {
            if character.isWhitespace || character == "\"" || character == "'" || character == "," {
                flush()
                output.append(character)
            } else {
                word.append(character)
            }
        }
        flush()
        return output
    }
}
