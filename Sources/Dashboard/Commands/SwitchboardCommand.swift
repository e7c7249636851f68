import ArgumentParser

/// `switchboard`: the proxy with its live dashboard, or one of the subcommands.

struct SwitchboardCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "switchboard",
        abstract: "Run Claude Code (or any Anthropic API client) on other providers' models, and watch it live.",
        discussion: """
            Started bare, opens the dashboard and runs the proxy on 127.0.0.1:3456 in the same process.
            Point Claude Code at it with: eval "$(switchboard env)"
            """,
        version: SwitchboardVersionText.text,
        subcommands: [DashboardCommand.self, ServeCommand.self, CheckCommand.self, EnvCommand.self],
        defaultSubcommand: DashboardCommand.self
    )
}
