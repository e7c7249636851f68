import ArgumentParser

/// What the command line gets before swift-argument-parser sees it. With a default subcommand,
/// the parser reads a mistyped subcommand (`switchboard chek`) as an argument of the dashboard
/// and prints the dashboard's usage, and reads `switchboard -h serve` as the dashboard's help.
enum CommandLineFixups {
    enum Outcome: Equatable {
        /// Parse these arguments.
        case run([String])
        /// Print this to standard error and exit with status 64 (usage).
        case usageError(String)
    }

    /// The subcommands' names, `help` included.
    static var commandNames: [String] {
        SwitchboardCommand.configuration.subcommands.compactMap { $0.configuration.commandName } + ["help"]
    }

    static func fix(_ arguments: [String], commands: [String] = commandNames) -> Outcome {
        guard let first = arguments.first else { return .run(arguments) }
        if !first.hasPrefix("-"), !commands.contains(first) {
            var message = "switchboard: unknown command '\(first)'."
            if let guess = closest(to: first, in: commands) { message += " Did you mean '\(guess)'?" }
            message += "\nCommands: \(commands.joined(separator: ", ")). See: switchboard --help"
            return .usageError(message)
        }
        let helpFlags: Set<String> = ["-h", "--help", "-help"]
        if arguments.contains(where: helpFlags.contains),
            let command = arguments.first(where: { commands.contains($0) && $0 != "help" })
        {
            return .run(["help", command])
        }
        return .run(arguments)
    }

    /// The command `word` is most likely a typo of: a prefix of it, or at most two edits away.
    static func closest(to word: String, in commands: [String]) -> String? {
        let lowered = word.lowercased()
        if let prefixed = commands.first(where: { $0.hasPrefix(lowered) && lowered.count >= 2 }) { return prefixed }
        let scored = commands.map { ($0, distance(lowered, $0)) }.filter { $0.1 <= 2 }
        return scored.min { $0.1 < $1.1 }?.0
    }

    /// Levenshtein distance.
    static func distance(_ lhs: String, _ rhs: String) -> Int {
        let left = Array(lhs)
        let right = Array(rhs)
        var previous = Array(0...right.count)
        for (i, a) in left.enumerated() {
            var current = [i + 1] + Array(repeating: 0, count: right.count)
            for (j, b) in right.enumerated() {
                current[j + 1] = min(previous[j + 1] + 1, current[j] + 1, previous[j] + (a == b ? 0 : 1))
            }
            previous = current
        }
        return previous[right.count]
    }
}
