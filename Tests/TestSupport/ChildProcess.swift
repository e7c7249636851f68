import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A process the tests start: stdout and stderr go to files in a private temp directory (no
/// pipe can fill up and stall the child), stdin is `/dev/null`, signal dispositions are reset
/// to their defaults (a shell may have started `swift test` with SIGINT ignored) and no file
/// descriptor of the test process leaks into it.
///
/// Every child is registered with ``OrphanGuard``, so it is killed even if the test process
/// dies without running its `defer`s.
///
/// Every wait has an `async` form (polling with `Task.sleep`) and a blocking one, for
/// synchronous test code (a suite's `init`, helpers called without `await`).
public final class ChildProcess: Sendable {
    public enum Termination: Equatable, Sendable, CustomStringConvertible {
        case exited(Int32)
        case signalled(Int32)

        public var description: String {
            switch self {
            case .exited(let code): return "exit code \(code)"
            case .signalled(let signal): return "signal \(signal)"
            }
        }
    }

    public struct SpawnError: Error, CustomStringConvertible {
        public var description: String

        public init(description: String) {
            self.description = description
        }
    }

    public let pid: pid_t
    public let name: String
    public let directory: URL
    public let stdoutURL: URL
    public let stderrURL: URL
    private let termination = Mutex<Termination?>(nil)

    /// Starts `executable` with `arguments`. `environment` replaces the inherited one.
    /// - Parameters:
    ///   - standardInput: the file the child reads as stdin.
    ///   - mergingStandardError: stderr goes to the stdout file too (`stderr` is then empty).
    public init(
        name: String,
        executable: String,
        arguments: [String],
        environment: [String: String],
        standardInput: String = "/dev/null",
        mergingStandardError: Bool = false
    ) throws {
        self.name = name
        directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("switchboard-integ-\(name)-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        stdoutURL = directory.appendingPathComponent("stdout.txt")
        stderrURL = directory.appendingPathComponent("stderr.txt")

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, standardInput, O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, stdoutURL.path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        if mergingStandardError {
            _ = FileManager.default.createFile(atPath: stderrURL.path, contents: nil)
            posix_spawn_file_actions_adddup2(&actions, 1, 2)
        } else {
            posix_spawn_file_actions_addopen(&actions, 2, stderrURL.path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGINT, SIGTERM, SIGPIPE, SIGHUP, SIGQUIT, SIGCHLD] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        var noMask = sigset_t()
        sigemptyset(&noMask)
        posix_spawnattr_setsigmask(&attributes, &noMask)
        #if os(Linux)
            closeInheritedDescriptors(&actions)
            posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))
        #else
            posix_spawnattr_setflags(
                &attributes,
                Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_CLOEXEC_DEFAULT)
            )
        #endif

        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for pointer in argv { free(pointer) }
            for pointer in envp { free(pointer) }
        }
        var child: pid_t = 0
        let result = OrphanGuard.shared.spawning {
            posix_spawn(&child, executable, &actions, &attributes, argv, envp) == 0 ? child : nil
        }
        guard result != nil else {
            throw SpawnError(description: "cannot start \(executable): \(String(cString: strerror(errno)))")
        }
        pid = child
    }

    deinit {
        // Last resort: a child whose owner forgot to stop it must not outlive the tests.
        if termination.withLock({ $0 == nil }) {
            kill(pid, SIGKILL)
            var status: Int32 = 0
            waitpid(pid, &status, 0)
            OrphanGuard.shared.reaped(pid)
        }
        try? FileManager.default.removeItem(at: directory)
    }

    /// Everything the child wrote to stdout so far.
    public var stdout: String { (try? String(contentsOf: stdoutURL, encoding: .utf8)) ?? "" }
    /// Everything the child wrote to stderr so far.
    public var stderr: String { (try? String(contentsOf: stderrURL, encoding: .utf8)) ?? "" }

    /// How the child ended, if it has (reaping it when it just did).
    public var exitStatus: Termination? {
        termination.withLock { known in
            if let known { return known }
            var status: Int32 = 0
            let reaped = waitpid(pid, &status, WNOHANG)
            guard reaped == pid else { return nil }
            let low = status & 0x7f
            let ended: Termination = low == 0 ? .exited((status >> 8) & 0xff) : .signalled(low)
            known = ended
            OrphanGuard.shared.reaped(pid)
            return ended
        }
    }

    public var isRunning: Bool { exitStatus == nil }

    /// Sends `signal` (if the child still runs).
    public func send(_ signal: Int32) {
        if isRunning { kill(pid, signal) }
    }

    /// Waits up to `timeout` for the child to end.
    @discardableResult
    public func waitForExit(timeout: Duration) async -> Termination? {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let status = exitStatus { return status }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return exitStatus
    }

    /// The same, blocking the calling thread (`nil` timeout: until it ends).
    @discardableResult
    public func waitForExitBlocking(timeout: Duration? = nil) -> Termination? {
        let deadline = timeout.map { ContinuousClock.now + $0 }
        while deadline.map({ ContinuousClock.now < $0 }) ?? true {
            if let status = exitStatus { return status }
            usleep(2_000)
        }
        return exitStatus
    }

    /// SIGTERM, then SIGKILL if it has not ended within `grace`. Always reaps the child.
    @discardableResult
    public func stop(grace: Duration = .seconds(3)) async -> Termination {
        if let status = exitStatus { return status }
        kill(pid, SIGTERM)
        if let status = await waitForExit(timeout: grace) { return status }
        kill(pid, SIGKILL)
        while true {
            if let status = exitStatus { return status }
            try? await Task.sleep(for: .milliseconds(5))
        }
    }

    /// The same, blocking the calling thread.
    @discardableResult
    public func stopBlocking(grace: Duration = .seconds(3)) -> Termination {
        if let status = exitStatus { return status }
        kill(pid, SIGTERM)
        if let status = waitForExitBlocking(timeout: grace) { return status }
        kill(pid, SIGKILL)
        return waitForExitBlocking()!
    }

    /// Waits until stdout has a line for which `match` returns a value, failing early if the
    /// child exits first.
    public func waitForStdoutLine<T>(timeout: Duration, _ match: (Substring) -> T?) async throws -> T {
        let deadline = ContinuousClock.now + timeout
        while true {
            if let value = try stdoutLine(before: deadline, timeout: timeout, match) { return value }
            try await Task.sleep(for: .milliseconds(10))
        }
    }

    /// The same, blocking the calling thread.
    public func waitForStdoutLineBlocking<T>(timeout: Duration, _ match: (Substring) -> T?) throws -> T {
        let deadline = ContinuousClock.now + timeout
        while true {
            if let value = try stdoutLine(before: deadline, timeout: timeout, match) { return value }
            usleep(10_000)
        }
    }

    /// One look at stdout for ``waitForStdoutLine(timeout:_:)``: the value, `nil` to look again
    /// later, or an error when the child has ended or `deadline` has passed.
    private func stdoutLine<T>(before deadline: ContinuousClock.Instant, timeout: Duration, _ match: (Substring) -> T?)
        throws -> T?
    {
        for line in stdout.split(separator: "\n") {
            if let value = match(line) { return value }
        }
        if let status = exitStatus {
            throw SpawnError(
                description:
                    "\(name) ended (\(status)) before printing the expected line.\nstdout:\n\(stdout)\nstderr:\n\(stderr)"
            )
        }
        if ContinuousClock.now > deadline {
            throw SpawnError(
                description:
                    "\(name) printed no expected line within \(timeout).\nstdout:\n\(stdout)\nstderr:\n\(stderr)"
            )
        }
        return nil
    }
}

/// Kills the tests' children if the test process dies abruptly (a crash skips every `defer`).
///
/// A small watchdog process reads child pids on its stdin (`+pid` when started, `-pid` when
/// reaped). Only the test process holds the pipe's write end (it is close-on-exec and children
/// close every inherited descriptor), so when the test process ends for any reason the
/// watchdog sees end-of-file and SIGKILLs whatever is still registered.
final class OrphanGuard: Sendable {
    static let shared = OrphanGuard()

    private static let watchdogScript = """
        import os, signal, sys
        pids = set()
        for line in sys.stdin:
            line = line.strip()
            if line.startswith("+"): pids.add(int(line[1:]))
            elif line.startswith("-"): pids.discard(int(line[1:]))
        for pid in pids:
            try: os.kill(pid, signal.SIGKILL)
            except OSError: pass
        """

    /// The watchdog's stdin; -1 when it could not be started (the tests still clean up normally).
    private let pipe = Mutex<Int32>(-1)

    private init() {
        var fds: [Int32] = [0, 0]
        guard closeOnExecPipe(&fds) else { return }
        guard let python = ScriptedUpstream.pythonPath() else {
            close(fds[0])
            close(fds[1])
            return
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, fds[0], 0)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        #if os(Linux)
            closeInheritedDescriptors(&actions)
        #endif
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // Its own process group: a Ctrl-C aimed at `swift test` must not kill it before it kills the children.
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP))
        let words: [String] = [python, "-c", Self.watchdogScript]
        let argv = words.map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var child: pid_t = 0
        let spawned = posix_spawn(&child, python, &actions, &attributes, argv, environ) == 0
        close(fds[0])
        if spawned {
            pipe.withLock { $0 = fds[1] }
        } else {
            close(fds[1])
        }
    }

    /// Runs `spawn` and registers the pid it returns, under one lock, so no child is ever unregistered.
    func spawning(_ spawn: () -> pid_t?) -> pid_t? {
        pipe.withLock { fd in
            guard let pid = spawn() else { return nil }
            if fd >= 0 { Self.write(fd, "+\(pid)\n") }
            return pid
        }
    }

    func reaped(_ pid: pid_t) {
        pipe.withLock { fd in
            if fd >= 0 { Self.write(fd, "-\(pid)\n") }
        }
    }

    private static func write(_ fd: Int32, _ text: String) {
        var bytes = Array(text.utf8)
        _ = bytes.withUnsafeMutableBytes { buffer in
            #if canImport(Glibc)
                Glibc.write(fd, buffer.baseAddress, buffer.count)
            #else
                Darwin.write(fd, buffer.baseAddress, buffer.count)
            #endif
        }
    }
}

/// A pipe with close-on-exec on both ends (`pipe2` is not visible from Swift's Glibc module).
private func closeOnExecPipe(_ fds: inout [Int32]) -> Bool {
    guard pipe(&fds) == 0 else { return false }
    _ = fcntl(fds[0], F_SETFD, FD_CLOEXEC)
    _ = fcntl(fds[1], F_SETFD, FD_CLOEXEC)
    return true
}

#if os(Linux)
    /// Adds "close every descriptor from 3 up" to `actions` (glibc ≥ 2.34), so a child never holds
    /// the tests' sockets or the watchdog pipe. Looked up at run time: Swift's Glibc module does not
    /// export the GNU extension.
    private func closeInheritedDescriptors(_ actions: inout posix_spawn_file_actions_t) {
        typealias CloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
        guard let symbol = dlsym(nil, "posix_spawn_file_actions_addclosefrom_np") else { return }
        _ = unsafeBitCast(symbol, to: CloseFrom.self)(&actions, 3)
    }
#endif
