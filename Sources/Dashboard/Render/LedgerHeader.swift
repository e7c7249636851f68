import Proxy

/// The header's figures from the usage ledger: today's totals (every run of today, so they
/// survive a restart), the budgets' level, and a warning line when the ledger needs attention.
/// Nothing at all while the ledger is off, and nothing that passes for a figure before the
/// ledger has been read.
enum LedgerHeader {
    /// `today 48 req 1.2M tok $3.41`; `nil` while the ledger is off or not read yet.
    static func today(_ state: DashboardState) -> String? {
        guard state.ledgerEnabled, let ledger = state.ledger else { return nil }
        guard let today = ledger.today else { return ledger.readError == nil ? nil : "today: ?" }
        let tokens = today.inputTokens + today.cacheReadTokens + today.outputTokens
        let cost = Format.usd(today.costUSD, partial: today.costUSD != nil && today.unpriced > 0)
        return "today \(Format.count(today.requests)) req \(Format.count(tokens)) tok \(cost)"
    }

    /// The worst budget level (the header's today figures turn yellow at 80%, red at 100%).
    static func budgetLevel(_ state: DashboardState) -> BudgetLevel {
        guard state.ledgerEnabled else { return .ok }
        return state.ledger?.status?.budget.level ?? .ok
    }

    /// The line under the header when the ledger needs attention: a budget at 80% or more,
    /// rows that cannot be written or wait for PostgreSQL, a file that cannot be read. `level`
    /// picks the colour (red for a budget used up).
    static func banner(_ state: DashboardState) -> (text: String, level: BudgetLevel)? {
        guard state.ledgerEnabled, let ledger = state.ledger else { return nil }
        var parts: [String] = []
        let status = ledger.status
        if let status, status.budget.level > .ok, let message = status.budget.message { parts.append(message) }
        if let status, let problem = status.writeProblem {
            parts.append("ledger: \(status.waiting) waiting, not written (\(problem)); requests still served")
        } else if let status, status.waitingForPostgres > 0 {
            parts.append("ledger: \(status.waitingForPostgres) waiting (PostgreSQL unreachable; sent when it is back)")
        }
        if let error = ledger.readError { parts.append("ledger cannot be read: \(error)") }
        guard !parts.isEmpty else { return nil }
        let level = status?.budget.level == .exceeded ? BudgetLevel.exceeded : .warning
        return (parts.joined(separator: "  •  "), level)
    }

    /// The colour of a budget level (`nil`: the default).
    static func color(_ level: BudgetLevel) -> CellGrid.Style.Color? {
        switch level {
        case .ok: return nil
        case .warning: return .yellow
        case .exceeded: return .red
        }
    }
}
