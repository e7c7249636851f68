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

    /// Runs `switchboard setup` with the terminal, then starts this binary again with the same
    /// arguments (the dashboard comes back, with the config setup wrote). Returns only when the
    /// dashboard cannot be started again.
    static func runSetupThenComeBack() {
        let me = SetupProof.ownExecutable()
        let setup = Process()
        setup.executableURL = URL(fileURLWithPath: me)
        setup.arguments = ["setup"]
        do {
            try setup.run()
            setup.waitUntilExit()
        } catch {
            Console.error("switchboard: cannot run setup: \(error.localizedDescription)")
            return
        }
        Console.out("\nBack to the dashboard… (Ctrl-C to stay in the shell)")
        Thread.sleep(forTimeInterval: 1)
        let arguments = CommandLine.arguments
        var cArguments = arguments.map { strdup($0) } + [nil]
        execv(me, &cArguments)
        Console.error("switchboard: could not start the dashboard again (errno \(errno))")
    }
}
