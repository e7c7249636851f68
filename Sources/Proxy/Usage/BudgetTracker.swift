import Foundation

/// How close spending is to a budget.
public enum BudgetLevel: Int, Sendable, Comparable {
    /// Below 80% (or no budget).
    case ok
    /// At 80% or more: the dashboard header turns yellow.
    case warning
    /// At 100% or more: red; with `enforce`, new requests are refused.
    case exceeded

    /// Orders by severity: `ok` < `warning` < `exceeded`.
    public static func < (lhs: BudgetLevel, rhs: BudgetLevel) -> Bool { lhs.rawValue < rhs.rawValue }

    static func of(spent: Double, limit: Double?) -> BudgetLevel {
        guard let limit, limit > 0 else { return .ok }
        if spent >= limit { return .exceeded }
        if spent >= limit * 0.8 { return .warning }
        return .ok
    }
}

/// The budget state for the dashboard header: the worst level among the budgets, and a line
/// saying which.
public struct BudgetStatus: Sendable, Equatable {
    /// The worst level among the global and per-provider budgets, daily and monthly.
    public var level: BudgetLevel
    /// Spending today and this month, all providers (USD).
    public var spentToday: Double
    /// Spending this calendar month (local time), all providers, in USD.
    public var spentThisMonth: Double
    /// E.g. "budget: daily $4.10 of $5.00 (82%)"; `nil` when every budget is below 80%.
    public var message: String?
}

/// Spending today and this month, per provider, against the global and per-provider budgets.
/// Says (once per budget and level) when spending reaches 80% and 100%.
struct BudgetTracker: Sendable {
    private(set) var day: String
    private(set) var month: String
    private(set) var daily: [String: Double] = [:]
    private(set) var monthly: [String: Double] = [:]
    private var announced: Set<String> = []
    private var days = DayKeys()

    /// A tracker with nothing spent, for the local day and month of `now`.
    init(now: Date = Date()) {
        day = days.key(for: now)
        month = String(day.prefix(7))
    }

    /// Adds spending already in the ledger (from earlier runs).
    mutating func seed(today: [String: Double], thisMonth: [String: Double]) {
        for (provider, cost) in today { daily[provider, default: 0] += cost }
        for (provider, cost) in thisMonth { monthly[provider, default: 0] += cost }
    }

    /// Moves to a new day or month when `now` is in one.
    mutating func roll(to now: Date) {
        let today = days.key(for: now)
        guard today != day else { return }
        day = today
        daily = [:]
        announced = announced.filter { !$0.contains(".daily.") }
        if String(today.prefix(7)) != month {
            month = String(today.prefix(7))
            monthly = [:]
            announced = []
        }
    }

    /// Adds one request's cost; returns the warnings to log (each budget and level once).
    mutating func add(cost: Double?, provider: String?, at date: Date = Date(), config: SwitchboardConfig)
        -> [String]
    {
        roll(to: date)
        if let cost, cost > 0 {
            let name = provider ?? ""
            daily[name, default: 0] += cost
            monthly[name, default: 0] += cost
        }
        var messages: [String] = []
        for (scope, budget, provider) in budgets(config) {
            for (period, spent, limit) in [
                ("daily", spent(daily, provider), budget.dailyUSD),
                ("monthly", spent(monthly, provider), budget.monthlyUSD),
            ] {
                let level = BudgetLevel.of(spent: spent, limit: limit)
                guard level > .ok, let limit else { continue }
                let key = "\(scope).\(period).\(level)"
                guard !announced.contains(key) else { continue }
                announced.insert(key)
                if level == .exceeded { announced.insert("\(scope).\(period).\(BudgetLevel.warning)") }
                let percent = Int((spent / limit * 100).rounded(.down))
                let what = level == .exceeded ? "reached" : "at 80% of"
                let enforce =
                    budget.enforce && level == .exceeded ? "; new requests are refused" : ""
                messages.append(
                    "budget: \(scope) spending \(what) its \(period) limit: \(Self.usd(spent)) of \(Self.usd(limit)) (\(percent)%)\(enforce)"
                )
            }
        }
        return messages
    }

    /// The error for a new request to `provider` when an enforced budget is used up.
    func refusal(provider: String, config: SwitchboardConfig, now: Date = Date()) -> APIError? {
        var copy = self
        copy.roll(to: now)
        for (scope, budget, scoped) in copy.budgets(config) where budget.enforce {
            if let scoped, scoped.lowercased() != provider.lowercased() { continue }
            for (period, spent, limit) in [
                ("daily", copy.spent(copy.daily, scoped), budget.dailyUSD),
                ("monthly", copy.spent(copy.monthly, scoped), budget.monthlyUSD),
            ] {
                guard let limit, spent >= limit else { continue }
                let key = scoped == nil ? "budget.\(period)_usd" : "\(scoped ?? "").budget.\(period)_usd"
                return APIError(
                    .rateLimit,
                    "Switchboard's \(period) budget for \(scope) is used up (\(Self.usd(spent)) of \(Self.usd(limit))); "
                        + "raise \(key) or set enforce to false in the config",
                    status: 429
                )
            }
        }
        return nil
    }

    /// The worst level among the budgets, for the dashboard header.
    func status(config: SwitchboardConfig) -> BudgetStatus {
        var worst = BudgetLevel.ok
        var message: String?
        for (scope, budget, provider) in budgets(config) {
            for (period, spent, limit) in [
                ("daily", spent(daily, provider), budget.dailyUSD),
                ("monthly", spent(monthly, provider), budget.monthlyUSD),
            ] {
                let level = BudgetLevel.of(spent: spent, limit: limit)
                if level > worst, let limit {
                    worst = level
                    let percent = Int((spent / limit * 100).rounded(.down))
                    message = "budget \(scope): \(period) \(Self.usd(spent)) of \(Self.usd(limit)) (\(percent)%)"
                }
            }
        }
        return BudgetStatus(
            level: worst,
            spentToday: daily.values.reduce(0, +),
            spentThisMonth: monthly.values.reduce(0, +),
            message: message
        )
    }

    private func budgets(_ config: SwitchboardConfig) -> [(scope: String, budget: Budget, provider: String?)] {
        var result: [(String, Budget, String?)] = []
        if let global = config.usage.budget { result.append(("all providers", global, nil)) }
        for provider in config.providers {
            if let budget = provider.budget { result.append((provider.name, budget, provider.name)) }
        }
        return result
    }

    private func spent(_ table: [String: Double], _ provider: String?) -> Double {
        guard let provider else { return table.values.reduce(0, +) }
        return table.filter { $0.key.lowercased() == provider.lowercased() }.values.reduce(0, +)
    }

    static func usd(_ value: Double) -> String { String(format: "$%.2f", value) }
}
