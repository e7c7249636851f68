import Foundation

/// Removes API keys from text bound for logs, screens and clients.
///
/// Configured keys are replaced wherever they appear (providers sometimes echo the key in an
/// error), and so is anything shaped like a bearer token or a well-known key prefix.
public struct SecretRedactor: Sendable {
    private let secrets: [String]
    public static let mask = "[REDACTED]"
    private static let prefixes = ["sk-", "nvapi-", "sk_", "gsk_", "AIza", "xai-", "pplx-"]

    public init(secrets: [String]) {
        // Longest first, so a key that contains another is removed whole.
        self.secrets = secrets.filter { $0.count >= 4 }.sorted { $0.count > $1.count }
    }

    /// `text` with secrets masked.
    public func redact(_ text: String) -> String {
        var result = text
        for secret in secrets where result.contains(secret) {
            result = result.replacingOccurrences(of: secret, with: Self.mask)
        }
        return Self.redactKeyShapes(result)
    }

    /// Masks `Bearer …` values and tokens starting with a well-known key prefix.
    static func redactKeyShapes(_ text: String) -> String {
        guard text.contains("Bearer ") || prefixes.contains(where: { text.contains($0) }) else { return text }
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
