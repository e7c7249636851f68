import Foundation
import Proxy

/// Runs a program to its end: the one runner behind `switchboard claude` (the terminal is
/// handed to the child) and setup's proof (its output captured, a time limit).
enum ChildRun {
    /// How the child ended.
    struct Finished: Sendable {
        /// Its exit status; `nil` when the time limit passed first (the child is then stopped).
        var status: Int32?
        /// Its standard output (captured runs only).
        var output = ""
        /// Its standard error (captured runs only).
        var errors = ""
    }

    /// Runs `path` with `arguments` and `environment` and waits for it. With `capture`, standard
    /// input is empty and both outputs are collected; without, the child shares this process's
    /// terminal. Throws when the program cannot be started.
    static func run(
        _ path: String,
        arguments: [String],
        environment: [String: String],
        capture: Bool,
        timeout: Duration? = nil
    ) async throws -> Finished {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        process.environment = environment
        let output = Pipe()
        let errors = Pipe()
        if capture {
            process.standardInput = FileHandle.nullDevice
            process.standardOutput = output
            process.standardError = errors
        }
        let exited = AsyncStream<Int32>.makeStream()
        process.terminationHandler = { finished in
            exited.continuation.yield(finished.terminationStatus)
            exited.continuation.finish()
        }
        try process.run()
        // Read while the child runs: a full pipe would stop it.
        let outputReader = output.fileHandleForReading
        let errorReader = errors.fileHandleForReading
        let collected = capture ? (Self.readToEnd(outputReader), Self.readToEnd(errorReader)) : nil
        let status = await valueWithin(timeout) { () -> Int32? in
            for await status in exited.stream { return status }
            return nil
        }
        if status == nil, process.isRunning { process.terminate() }
        var finished = Finished(status: status)
        if let (stdout, stderr) = collected {
            finished.output = String(decoding: await stdout.value, as: UTF8.self)
            finished.errors = String(decoding: await stderr.value, as: UTF8.self)
        }
        return finished
    }

    /// Everything `handle` gives until its end, read on a dispatch thread: a blocking read on a
    /// task would hold one of NIO's event loops (Swift Concurrency's executor here), and two of
    /// them would hold both, so the time limit could not fire.
    static func readToEnd(_ handle: FileHandle) -> Task<Data, Never> {
        let (stream, continuation) = AsyncStream<Data>.makeStream()
        DispatchQueue.global().async {
            continuation.yield(handle.readDataToEndOfFile())
            continuation.finish()
        }
        return Task {
            for await data in stream { return data }
            return Data()
        }
    }
}
