import Foundation

/// Where the ledger is kept (`"USAGE_DB"`).
public enum UsageDestination: Sendable, Equatable {
    /// The default file, `$XDG_STATE_HOME/switchboard/usage.sqlite`.
    case defaultFile
    /// A SQLite file at this path.
    case file(String)
    /// A PostgreSQL URL; the default SQLite file is the outbox rows are shipped from.
    case postgres(String)
    /// No ledger (`"USAGE_DB": false`).
    case off
}

/// A spending limit in USD (`"budget": {"daily_usd": 5, "monthly_usd": 50, "enforce": true}`).
public struct Budget: Sendable, Equatable {
    /// The most to spend in a local calendar day, in USD; `nil` for no daily limit.
    public var dailyUSD: Double?
    /// The most to spend in a local calendar month, in USD; `nil` for no monthly limit.
    public var monthlyUSD: Double?
    /// Refuse new requests once a limit is reached (otherwise only warn).
    public var enforce: Bool

    /// A budget; with no limits it never warns or refuses.
    public init(dailyUSD: Double? = nil, monthlyUSD: Double? = nil, enforce: Bool = false) {
        self.dailyUSD = dailyUSD
        self.monthlyUSD = monthlyUSD
        self.enforce = enforce
    }

    /// Reads the budget object; the error says what is wrong.
    public static func parse(_ value: JSONValue) -> Result<Budget, PriceError> {
        guard case .object(let object) = value else {
            return .failure(PriceError(message: #"must be {"daily_usd": USD, "monthly_usd": USD, "enforce": false}"#))
        }
        var budget = Budget()
        for member in object.members {
            switch member.key {
            case "daily_usd", "monthly_usd":
                if member.value.isNull { continue }
                guard let number = member.value.doubleValue, number > 0, number.isFinite else {
                    return .failure(PriceError(message: "\(member.key) must be a positive number of USD"))
                }
                if member.key == "daily_usd" { budget.dailyUSD = number } else { budget.monthlyUSD = number }
            case "enforce":
                guard let flag = member.value.boolValue else {
                    return .failure(PriceError(message: "enforce must be true or false"))
                }
                budget.enforce = flag
            default:
                return .failure(PriceError(message: "unknown key \"\(member.key)\" (daily_usd, monthly_usd, enforce)"))
            }
        }
        return .success(budget)
    }
}

/// The ledger's settings from the config's top level.
public struct UsageSettings: Sendable, Equatable {
    /// Where the ledger is kept (`"USAGE_DB"`); the default SQLite file unless set.
    public var destination: UsageDestination = .defaultFile
    /// Days per-request rows are kept (`"USAGE_RETENTION_DAYS"`); daily aggregates stay for good.
    public var retentionDays = 90
    /// The global budget (`"budget"`).
    public var budget: Budget?

    /// Settings as the config's keys give them; the defaults are those of a config without them.
    public init(destination: UsageDestination = .defaultFile, retentionDays: Int = 90, budget: Budget? = nil) {
        self.destination = destination
        self.retentionDays = retentionDays
        self.budget = budget
    }

    /// Reads `"USAGE_DB"`: a path, a `postgres://` URL, or `false`.
    public static func parseDestination(_ value: JSONValue?) -> Result<UsageDestination, PriceError> {
        guard let value, !value.isNull else { return .success(.defaultFile) }
        if let flag = value.boolValue { return .success(flag ? .defaultFile : .off) }
        guard let text = value.stringValue?.trimmingCharacters(in: .whitespaces) else {
            return .failure(PriceError(message: "must be a file path, a postgres:// URL, or false"))
        }
        if text.isEmpty { return .success(.defaultFile) }
        if ["false", "off", "none"].contains(text.lowercased()) { return .success(.off) }
        if text.hasPrefix("postgres://") || text.hasPrefix("postgresql://") { return .success(.postgres(text)) }
        return .success(.file((text as NSString).expandingTildeInPath))
    }

    /// The state directory's ledger file: `$XDG_STATE_HOME/switchboard/usage.sqlite`
    /// (default `~/.local/state/switchboard/usage.sqlite`).
    public static func defaultPath(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
        let base = environment["XDG_STATE_HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? home + "/.local/state"
        return base + "/switchboard/usage.sqlite"
    }

    /// The SQLite file rows are written to first (the ledger itself, or PostgreSQL's outbox).
    public func localPath(environment: [String: String] = ProcessInfo.processInfo.environment) -> String? {
        switch destination {
        case .off: return nil
        case .file(let path): return path
        case .defaultFile, .postgres: return Self.defaultPath(environment: environment)
        }
    }

    /// The PostgreSQL URL, when rows are shipped there.
    public var postgresURL: String? {
        if case .postgres(let url) = destination { return url }
        return nil
    }
}
