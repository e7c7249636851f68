import CoreMetrics
import Foundation
import Prometheus
import Synchronization

/// Prometheus metrics for `GET /metrics`, recorded through swift-metrics into a
/// swift-prometheus registry of the proxy's own (not the process-wide `MetricsSystem`, so
/// several proxies in one process — tests — keep theirs apart).
///
/// Requests by route, provider, model and status; tokens by provider, model and kind; cost;
/// TTFT and duration histograms; requests in flight; retries, fallbacks, key cooldowns and
/// the requests waiting for a provider's RPM budget.
public final class UsageMetrics: ProxyEventSink, Sendable {
    let registry = PrometheusCollectorRegistry()
    let factory: HelpfulPrometheusFactory
    let store: ConfigStore
    private let folder = Mutex(UsageFolder(instance: ""))
    private let queued = Mutex<[RequestID: String]>([:])
    private let handles = Mutex(Handles())
    private let inFlight: CoreMetrics.Meter

    static let help: [String: String] = [
        "switchboard_requests_total": "Requests that reached routing, by route, provider, model and HTTP status.",
        "switchboard_tokens_total": "Tokens by provider, model and kind (input, output, cache_read).",
        "switchboard_cost_usd_total": "Cost in USD of requests with a known price, by provider and model.",
        "switchboard_unpriced_requests_total": "Requests whose model has no known price, by provider and model.",
        "switchboard_ttft_seconds": "Time to the first output token, by provider and model.",
        "switchboard_request_duration_seconds":
            "Request duration from arrival to the end of the answer, by provider and model.",
        "switchboard_requests_in_flight": "Requests being answered now.",
        "switchboard_retries_total": "Upstream attempts retried on the same model, by provider.",
        "switchboard_fallbacks_total": "Requests moved to a route's next model, by provider of the failed one.",
        "switchboard_key_cooldowns_total": "Provider keys sent to rest after a 429, by provider.",
        "switchboard_rpm_queue_depth": "Requests waiting for a provider's requests-per-minute budget.",
    ]

    static let ttftBuckets: [Duration] = [0.1, 0.25, 0.5, 1, 2, 4, 8, 15, 30, 60].map { .milliseconds(Int($0 * 1000)) }
    static let durationBuckets: [Duration] = [0.5, 1, 2, 5, 10, 20, 40, 80, 160, 320, 600].map {
        .milliseconds(Int($0 * 1000))
    }

    /// Metrics with an empty registry of their own; `store` supplies prices.
    public convenience init(store: ConfigStore) {
        self.init(store: store, maximumLabelSets: 4_096)
    }

    /// Metrics whose handle caches start over past `maximumLabelSets` label sets each.
    init(store: ConfigStore, maximumLabelSets: Int) {
        self.store = store
        self.maximumLabelSets = maximumLabelSets
        factory = HelpfulPrometheusFactory(
            registry: registry,
            help: Self.help,
            buckets: [
                "switchboard_ttft_seconds": Self.ttftBuckets,
                "switchboard_request_duration_seconds": Self.durationBuckets,
            ]
        )
        inFlight = CoreMetrics.Meter(label: "switchboard_requests_in_flight", factory: factory)
        inFlight.set(0)
    }

    /// The exposition text (`text/plain; version=0.0.4`).
    public func render() -> [UInt8] {
        registry.emitToBuffer()
    }

    /// Metrics need no streamed output.
    public var wantsProgress: Bool { false }

    /// Updates the counters, histograms and gauges for one event.
    public func receive(_ event: ProxyEvent) {
        switch event {
        case .started:
            inFlight.increment()
        case .queued(let queued):
            let isNew = self.queued.withLock { $0.updateValue(queued.target.provider, forKey: queued.id) == nil }
            if isNew {
                CoreMetrics.Meter(
                    label: "switchboard_rpm_queue_depth",
                    dimensions: [("provider", queued.target.provider)],
                    factory: factory
                )
                .increment()
            }
        case .attemptFailed(let failed):
            dequeue(failed.id)
            let provider = [("provider", failed.target.provider)]
            if failed.next.hasPrefix("fall back") {
                CoreMetrics.Counter(label: "switchboard_fallbacks_total", dimensions: provider, factory: factory)
                    .increment()
            } else if failed.next != "give up" {
                CoreMetrics.Counter(label: "switchboard_retries_total", dimensions: provider, factory: factory)
                    .increment()
            }
            if failed.next.contains(" rests ") {
                CoreMetrics.Counter(label: "switchboard_key_cooldowns_total", dimensions: provider, factory: factory)
                    .increment()
            }
        case .firstToken(let first):
            dequeue(first.id)
        case .routed, .progress:
            break
        case .finished(let finished):
            dequeue(finished.id)
            inFlight.decrement()
        case .failed(let failed):
            dequeue(failed.id)
            inFlight.decrement()
        }
        let row = folder.withLock { folder in
            folder.apply(event) { provider, model in
                PriceBook(config: self.store.config).price(provider: provider, model: model)
            }
        }
        if let row { record(row) }
    }

    private func dequeue(_ id: RequestID) {
        guard let provider = queued.withLock({ $0.removeValue(forKey: id) }) else { return }
        CoreMetrics.Meter(label: "switchboard_rpm_queue_depth", dimensions: [("provider", provider)], factory: factory)
            .decrement()
    }

    /// A request's label set in `switchboard_requests_total`.
    struct RequestKey: Hashable {
        let route: String
        let provider: String
        let model: String
        let status: Int
    }

    /// A provider's model.
    struct TargetKey: Hashable {
        let provider: String
        let model: String
    }

    /// The metrics of one provider's model, made when first needed (a series appears in
    /// `/metrics` only once it has a value: an unpriced model shows no cost, not a cost of 0).
    struct TargetHandles {
        var tokens: [String: CoreMetrics.Counter] = [:]
        var cost: CoreMetrics.FloatingPointCounter?
        var unpriced: CoreMetrics.Counter?
        var ttft: CoreMetrics.Timer?
        var duration: CoreMetrics.Timer?

        /// Whether every metric `row` adds to is made.
        func complete(for row: UsageRow, tokens: [(String, Int)]) -> Bool {
            duration != nil && tokens.allSatisfy { self.tokens[$0.0] != nil }
                && (row.costUSD == nil ? unpriced != nil : cost != nil)
                && (row.ttftMilliseconds == nil || ttft != nil)
        }

        /// Makes the metrics `row` adds to that are not made yet.
        mutating func make(
            for row: UsageRow,
            tokens: [(String, Int)],
            target: TargetKey,
            factory: HelpfulPrometheusFactory
        ) {
            let dimensions = [("provider", target.provider), ("model", target.model)]
            for (kind, _) in tokens where self.tokens[kind] == nil {
                self.tokens[kind] = CoreMetrics.Counter(
                    label: "switchboard_tokens_total",
                    dimensions: dimensions + [("kind", kind)],
                    factory: factory
                )
            }
            if row.costUSD != nil, cost == nil {
                cost = CoreMetrics.FloatingPointCounter(
                    label: "switchboard_cost_usd_total",
                    dimensions: dimensions,
                    factory: factory
                )
            }
            if row.costUSD == nil, unpriced == nil {
                unpriced = CoreMetrics.Counter(
                    label: "switchboard_unpriced_requests_total",
                    dimensions: dimensions,
                    factory: factory
                )
            }
            if row.ttftMilliseconds != nil, ttft == nil {
                ttft = CoreMetrics.Timer(label: "switchboard_ttft_seconds", dimensions: dimensions, factory: factory)
            }
            if duration == nil {
                duration = CoreMetrics.Timer(
                    label: "switchboard_request_duration_seconds",
                    dimensions: dimensions,
                    factory: factory
                )
            }
        }
    }

    /// Metric handles by label set. Asking the registry for a metric builds its label arrays,
    /// validates them and takes the registry's lock: for the seven metrics of every request that
    /// was about 1% of the proxy's CPU under load. Label sets are few (routes x models x statuses);
    /// past ``maximumLabelSets`` (4,096 by default) the caches start over (the registry keeps every series).
    struct Handles {
        var requests: [RequestKey: CoreMetrics.Counter] = [:]
        var targets: [TargetKey: TargetHandles] = [:]
    }

    /// How many label sets each cache keeps before it starts over.
    let maximumLabelSets: Int

    /// Counts one finished request.
    func record(_ row: UsageRow) {
        let provider = row.provider ?? "-"
        let model = row.model ?? "-"
        let key = RequestKey(route: row.route ?? "-", provider: provider, model: model, status: row.status)
        let targetKey = TargetKey(provider: provider, model: model)
        let tokens = [("input", row.inputTokens), ("output", row.outputTokens), ("cache_read", row.cacheReadTokens)]
            .filter { $0.1 > 0 }
        let (requests, target) = handles.withLock { handles in
            if handles.requests.count >= maximumLabelSets { handles.requests = [:] }
            if handles.targets.count >= maximumLabelSets { handles.targets = [:] }
            let requests: CoreMetrics.Counter
            if let known = handles.requests[key] {
                requests = known
            } else {
                requests = CoreMetrics.Counter(
                    label: "switchboard_requests_total",
                    dimensions: [
                        ("route", key.route), ("provider", provider), ("model", model), ("status", String(key.status)),
                    ],
                    factory: factory
                )
                handles.requests[key] = requests
            }
            var target = handles.targets[targetKey] ?? TargetHandles()
            if target.complete(for: row, tokens: tokens) { return (requests, target) }
            target.make(for: row, tokens: tokens, target: targetKey, factory: factory)
            handles.targets[targetKey] = target
            return (requests, target)
        }
        requests.increment()
        for (kind, count) in tokens { target.tokens[kind]?.increment(by: count) }
        if let cost = row.costUSD {
            target.cost?.increment(by: cost)
        } else {
            target.unpriced?.increment()
        }
        if let ttft = row.ttftMilliseconds { target.ttft?.recordMilliseconds(ttft) }
        target.duration?.recordMilliseconds(row.durationMilliseconds)
    }
}

/// swift-prometheus's metrics factory, with `# HELP` lines (the stock factory has none, which
/// promtool reports) and per-metric histogram buckets.
struct HelpfulPrometheusFactory: MetricsFactory {
    let registry: PrometheusCollectorRegistry
    let help: [String: String]
    let buckets: [String: [Duration]]

    func descriptor(_ label: String) -> MetricNameDescriptor {
        MetricNameDescriptor(metricName: label, unitName: "", helpText: help[label] ?? label)
    }

    func makeCounter(label: String, dimensions: [(String, String)]) -> any CounterHandler {
        registry.makeCounter(descriptor: descriptor(label), labels: dimensions)
    }

    func makeFloatingPointCounter(label: String, dimensions: [(String, String)]) -> any FloatingPointCounterHandler {
        registry.makeCounter(descriptor: descriptor(label), labels: dimensions)
    }

    func makeRecorder(label: String, dimensions: [(String, String)], aggregate: Bool) -> any RecorderHandler {
        registry.makeGauge(descriptor: descriptor(label), labels: dimensions)
    }

    func makeMeter(label: String, dimensions: [(String, String)]) -> any MeterHandler {
        registry.makeGauge(descriptor: descriptor(label), labels: dimensions)
    }

    func makeTimer(label: String, dimensions: [(String, String)]) -> any TimerHandler {
        registry.makeDurationHistogram(
            descriptor: descriptor(label),
            labels: dimensions,
            buckets: buckets[label] ?? UsageMetrics.durationBuckets
        )
    }

    func destroyCounter(_ handler: any CounterHandler) {}
    func destroyFloatingPointCounter(_ handler: any FloatingPointCounterHandler) {}
    func destroyRecorder(_ handler: any RecorderHandler) {}
    func destroyMeter(_ handler: any MeterHandler) {}
    func destroyTimer(_ handler: any TimerHandler) {}
}
