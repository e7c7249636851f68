import Foundation

/// A real PostgreSQL server for a test (Debian's `postgresql`, installed by
/// `script/bootstrap --test`): a fresh cluster in a temp directory on a free port, trust
/// authentication on 127.0.0.1, run as `nobody` when the tests run as root. Stopped by `stop()`.
final class PostgresServer: Sendable {
    let directory: TemporaryDirectory
    let port: Int
    let binaries: String
    let asNobody: Bool

    var url: String { "postgres://postgres@127.0.0.1:\(port)/postgres" }
    var data: String { directory.url.path + "/data" }

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// The directory with initdb and pg_ctl, newest version first.
    static func binaryDirectory() throws -> String {
        let base = "/usr/lib/postgresql"
        let versions = (try? FileManager.default.contentsOfDirectory(atPath: base)) ?? []
        for version in versions.sorted(by: { (Int($0) ?? 0) > (Int($1) ?? 0) }) {
            let bin = "\(base)/\(version)/bin"
            if FileManager.default.isExecutableFile(atPath: bin + "/initdb") { return bin }
        }
        throw Failure(
            description: "PostgreSQL's initdb was not found under \(base) (script/bootstrap --test installs it)"
        )
    }

    /// Creates the cluster and starts the server.
    static func start() async throws -> PostgresServer {
        let server = try PostgresServer()
        try await server.run(
            server.binaries + "/initdb",
            ["-D", server.data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync"]
        )
        try await server.start()
        return server
    }

    private init() throws {
        directory = try TemporaryDirectory("postgres")
        port = try RawConnection.closedPort()
        binaries = try Self.binaryDirectory()
        asNobody = getuid() == 0
        if asNobody {
            try FileManager.default.setAttributes([.ownerAccountName: "nobody"], ofItemAtPath: directory.url.path)
        }
    }

    /// Starts the server (again, after ``stop()``) and waits until it accepts connections.
    func start() async throws {
        try await run(
            binaries + "/pg_ctl",
            [
                "-D", data, "-l", directory.url.path + "/server.log", "-w", "-t", "30",
                "-o", "-p \(port) -k \(directory.url.path) -c listen_addresses=127.0.0.1 -c fsync=off", "start",
            ]
        )
    }

    /// Stops the server (fast shutdown: connections are dropped).
    func stop() async {
        _ = try? await run(binaries + "/pg_ctl", ["-D", data, "-m", "fast", "-w", "stop"])
    }

    /// Runs SQL with psql and returns its unaligned output.
    func query(_ sql: String) async throws -> String {
        try await run(
            "/usr/bin/psql",
            ["-h", "127.0.0.1", "-p", "\(port)", "-U", "postgres", "-tA", "-c", sql],
            asUser: false
        )
        .trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @discardableResult
    private func run(_ executable: String, _ arguments: [String], asUser: Bool = true) async throws -> String {
        let process: ChildProcess
        if asNobody && asUser {
            process = try ChildProcess(
                name: "postgres-command",
                executable: "/usr/sbin/runuser",
                arguments: ["-u", "nobody", "--", executable] + arguments,
                environment: TestEnvironment.base()
            )
        } else {
            process = try ChildProcess(
                name: "postgres-command",
                executable: executable,
                arguments: arguments,
                environment: TestEnvironment.base()
            )
        }
        let status = await process.waitForExit(timeout: .seconds(60))
        guard status == .exited(0) else {
            if status == nil { await process.stop() }
            throw Failure(
                description:
                    "\(executable) \(arguments.joined(separator: " ")) failed (\(status?.description ?? "timed out")): "
                    + process.stdout + process.stderr
            )
        }
        return process.stdout
    }
}
