import ArgumentParser

/// `switchboard`: the proxy with its live dashboard, or one of the subcommands.

struct SwitchboardCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "switchboard",
        abstract: "Run Claude Code (or any Anthropic API client) on other providers' models, and watch it live.",
        discussion: """
            Started bare, opens the dashboard and runs the proxy on 127.0.0.1:3456 in the same process.
            Point Claude Code at it with: eval "$(switchboard env)"

            \(exitStatusHelp)
            """,
        version: SwitchboardVersionText.text,
        subcommands: [
            DashboardCommand.self, ServeCommand.self, CheckCommand.self, EnvCommand.self, ClaudeCommand.self,
            StatsCommand.self, StatuslineCommand.self, SessionsCommand.self, SetupCommand.self,
        ],
        defaultSubcommand: DashboardCommand.self
    )
}

/// The exit statuses, listed in `--help`.
let exitStatusHelp = """
    Exit status:
      0   success (the proxy stopped by a signal or q)
      1   failed while running; check --probe: a model did not answer
      2   config error (the message names the key, or the line and column)
      3   cannot listen: the port is in use or the address is not this machine's
      64  usage error (unknown command or option)
    """
