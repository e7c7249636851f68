import Foundation

/// Decides each request's route. First match wins:
///
/// explicit `provider,model` → longContext (estimate above the threshold) → subagent tag →
/// image (the last user turn carries an image) → background (a `haiku` model) → webSearch (a
/// `web_search*` tool) → think (thinking enabled, or high effort) → default.
///
/// A rule whose route is not set is skipped, so the request falls through to the next rule
/// and finally to `default`.
///
/// The longContext threshold is in the tokens of the model the request would otherwise go to:
/// once `calibration` has learned that model's ratio to the cl100k estimate, the estimate is
/// scaled by it (a model whose tokenizer cuts finer reaches its threshold sooner).
struct Router: Sendable {
    /// The tag a subagent's system prompt uses to pick its model.
    static let subagentOpenTag = "<CCR-SUBAGENT-MODEL>"
    static let subagentCloseTag = "</CCR-SUBAGENT-MODEL>"

    let config: SwitchboardConfig
    let table: RouteTable
    /// Per-model ratios of reported prompt tokens to the estimate; nil reads the estimate as is.
    let calibration: TokenCalibration?

    init(config: SwitchboardConfig, table: RouteTable, calibration: TokenCalibration? = nil) {
        self.config = config
        self.table = table
        self.calibration = calibration
    }

    /// Routes `request`, removing any subagent tag from it (the tag is for the router, not the model).
    func route(_ request: inout MessagesRequest, estimatedTokens: Int) throws(APIError) -> RouteDecision {
        let subagent = Self.extractSubagentTag(&request)

        if let explicit = ModelRef(parsing: request.model) {
            guard let provider = config.provider(named: explicit.provider) else {
                let names = config.providers.map(\.name).joined(separator: ", ")
                throw APIError(
                    .invalidRequest,
                    "model \"\(request.model)\": provider \"\(explicit.provider)\" is not configured (configured: \(names))"
                )
            }
            return RouteDecision(
                kind: .explicit,
                target: ModelRef(provider: provider.name, model: explicit.model),
                reason: "the request named \(provider.name),\(explicit.model)"
            )
        }
        let otherwise = decideByContent(request, subagent: subagent, skipped: [])
        let tokens = calibration?.calibrated(estimatedTokens, for: otherwise.target) ?? estimatedTokens
        let size =
            tokens == estimatedTokens
            ? "about \(estimatedTokens) input tokens"
            : "about \(tokens) input tokens in \(otherwise.target)'s tokens (estimated \(estimatedTokens) in cl100k)"
        guard tokens > config.longContextThreshold else {
            // Below the threshold, but more than the routed model takes: longContext, when its
            // model's window fits the request (else the provider's refusal says so).
            guard let window = window(of: otherwise.target), tokens > window,
                let target = table.target(for: .longContext), target != otherwise.target,
                (self.window(of: target) ?? Int.max) >= tokens
            else { return otherwise }
            return RouteDecision(
                kind: .longContext,
                target: target,
                fallbacks: config.fallbacks[.longContext] ?? [],
                reason:
                    "\(size), more than \(otherwise.target)'s window of \(window) (the \(otherwise.kind) route's model)"
            )
        }
        guard let target = table.target(for: .longContext) else {
            // Decided again so the note leads, as it would have had longContext been tried first.
            return decideByContent(
                request,
                subagent: subagent,
                skipped: [
                    "\(size), above the \(config.longContextThreshold) threshold, but no longContext route is set"
                ]
            )
        }
        return RouteDecision(
            kind: .longContext,
            target: target,
            fallbacks: config.fallbacks[.longContext] ?? [],
            reason: "\(size), above the \(config.longContextThreshold) threshold"
        )
    }

    /// The context window of `model`, when known (config or published figure).
    private func window(of model: ModelRef) -> Int? {
        config.provider(named: model.provider)?.contextWindow(model: model.model)
    }

    /// Rules 3 to 8: where the request goes when it is not too long.
    private func decideByContent(_ request: MessagesRequest, subagent: String?, skipped: [String]) -> RouteDecision {
        var skipped = skipped
        func decide(_ kind: RouteKind, _ reason: String) -> RouteDecision? {
            guard let target = table.target(for: kind) else {
                skipped.append("\(reason), but no \(kind) route is set")
                return nil
            }
            let note = skipped.isEmpty ? "" : " (" + skipped.joined(separator: "; ") + ")"
            return RouteDecision(
                kind: kind,
                target: target,
                fallbacks: config.fallbacks[kind] ?? [],
                reason: reason + note
            )
        }
        if let subagent {
            if let ref = ModelRef(parsing: subagent), let provider = config.provider(named: ref.provider) {
                return RouteDecision(
                    kind: .subagent,
                    target: ModelRef(provider: provider.name, model: ref.model),
                    reason: "a subagent tag named \(provider.name),\(ref.model)"
                )
            }
            skipped.append("subagent tag \"\(subagent)\" names no configured provider")
        }
        if Self.lastUserTurnHasImage(request), let decision = decide(.image, "the last user turn has an image") {
            return decision
        }
        if request.model.lowercased().contains("haiku"),
            let decision = decide(.background, "\(request.model) is a background (haiku) model")
        {
            return decision
        }
        if request.tools.contains(where: { $0.type?.hasPrefix("web_search") == true }),
            let decision = decide(.webSearch, "the request offers a web_search tool")
        {
            return decision
        }
        if request.wantsThinking {
            let why =
                request.thinking?.type == "enabled" ? "thinking is enabled" : "effort is \(request.effort ?? "high")"
            if let decision = decide(.think, why) { return decision }
        }
        let target = table.target(for: .default) ?? config.routes[.default]!
        let note = skipped.isEmpty ? "" : " (" + skipped.joined(separator: "; ") + ")"
        return RouteDecision(
            kind: .default,
            target: target,
            fallbacks: config.fallbacks[.default] ?? [],
            reason: "default" + note
        )
    }

    /// `request`'s input tokens for `POST /v1/messages/count_tokens`: in the tokens of the model it would be routed
    /// to once that model's ratio is learned, else the cl100k estimate. Removes any subagent tag, as routing does.
    func countedTokens(_ request: inout MessagesRequest, estimatedTokens: Int) -> Int {
        guard let calibration, let decision = try? route(&request, estimatedTokens: estimatedTokens) else {
            _ = Self.extractSubagentTag(&request)
            return estimatedTokens
        }
        return calibration.calibrated(estimatedTokens, for: decision.target) ?? estimatedTokens
    }

    /// Finds `<CCR-SUBAGENT-MODEL>provider,model</CCR-SUBAGENT-MODEL>` in any system block,
    /// removes it, and returns what it named.
    static func extractSubagentTag(_ request: inout MessagesRequest) -> String? {
        var found: String?
        func strip(_ text: String) -> String {
            guard let open = text.range(of: subagentOpenTag),
                let close = text.range(of: subagentCloseTag, range: open.upperBound..<text.endIndex)
            else { return text }
            if found == nil { found = text[open.upperBound..<close.lowerBound].trimmingWhitespace() }
            var remainder = text
            remainder.removeSubrange(open.lowerBound..<close.upperBound)
            if remainder.hasPrefix("\n") { remainder.removeFirst() }
            return remainder
        }
        request.system = request.system.map(strip)
        for index in request.messages.indices where request.messages[index].role == .system {
            request.messages[index].content = request.messages[index].content.map { block in
                if case .text(let text) = block { return .text(strip(text)) }
                return block
            }
        }
        return found
    }

    static func lastUserTurnHasImage(_ request: MessagesRequest) -> Bool {
        guard let last = request.messages.last(where: { $0.role == .user }) else { return false }
        return last.content.contains { block in
            switch block {
            case .image: return true
            case .toolResult(let result):
                return result.content.contains { if case .image = $0 { return true } else { return false } }
            default: return false
            }
        }
    }
}
