import Foundation
import Proxy

/// The dashboard started bare (no config file, no key): it says what is missing and offers
/// `setup` on `s`, which leaves the dashboard, runs setup in the terminal, and comes back.
enum SetupOffer {
    /// What is missing, or nil when the config can serve.
    static func missing(_ config: SwitchboardConfig) -> String? {
        guard config.source == .builtin else { return nil }
        guard let provider = config.providers.first(where: { $0.apiKeys.isEmpty }) else { return nil }
        let variable = provider.missingKeyVariable.map { " and no $\($0)" } ?? " and no key for \(provider.name)"
        return "No config\(variable): requests will fail"
    }

    /// Replaces this process with a shell that runs `switchboard setup` with the terminal, waits
    /// for Enter (setup's last lines, such as what to do when Claude Code is not installed, stay
    /// on the screen until they have been read), then starts the dashboard again with the same
    /// arguments (it comes back with the config setup wrote). A shell rather than a child
    /// process: setup must stay in the terminal's foreground process group to read the answers
    /// (Foundation's Process puts children in a group of their own, where reading the terminal
    /// fails). Returns only when the shell cannot start.
    static func runSetupThenComeBack() {
        let me = SetupProof.ownExecutable()
        // The dashboard may have left standard input non-blocking; setup's questions need blocking reads.
        let flags = fcntl(0, F_GETFL)
        if flags >= 0 { _ = fcntl(0, F_SETFL, flags & ~O_NONBLOCK) }
        let script = """
            "$0" setup
            printf '\\nPress Enter to go back to the dashboard (Ctrl-C to stay in your shell) '
            read -r _
            exec "$0" "$@"
            """
        let arguments = ["/bin/sh", "-c", script, me] + CommandLine.arguments.dropFirst()
        var cArguments = arguments.map { strdup($0) } + [nil]
        execv("/bin/sh", &cArguments)
        Console.error("switchboard: could not run setup (errno \(errno)); run it yourself: switchboard setup")
    }
}
