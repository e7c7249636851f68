import Synchronization

/// Live per-provider state shared by all requests: the key pool and the RPM budget. Kept
/// across config reloads while the provider's keys and budget stay the same.
final class ProviderRuntime: Sendable {
    let keys: KeyPool
    let limiter: RateLimiter?
    /// Calls in flight at once (`"max_concurrent"`).
    let calls: CallLimiter?

    init(provider: ProviderConfig) {
        keys = KeyPool(keys: provider.apiKeys)
        limiter = provider.requestsPerMinute.map(RateLimiter.init(requestsPerMinute:))
        calls = provider.maxConcurrentCalls.map(CallLimiter.init(limit:))
    }

    func matches(_ provider: ProviderConfig) -> Bool {
        keys.keys == provider.apiKeys && limiter?.requestsPerMinute == provider.requestsPerMinute
            && calls?.limit == provider.maxConcurrentCalls
    }
}

/// The ``ProviderRuntime`` of every provider, by name.
final class ProviderRegistry: Sendable {
    private let runtimes = Mutex<[String: ProviderRuntime]>([:])
    /// Gemini thought signatures seen in answers, for later turns.
    let signatures = ThoughtSignatureStore()

    func runtime(for provider: ProviderConfig) -> ProviderRuntime {
        runtimes.withLock { runtimes in
            if let existing = runtimes[provider.name], existing.matches(provider) { return existing }
            let created = ProviderRuntime(provider: provider)
            runtimes[provider.name] = created
            return created
        }
    }
}
