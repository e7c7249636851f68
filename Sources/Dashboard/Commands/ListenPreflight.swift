import ArgumentParser
import NIOCore
import NIOPosix
import Proxy

#if canImport(Glibc)
    import Glibc
#endif

/// Finds out, before anything else starts (the dashboard, the log file, the config watcher),
/// whether the proxy can listen where it is told to, so a busy port is one clear line and the
/// second instance never touches the first one's log.
enum ListenPreflight {
    /// Exit status when the proxy cannot listen (documented in `--help`).
    static let exitCode: Int32 = 3

    /// Prints the problem and exits with ``exitCode`` when `config`'s address cannot be bound,
    /// or with status 2 when it is open to the network without an `APIKEY`.
    static func check(_ config: SwitchboardConfig) async throws {
        if config.apiKey == nil, !isLoopback(config.host) {
            Console.error(
                "switchboard: refusing to listen on \(config.host) without an APIKEY: anyone who can reach this machine "
                    + "could spend your provider keys. Set one in the config (\"APIKEY\": \"$SWITCHBOARD_KEY\", and export "
                    + "SWITCHBOARD_KEY), or listen on 127.0.0.1"
            )
            throw ExitCode(2)
        }
        guard let problem = await problem(host: config.host, port: config.port) else { return }
        Console.error("switchboard: \(problem)")
        throw ExitCode(exitCode)
    }

    /// Whether `host` only takes connections from this machine (claude-code-router forces
    /// loopback without a key; Switchboard refuses anything else instead of changing it).
    static func isLoopback(_ host: String) -> Bool {
        let lowered = host.lowercased()
        if lowered == "localhost" || lowered == "::1" || lowered == "[::1]" || lowered.hasSuffix(".localhost") {
            return true
        }
        let parts = lowered.split(separator: ".")
        return parts.count == 4 && parts[0] == "127" && parts.allSatisfy { UInt8($0) != nil }
    }

    /// `nil` when `host`:`port` can be bound, else the line to print.
    static func problem(host: String, port: Int) async -> String? {
        guard port != 0 else { return nil }
        do {
            let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .bind(host: host, port: port).get()
            try? await channel.close()
            return nil
        } catch {
            return describe(error, host: host, port: port)
        }
    }

    /// A bind failure as one line that says what to do.
    static func describe(_ error: any Error, host: String, port: Int) -> String {
        let address = host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        if let error = error as? IOError {
            switch error.errnoCode {
            case EADDRINUSE:
                return
                    "port \(port) on \(host) is already in use (another Switchboard? try: curl -s http://\(address)/health); start this one with --port N, or stop the other"
            case EADDRNOTAVAIL:
                return
                    "cannot listen on \(address): \(host) is not an address of this machine; use --host 127.0.0.1 (or an address this machine has)"
            case EACCES:
                return
                    "cannot listen on \(address): permission denied (ports below 1024 need privileges); use --port 3456"
            default:
                return "cannot listen on \(address): \(error.description)"
            }
        }
        if error is SocketAddressError || error is SocketAddressError.UnknownHost {
            return "cannot listen on \(address): the host name \"\(host)\" does not resolve; use --host 127.0.0.1"
        }
        return "cannot listen on \(address): \(error)"
    }
}

/// The server could not start listening (the address was taken between the preflight and
/// the real bind, or cannot be bound): said in one line by the command.
struct ListenFailure: Error {
    let message: String
}
