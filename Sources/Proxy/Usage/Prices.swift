import Foundation
import Synchronization

/// A model's price in USD per million tokens.
public struct Price: Sendable, Equatable {
    /// USD per million prompt tokens not read from the cache.
    public var input: Double
    /// USD per million output tokens.
    public var output: Double
    /// Cache reads; `nil` charges them as input.
    public var cacheRead: Double?
    /// A free endpoint (NVIDIA NIM's hosted models, a local Ollama): cost 0, marked free.
    public var free: Bool

    /// A price in USD per million tokens; cache reads cost `input` unless `cacheRead` is given.
    public init(input: Double, output: Double, cacheRead: Double? = nil, free: Bool = false) {
        self.input = input
        self.output = output
        self.cacheRead = cacheRead
        self.free = free
    }

    /// A free endpoint's price: every token costs 0 and the row is marked free.
    public static let free = Price(input: 0, output: 0, cacheRead: 0, free: true)

    /// The cost of these tokens in USD.
    public func cost(input: Int, output: Int, cacheRead: Int) -> Double {
        (Double(input) * self.input + Double(output) * self.output + Double(cacheRead) * (self.cacheRead ?? self.input))
            / 1_000_000
    }

    /// Reads `{"input": 0.28, "output": 0.42, "cache_read": 0.028}` (or `"free"`); the error
    /// names what is wrong.
    public static func parse(_ value: JSONValue) -> Result<Price, PriceError> {
        if value.stringValue?.lowercased() == "free" { return .success(.free) }
        guard case .object(let object) = value else {
            return .failure(
                PriceError(
                    message: #"must be {"input": USD, "output": USD, "cache_read": USD} per million tokens, or "free""#
                )
            )
        }
        for key in object.keys where !["input", "output", "cache_read"].contains(key) {
            return .failure(PriceError(message: "unknown key \"\(key)\" (input, output, cache_read)"))
        }
        func number(_ key: String) -> Result<Double?, PriceError> {
            guard let value = object[key], !value.isNull else { return .success(nil) }
            guard let number = value.doubleValue, number >= 0, number.isFinite else {
                return .failure(PriceError(message: "\(key) must be a number of USD per million tokens, 0 or more"))
            }
            return .success(number)
        }
        let input: Double?
        let output: Double?
        let cacheRead: Double?
        switch (number("input"), number("output"), number("cache_read")) {
        case (.success(let a), .success(let b), .success(let c)): (input, output, cacheRead) = (a, b, c)
        case (.failure(let error), _, _), (_, .failure(let error), _), (_, _, .failure(let error)):
            return .failure(error)
        }
        guard let input, let output else { return .failure(PriceError(message: "input and output are required")) }
        return .success(Price(input: input, output: output, cacheRead: cacheRead))
    }
}

/// Why a `"price"`, `"prices"`, `"budget"` or `"USAGE_DB"` value in the config cannot be used.
public struct PriceError: Error, Sendable {
    /// What is wrong, for the config error that names the key.
    public var message: String
}

/// Prices Switchboard knows without configuration.
///
/// Sources (USD per million tokens, read from the providers' published price pages; a
/// provider's `"price"` / `"prices"` in the config overrides them):
/// - DeepSeek, https://api-docs.deepseek.com/quick_start/pricing (V3.2, 2025-09-29):
///   `deepseek-chat` and `deepseek-reasoner` input 0.28 (cache miss), cache hit 0.028, output 0.42.
/// - NVIDIA NIM's hosted endpoints (build.nvidia.com, 2025-11): free for development, cost 0.
/// - Ollama: local models, cost 0.
/// - Anthropic list prices for "saved", https://docs.claude.com/en/docs/about-claude/pricing
///   (2025-11): Opus 4.5 5/25 (cache read 0.50); Opus 4.1, 4 and 3 15/75 (1.50); Sonnet 4.5,
///   4 and 3.7 3/15 (0.30); Haiku 4.5 1/5 (0.10); Haiku 3.5 0.80/4 (0.08); Haiku 3 0.25/1.25 (0.03).
public enum BuiltInPrices {
    /// The built-in price of `model` at a provider of `preset`, when one is published.
    public static func price(preset: ProviderPreset, model: String) -> Price? {
        switch preset {
        case .nvidia, .ollama: return .free
        case .deepseek:
            let id = model.lowercased()
            if id == "deepseek-chat" || id == "deepseek-reasoner" {
                return Price(input: 0.28, output: 0.42, cacheRead: 0.028)
            }
            return nil
        default: return nil
        }
    }

    /// Anthropic's list price for the Claude model a client asked for (`nil` for a name that
    /// is not a Claude model).
    public static func anthropic(requestedModel: String) -> Price? {
        // Every finished request asks, from each of the ledger, the metrics and the sessions, and
        // clients use a handful of names: remember the answers (a bounded memo).
        if let known = anthropicMemo.withLock({ $0[requestedModel] }) { return known }
        let price = anthropicListPrice(requestedModel)
        anthropicMemo.withLock { memo in
            if memo.count >= 256 { memo = [:] }
            memo[requestedModel] = .some(price)
        }
        return price
    }

    private static let anthropicMemo = Mutex<[String: Price?]>([:])

    private static func anthropicListPrice(_ requestedModel: String) -> Price? {
        let id = requestedModel.lowercased()
        guard id.contains("claude") || id.contains("opus") || id.contains("sonnet") || id.contains("haiku") else {
            return nil
        }
        if id.contains("opus") {
            let old = ["opus-4-1", "opus-4.1", "opus-4-2025", "opus-4@", "3-opus", "opus-3"]
            if old.contains(where: id.contains) || id.hasSuffix("opus-4") {
                return Price(input: 15, output: 75, cacheRead: 1.5)
            }
            return Price(input: 5, output: 25, cacheRead: 0.5)
        }
        if id.contains("sonnet") { return Price(input: 3, output: 15, cacheRead: 0.3) }
        if id.contains("haiku") {
            if id.contains("3-5-haiku") || id.contains("haiku-3-5") || id.contains("3.5-haiku") {
                return Price(input: 0.8, output: 4, cacheRead: 0.08)
            }
            if id.contains("3-haiku") || id.contains("haiku-3") {
                return Price(input: 0.25, output: 1.25, cacheRead: 0.03)
            }
            return Price(input: 1, output: 5, cacheRead: 0.1)
        }
        return nil
    }
}

/// Looks up prices: a provider's `"prices"` for the model, its `"price"`, then the built-ins.
public struct PriceBook: Sendable {
    /// The config whose providers' prices are looked up.
    public let config: SwitchboardConfig

    /// A price book over `config`'s providers and the built-in prices.
    public init(config: SwitchboardConfig) { self.config = config }

    /// The price of `model` at `provider`, or `nil` when unknown.
    public func price(provider: String, model: String) -> Price? {
        guard let settings = config.provider(named: provider) else { return nil }
        if let price = settings.prices[model] { return price }
        if let price = settings.price { return price }
        return BuiltInPrices.price(preset: settings.preset, model: model)
    }
}
