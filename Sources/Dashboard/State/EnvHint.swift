import Foundation
import Proxy

/// The `switchboard env` command the empty Requests pane suggests, made to work for this
/// instance: `env` alone prints 127.0.0.1:3456 and reads the config it finds itself, so the
/// command names the real address when it is not the default, and the config when `env`
/// would find another one.
enum EnvHint {
    static let defaultCommand = #"eval "$(switchboard env)""#

    /// The command for an instance listening on `listenAddress` (`http://host:port`), with
    /// `--config configArgument` when there is one.
    static func command(listenAddress: String, configArgument: String?) -> String {
        var arguments: [String] = []
        if let (host, port) = hostAndPort(listenAddress), host != "127.0.0.1" || port != 3456 {
            if host != "127.0.0.1" { arguments += ["--host", host] }
            arguments += ["--port", "\(port)"]
        }
        if let configArgument { arguments += ["--config", shellWord(configArgument)] }
        return "eval \"$(switchboard env\(arguments.map { " " + $0 }.joined()))\""
    }

    /// The config to name: the instance's file, when `env` looking by itself would find another
    /// (`defaultSource`: what it finds; `nil` when that fails). Absolute, so it works from any
    /// directory.
    static func configArgument(source: SwitchboardConfig.Source, defaultSource: SwitchboardConfig.Source?)
        -> String?
    {
        guard let path = source.path else { return nil }
        let absolute = URL(fileURLWithPath: path).standardizedFileURL.path
        if let other = defaultSource?.path, URL(fileURLWithPath: other).standardizedFileURL.path == absolute {
            return nil
        }
        return absolute
    }

    static func hostAndPort(_ address: String) -> (String, Int)? {
        guard let url = URLComponents(string: address), let port = url.port, var host = url.host, !host.isEmpty
        else { return nil }
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        return (host, port)
    }

    /// `text` as one shell word: as is when it is plainly safe, else single-quoted.
    static func shellWord(_ text: String) -> String {
        let safe = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/._-+:@%,")
        if !text.isEmpty, text.unicodeScalars.allSatisfy(safe.contains) { return text }
        return "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
