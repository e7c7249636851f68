import Foundation
import Proxy

/// The end of `setup`: one answer from the `claude` on PATH through the new set-up, with a
/// Switchboard started for the purpose (and stopped after) when none is running. When the user
/// let setup write Claude Code's settings, `claude` runs without any ANTHROPIC_* variable of
/// its own, so the answer proves the settings file works.
struct SetupProof {
    let configPath: String
    let config: SwitchboardConfig
    let settingsApplied: Bool
    let environment: [String: String]
    var prompt = "Reply with one short line: are you there?"
    var timeout = Duration.seconds(180)

    enum Outcome: Equatable {
        case answered(String)
        case failed(String)
    }

    func run() async -> Outcome {
        guard let claude = ClaudeCommand.findClaude(environment: environment) else {
            return .failed(
                "Claude Code is not on PATH (install it: npm install -g @anthropic-ai/claude-code, or set SWITCHBOARD_CLAUDE), then run: claude"
            )
        }
        let address = EnvScript.clientURL(config)
        var server: Process?
        let home = environment["HOME"] ?? NSHomeDirectory()
        let logPath =
            (LogFile.defaultPath(environment: environment, home: home) as NSString).deletingLastPathComponent
            + "/switchboard-setup.log"
        if !(await ClaudeCommand.isSwitchboard(at: address)) {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: Self.ownExecutable())
            process.arguments = ["serve", "--config", configPath]
            process.environment = environment
            process.standardInput = FileHandle.nullDevice
            process.standardOutput = FileHandle.nullDevice
            try? FileManager.default.createDirectory(
                atPath: (logPath as NSString).deletingLastPathComponent,
                withIntermediateDirectories: true
            )
            _ = FileManager.default.createFile(atPath: logPath, contents: nil, attributes: [.posixPermissions: 0o600])
            process.standardError = FileHandle(forWritingAtPath: logPath) ?? FileHandle.nullDevice
            do {
                try process.run()
            } catch {
                return .failed("could not start Switchboard: \(error.localizedDescription)")
            }
            server = process
            var up = false
            for _ in 0..<100 {
                if await ClaudeCommand.isSwitchboard(at: address) {
                    up = true
                    break
                }
                if !process.isRunning { break }
                try? await Task.sleep(for: .milliseconds(200))
            }
            guard up else {
                if process.isRunning { process.terminate() }
                process.waitUntilExit()
                let log = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
                let last = log.split(separator: "\n").last.map(String.init) ?? "no log"
                return .failed("Switchboard did not start at \(address) (exit \(process.terminationStatus)): \(last)")
            }
        }
        let outcome = await ask(claude)
        if let server {
            server.terminate()
            server.waitUntilExit()
        }
        return outcome
    }

    private func ask(_ claude: String) async -> Outcome {
        var childEnvironment = environment
        if settingsApplied {
            // Only Claude Code's settings file points it at Switchboard.
            for name in ["ANTHROPIC_BASE_URL", "ANTHROPIC_AUTH_TOKEN", "ANTHROPIC_API_KEY"] {
                childEnvironment.removeValue(forKey: name)
            }
        } else {
            for (name, value) in EnvScript.variables(config) { childEnvironment[name] = value }
        }
        let finished: ChildRun.Finished
        do {
            finished = try await ChildRun.run(
                claude,
                arguments: ["-p", prompt],
                environment: childEnvironment,
                capture: true,
                timeout: timeout
            )
        } catch {
            return .failed("cannot run \(claude): \(error.localizedDescription)")
        }
        let limit = timeout
        let status = finished.status
        let text = finished.output
        let problems = finished.errors
        let answer = text.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.first { !$0.isEmpty }
        guard let status else {
            return .failed("claude gave no answer within \(limit)")
        }
        if status == 0, let answer { return .answered(answer) }
        let said =
            (problems + "\n" + text).split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }.suffix(3).joined(separator: " | ")
        return .failed("claude exited with status \(status): \(said.isEmpty ? "no output" : said)")
    }

    /// This binary's path (to start `serve` with).
    static func ownExecutable() -> String {
        if let resolved = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            return resolved
        }
        return CommandLine.arguments[0]
    }
}
