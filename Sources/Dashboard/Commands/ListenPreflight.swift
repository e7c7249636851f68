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

    /// Prints the problem and exits with ``exitCode`` when `config`'s address cannot be bound.
    static func check(_ config: SwitchboardConfig) async throws {
        guard let problem = await problem(host: config.host, port: config.port) else { return }
        Console.error("switchboard: \(problem)")
        throw ExitCode(exitCode)
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
