import Logging

/// Maps config and command-line level names to swift-log levels.
enum LogLevelName {
    static func parse(_ name: String) -> Logger.Level? {
        switch name.lowercased() {
        case "trace": return .trace
        case "debug": return .debug
        case "info": return .info
        case "notice": return .notice
        case "warn", "warning": return .warning
        case "error": return .error
        case "fatal", "critical": return .critical
        default: return nil
        }
    }
}
