import Foundation
import Logging
import Proxy

/// Sets up swift-log for the process. Every line passes through the secret redactor.
enum ProxyLogging {
    /// Logs go to standard error; the dashboard points standard error at its log file first
    /// (see ``LogFile``).
    static func bootstrap(config: SwitchboardConfig) -> Logger {
        let redactor = SecretRedactor(secrets: config.secrets)
        let level = config.log ? (LogLevelName.parse(config.logLevel) ?? .info) : .error
        LoggingSystem.bootstrap { label in
            var handler = RedactingLogHandler(base: StreamLogHandler.standardError(label: label), redactor: redactor)
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
