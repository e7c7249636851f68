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
            return "could not connect to \(error.host):\(error.port)"
        }
        let text = "\(error)"
        for (needle, plain) in [
            ("Connection refused", "connection refused"), ("Connection reset", "connection reset by the provider"),
            ("No route to host", "no route to host"), ("Network is unreachable", "network unreachable"),
            ("certificate", "TLS certificate problem: \(text)"), ("NXDOMAIN", "host name not found"),
            ("Name or service not known", "host name not found"),
        ] where text.contains(needle) {
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
