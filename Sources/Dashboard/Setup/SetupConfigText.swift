import Foundation
import Proxy

/// The config `setup` writes: claude-code-router's format as JSON5, every line explained.
struct SetupConfigText {
    var provider: SetupProvider
    var baseURL: String
    /// `$VAR`, a literal key (then the file is written 0600), or nil (no key).
    var apiKey: String?
    var models: [String]
    var routes: [(kind: RouteKind, model: ModelRef, why: String)]
    var port: Int
    var date: Date

    /// The text, with `apiKey` shown as written or, for the screen, hidden when literal.
    func text(hidingLiteralKey: Bool = false) -> String {
        let day = ISO8601DateFormatter.string(
            from: date,
            timeZone: TimeZone(identifier: "UTC")!,
            formatOptions: [.withFullDate]
        )
        var lines: [String] = []
        lines.append("// Switchboard's config, written by `switchboard setup` on \(day). JSON5: comments and trailing")
        lines.append(
            "// commas are fine. Check it with `switchboard check`; grade models with `switchboard check --probe --card`."
        )
        lines.append("{")
        lines.append("  // The providers Switchboard sends Claude Code's requests to.")
        lines.append("  \"Providers\": [")
        lines.append("    {")
        lines.append("      // The name routes use: \"\(provider.name),<model>\".")
        lines.append("      \"name\": \(JSONValue.string(provider.name).jsonString),")
        lines.append("      // The provider's OpenAI-compatible chat endpoint.")
        lines.append("      \"api_base_url\": \(JSONValue.string(SetupProvider.chatEndpoint(baseURL)).jsonString),")
        if ProviderPreset(rawValue: provider.name) != nil {
            lines.append(
                "      // What Switchboard adjusts for this provider (also right behind a mirror or gateway URL)."
            )
            lines.append("      \"preset\": \(JSONValue.string(provider.name).jsonString),")
        }
        if let apiKey {
            if apiKey.hasPrefix("$") {
                lines.append(
                    "      // The key is read from this environment variable when Switchboard starts; it is not stored here."
                )
                lines.append("      \"api_key\": \(JSONValue.string(apiKey).jsonString),")
            } else {
                lines.append("      // The key itself (this file is readable by you only, mode 600).")
                let shown = hidingLiteralKey ? "<the key you typed, not shown>" : apiKey
                lines.append("      \"api_key\": \(JSONValue.string(shown).jsonString),")
            }
        }
        if let rpm = provider.requestsPerMinute {
            lines.append(
                "      // Requests a minute the provider allows; extra requests wait their turn instead of failing."
            )
            lines.append("      \"rpm\": \(rpm),")
        }
        lines.append("      // The models you chose; the dashboard's model switcher (m) offers these.")
        lines.append("      \"models\": [\(models.map { JSONValue.string($0).jsonString }.joined(separator: ", "))]")
        lines.append("    }")
        lines.append("  ],")
        lines.append("  // Which model serves which kind of Claude Code request (proposed from the report card).")
        lines.append("  \"Router\": {")
        for (index, route) in routes.enumerated() {
            let comma = index == routes.count - 1 ? "" : ","
            lines.append("    // \(Self.explanation(route.kind)): \(route.why).")
            lines.append(
                "    \(JSONValue.string(route.kind.rawValue).jsonString): \(JSONValue.string(route.model.description).jsonString)\(comma)"
            )
        }
        lines.append("  },")
        lines.append("  // Where Switchboard listens; Claude Code's ANTHROPIC_BASE_URL points here.")
        lines.append("  \"HOST\": \"127.0.0.1\",")
        lines.append("  \"PORT\": \(port)")
        lines.append("}")
        return lines.joined(separator: "\n") + "\n"
    }

    static func explanation(_ kind: RouteKind) -> String {
        switch kind {
        case .default: return "Everything else: the main coding model"
        case .background: return "Claude Code's small background jobs (titles, summaries)"
        case .think: return "Requests with thinking on (plan mode)"
        case .longContext: return "Conversations longer than longContextThreshold tokens"
        case .webSearch: return "Requests with the web search tool"
        case .image: return "Requests with images"
        case .explicit, .subagent: return kind.rawValue
        }
    }
}
