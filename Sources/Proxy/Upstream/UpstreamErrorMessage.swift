import AsyncHTTPClient
import NIOCore
import NIOPosix

/// Finds the human message in a provider's error body, whatever its shape.
enum UpstreamErrorMessage {
    /// The message of an error body: OpenAI's `{"error":{"message"}}`, a bare `{"error":"…"}`,
    /// `{"message"}`, FastAPI's `{"detail"}`, problem JSON (`{"title","detail"}`, NIM's 429), or
    /// the start of a text body.
    static func extract(from buffers: [ByteBuffer], status: Int) -> String {
        var bytes: [UInt8] = []
        for buffer in buffers { bytes.append(contentsOf: buffer.readableBytesView) }
        if let json = try? JSONParser.parse(bytes), let message = message(in: json) {
            return message
        }
        let text = String(decoding: bytes.prefix(600), as: UTF8.self).trimmingWhitespace()
        if text.isEmpty { return "HTTP \(status) with an empty body" }
        if text.hasPrefix("<") { return "HTTP \(status) (an HTML error page)" }
        return "HTTP \(status): " + text.replacingNewlines()
    }

    static func message(in json: JSONValue) -> String? {
        if let error = json["error"] {
            if let text = error.stringValue { return text }
            if let text = error["message"]?.stringValue {
                if let raw = error["metadata"]?["raw"]?.stringValue { return "\(text) (\(raw.prefix(300)))" }
                return text
            }
        }
        if let text = json["message"]?.stringValue { return text }
        if let title = json["title"]?.stringValue {
            if let detail = json["detail"]?.stringValue, detail != title { return "\(title): \(detail)" }
            return title
        }
        if let detail = json["detail"] {
            if let text = detail.stringValue { return text }
            if case .array(let items) = detail, let first = items.first?["msg"]?.stringValue { return first }
            return detail.jsonString
        }
        return nil
    }

    /// A connection error in a few words.
    static func describe(_ error: any Error) -> String {
        if let error = error as? HTTPClientError {
            switch error {
            case .connectTimeout: return "connect timed out"
            case .remoteConnectionClosed: return "the provider closed the connection"
            case .readTimeout: return "read timed out"
            default: return "\(error)"
            }
        }
        if let error = error as? NIOConnectionError {
            // Both lookups failed and nothing was tried: the name does not resolve.
            if error.connectionErrors.isEmpty, error.dnsAError != nil || error.dnsAAAAError != nil {
                return "the host name \(error.host) does not resolve (DNS)"
            }
            if let first = error.connectionErrors.first {
                return "could not connect to \(error.host):\(error.port): \(describe(first.error))"
            }
            return "could not connect to \(error.host):\(error.port)"
        }
        let text = "\(error)"
        let lowered = text.lowercased()
        if lowered.contains("certificate_verify_failed") || lowered.contains("certificate verify failed") {
            return "TLS: the provider's certificate is not trusted (self-signed, expired, or from an unknown authority)"
        }
        if lowered.contains("handshakefailed") || lowered.contains("ssl routines") {
            return "TLS handshake failed (is this an https URL for a server that speaks plain http, or the reverse?)"
        }
        for (needle, plain) in [
            ("connection refused", "connection refused"), ("connection reset", "connection reset by the provider"),
            ("no route to host", "no route to host"), ("network is unreachable", "network unreachable"),
            ("certificate", "TLS certificate problem"), ("nxdomain", "host name not found"),
            ("name or service not known", "host name not found"), ("unknownhost", "host name not found"),
        ] where lowered.contains(needle) {
            return plain
        }
        return text.count > 300 ? String(text.prefix(300)) + "…" : text
    }
}

extension String {
    func replacingNewlines() -> String {
        String(map { $0.isNewline ? " " : $0 })
    }
}
