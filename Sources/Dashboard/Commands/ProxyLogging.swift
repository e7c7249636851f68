import Foundation
import Logging
import Proxy

/// Sets up swift-log for the process. Every line passes through the secret redactor.
enum ProxyLogging {
    /// Logs go to standard error; the dashboard points standard error at its log file first
    /// (see ``LogFile``).
    /// - Parameter role: the tag of lines the command itself writes (`serve`, `dashboard`).
    /// - Parameter output: where lines go (standard error unless a command needs the terminal
    ///   for something else, as `claude` does).
    static func bootstrap(config: SwitchboardConfig, role: String, output: FileHandle = .standardError) -> Logger {
        let redactor = SecretRedactor(secrets: config.secrets)
        let level = config.log ? (LogLevelName.parse(config.logLevel) ?? .info) : .error
        let json = config.logFormat == .json
        LoggingSystem.bootstrap { _ in
            var handler = RedactingLogHandler(
                base: LogLineHandler(role: role, json: json, output: output),
                redactor: redactor
            )
            handler.logLevel = level
            return handler
        }
        var logger = Logger(label: "switchboard")
        logger.logLevel = level
        return logger
    }
}

/// Masks secrets in messages and metadata before the wrapped handler writes them.
struct RedactingLogHandler: LogHandler {
    var base: any LogHandler
    let redactor: SecretRedactor

    var logLevel: Logger.Level {
        get { base.logLevel }
        set { base.logLevel = newValue }
    }

    var metadata: Logger.Metadata {
        get { base.metadata }
        set { base.metadata = newValue }
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { base[metadataKey: key] }
        set { base[metadataKey: key] = newValue }
    }

    func log(event: LogEvent) {
        var event = event
        event.message = "\(redactor.redact(event.message.description))"
        event.metadata = event.metadata?.mapValues { Logger.Metadata.Value.string(redactor.redact("\($0)")) }
        base.log(event: event)
    }
}

/// Writes one line per event to standard error: time, level, the component that wrote it
/// (`[proxy]`, `[config]`, `[serve]`…), the message, then the metadata as `key=value` (a
/// request line's fields in a fixed order, the rest sorted); with `LOG_FORMAT` `json`, one JSON
/// object per line with the same fields, for Loki, Elastic and the like.
///
/// The component is the `component` metadata when set, else the module that logged, named
/// for what it is: the executable's own lines carry the command's role, not `Dashboard`.
struct LogLineHandler: LogHandler {
    let role: String
    var json = false
    var output = FileHandle.standardError
    var logLevel: Logger.Level = .info
    var metadata: Logger.Metadata = [:]

    /// Request-line fields, in the order people read them.
    static let leadingKeys = [
        "route", "provider", "model", "stream", "ttft", "duration", "in", "out", "error", "reason",
    ]

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        output.write(Data((format(event, time: Self.timestamp()) + "\n").utf8))
    }

    /// The line for `event`, without its newline.
    func format(_ event: LogEvent, time: String) -> String {
        var merged = metadata
        if let extra = event.metadata { merged.merge(extra) { $1 } }
        let component =
            merged.removeValue(forKey: "component").map { "\($0)" } ?? Self.component(event.source, role: role)
        let fields = Self.ordered(merged)
        if json {
            var object = JSONObject()
            object["time"] = .string(time)
            object["level"] = .string("\(event.level)")
            object["component"] = .string(component)
            object["message"] = .string("\(event.message)")
            for (key, value) in fields where object[key] == nil { object[key] = .string(value) }
            return JSONValue.object(object).jsonString
        }
        var line = "\(time) \(event.level) [\(component)] \(event.message)"
        for (key, value) in fields {
            let quoted =
                value.contains(" ") || value.isEmpty
                ? "\"" + value.replacingOccurrences(of: "\"", with: "\\\"") + "\"" : value
            line += " \(key)=\(quoted)"
        }
        return line
    }

    /// Metadata as `(key, value)` pairs: the request-line fields first, the rest sorted.
    static func ordered(_ metadata: Logger.Metadata) -> [(String, String)] {
        let leading = leadingKeys.compactMap { key in metadata[key].map { (key, "\($0)") } }
        let rest = metadata.filter { !leadingKeys.contains($0.key) }.sorted { $0.key < $1.key }.map {
            ($0.key, "\($0.value)")
        }
        return leading + rest
    }

    /// The tag for a module's lines.
    static func component(_ source: String, role: String) -> String {
        switch source {
        case "Dashboard": return role
        case "Proxy": return "proxy"
        case "ServiceLifecycle": return "lifecycle"
        case "Hummingbird", "HummingbirdCore": return "http"
        default: return source.lowercased()
        }
    }

    static func timestamp() -> String {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        var seconds = now.tv_sec
        var parts = tm()
        localtime_r(&seconds, &parts)
        var buffer = [CChar](repeating: 0, count: 32)
        let count = strftime(&buffer, buffer.count, "%Y-%m-%dT%H:%M:%S%z", &parts)
        return String(decoding: buffer.prefix(count).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
