import Foundation
import Logging
import Testing

@testable import Proxy

/// Prometheus metrics folded from proxy events.
struct UsageMetricsTests {
    @Test func queueDepthCooldownsFallbacksAndInFlight() throws {
        let config = try UsageFoldingTests.config(UsageFoldingTests.configText)
        let metrics = UsageMetrics(store: ConfigStore(config))
        let target = ModelRef(parsing: "deepseek,deepseek-chat")!
        let error = APIError(.rateLimit, "slow", status: 429)
        metrics.receive(UsageFoldingTests.started(1))
        metrics.receive(UsageFoldingTests.started(2))
        metrics.receive(.queued(.init(id: RequestID(1), target: target, wait: .seconds(2))))
        metrics.receive(.queued(.init(id: RequestID(2), target: target, wait: .seconds(4))))
        var text = String(decoding: metrics.render(), as: UTF8.self)
        #expect(text.contains(#"switchboard_rpm_queue_depth{provider="deepseek"} 2"#), "\(text)")
        #expect(text.contains("switchboard_requests_in_flight 2"))
        metrics.receive(
            .attemptFailed(
                .init(
                    id: RequestID(1),
                    target: target,
                    error: error,
                    next: "key 1/2 rests 30s; retry with the next key"
                )
            )
        )
        metrics.receive(
            .attemptFailed(.init(id: RequestID(2), target: target, error: error, next: "fall back to nim,z-ai/glm4.7"))
        )
        metrics.receive(
            .failed(
                .init(id: RequestID(2), target: nil, error: error, ttft: nil, duration: .seconds(1), outputTokens: 0)
            )
        )
        text = String(decoding: metrics.render(), as: UTF8.self)
        #expect(text.contains(#"switchboard_rpm_queue_depth{provider="deepseek"} 0"#))
        #expect(text.contains(#"switchboard_key_cooldowns_total{provider="deepseek"} 1"#))
        #expect(text.contains(#"switchboard_retries_total{provider="deepseek"} 1"#))
        #expect(text.contains(#"switchboard_fallbacks_total{provider="deepseek"} 1"#))
        #expect(text.contains("switchboard_requests_in_flight 1"))
        #expect(
            text.contains(
                #"switchboard_requests_total{route="-",provider="deepseek",model="deepseek-chat",status="429"} 1"#
            )
        )
    }
}

/// The ledger and metrics do not make the proxy build progress events; the dashboard does.
struct EventBusProgressTests {
    struct Watcher: ProxyEventSink {
        func receive(_ event: ProxyEvent) {}
    }

    @Test func progressOnlyWhenASinkWantsIt() throws {
        let config = try UsageFoldingTests.config(UsageFoldingTests.configText)
        let bus = EventBus()
        bus.attach(UsageMetrics(store: ConfigStore(config)))
        bus.attach(
            UsageLedger(path: "/nonexistent/usage.sqlite", store: ConfigStore(config), logger: .init(label: "t"))
        )
        #expect(bus.hasSinks && !bus.wantsProgress)
        bus.attach(Watcher())
        #expect(bus.wantsProgress)
    }
}

/// `UsageMetrics` keeps the handles of the metrics it records, by label set.
struct UsageMetricsHandleTests {
    static func row(model: String, route: String = "default", status: Int = 200, cost: Double?) -> UsageRow {
        UsageRow(
            startedAt: Date(),
            requestedModel: "claude-sonnet-4-5",
            route: route,
            provider: "p",
            model: model,
            status: status,
            inputTokens: 10,
            outputTokens: 3,
            ttftMilliseconds: 50,
            durationMilliseconds: 900,
            costUSD: cost
        )
    }

    @Test func repeatedLabelSetsAddUpAndNewOnesAppear() throws {
        let config = try UsageFoldingTests.config(UsageFoldingTests.configText)
        let metrics = UsageMetrics(store: ConfigStore(config))
        for _ in 0..<3 { metrics.record(Self.row(model: "priced", cost: 0.5)) }
        metrics.record(Self.row(model: "priced", route: "think", cost: 0.25))
        metrics.record(Self.row(model: "priced", status: 529, cost: nil))
        metrics.record(Self.row(model: "free-ish", cost: nil))
        let text = String(decoding: metrics.render(), as: UTF8.self)
        #expect(
            text.contains(#"switchboard_requests_total{route="default",provider="p",model="priced",status="200"} 3"#)
        )
        #expect(text.contains(#"switchboard_requests_total{route="think",provider="p",model="priced",status="200"} 1"#))
        #expect(
            text.contains(#"switchboard_requests_total{route="default",provider="p",model="priced",status="529"} 1"#)
        )
        #expect(text.contains(#"switchboard_tokens_total{provider="p",model="priced",kind="input"} 50"#))
        #expect(text.contains(#"switchboard_tokens_total{provider="p",model="priced",kind="output"} 15"#))
        // No cache-read tokens were seen: no series (not a 0).
        #expect(!text.contains(#"kind="cache_read""#))
        #expect(text.contains(#"switchboard_cost_usd_total{provider="p",model="priced"} 1.75"#))
        #expect(text.contains(#"switchboard_unpriced_requests_total{provider="p",model="priced"} 1"#))
        // A model never priced has no cost series at all: unknown, never 0.
        #expect(!text.contains(#"switchboard_cost_usd_total{provider="p",model="free-ish"}"#))
        #expect(text.contains(#"switchboard_unpriced_requests_total{provider="p",model="free-ish"} 1"#))
        #expect(text.contains(#"switchboard_request_duration_seconds_count{provider="p",model="priced"} 5"#))
        #expect(text.contains(#"switchboard_ttft_seconds_count{provider="p",model="free-ish"} 1"#))
    }

    @Test func countsStayRightWhenTheCachesStartOver() throws {
        let config = try UsageFoldingTests.config(UsageFoldingTests.configText)
        let metrics = UsageMetrics(store: ConfigStore(config), maximumLabelSets: 8)
        let models = metrics.maximumLabelSets + 10
        metrics.record(Self.row(model: "m0", cost: 1))
        for index in 0..<models { metrics.record(Self.row(model: "m\(index)", cost: 1)) }
        metrics.record(Self.row(model: "m0", cost: 1))
        metrics.record(Self.row(model: "m\(models - 1)", cost: 1))
        let text = String(decoding: metrics.render(), as: UTF8.self)
        #expect(text.contains(#"switchboard_requests_total{route="default",provider="p",model="m0",status="200"} 3"#))
        #expect(text.contains(#"switchboard_cost_usd_total{provider="p",model="m0"} 3.0"#))
        #expect(text.contains(#"switchboard_requests_total{route="default",provider="p",model="m5",status="200"} 1"#))
        #expect(
            text.contains(
                #"switchboard_requests_total{route="default",provider="p",model="m\#(models - 1)",status="200"} 2"#
            )
        )
    }
}
