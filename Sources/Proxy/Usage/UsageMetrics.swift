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
    public init(store: ConfigStore) {
        self.store = store
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

    /// Counts one finished request.
    func record(_ row: UsageRow) {
        let provider = row.provider ?? "-"
        let model = row.model ?? "-"
        let target = [("provider", provider), ("model", model)]
        Counter(
            label: "switchboard_requests_total",
            dimensions: [("route", row.route ?? "-")] + target + [("status", String(row.status))],
            factory: factory
        ).increment()
        for (kind, tokens) in [
            ("input", row.inputTokens), ("output", row.outputTokens), ("cache_read", row.cacheReadTokens),
        ]
        where tokens > 0 {
            CoreMetrics.Counter(
                label: "switchboard_tokens_total",
                dimensions: target + [("kind", kind)],
                factory: factory
            )
            .increment(by: tokens)
        }
        if let cost = row.costUSD {
            CoreMetrics.FloatingPointCounter(label: "switchboard_cost_usd_total", dimensions: target, factory: factory)
                .increment(by: cost)
        } else {
            CoreMetrics.Counter(label: "switchboard_unpriced_requests_total", dimensions: target, factory: factory)
                .increment()
        }
        if let ttft = row.ttftMilliseconds {
            CoreMetrics.Timer(label: "switchboard_ttft_seconds", dimensions: target, factory: factory)
                .recordMilliseconds(ttft)
        }
        CoreMetrics.Timer(label: "switchboard_request_duration_seconds", dimensions: target, factory: factory)
            .recordMilliseconds(row.durationMilliseconds)
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
