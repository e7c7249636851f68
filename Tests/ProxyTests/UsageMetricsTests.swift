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
