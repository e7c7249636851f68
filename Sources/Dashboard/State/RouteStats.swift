import Foundation

/// Per-route totals and rolling latency percentiles.
struct RouteStats {
    var requests = 0
    var errors = 0
    var inputTokens = 0
    var outputTokens = 0
    var ttft = RollingHistogram()
    var duration = RollingHistogram()
    /// Output tokens and generation seconds of recent requests, for tokens per second.
    private var throughput: [(time: Date, tokens: Int, seconds: Double)] = []

    mutating func recordFinished(_ record: RequestRecord, now: Date) {
        if let ttft = record.ttft { self.ttft.record(milliseconds: ttft.milliseconds, now: now) }
        if let duration = record.duration { self.duration.record(milliseconds: duration.milliseconds, now: now) }
        if let duration = record.duration, let ttft = record.ttft, record.outputTokens > 0 {
            throughput.append((now, record.outputTokens, max(0, (duration - ttft).seconds)))
            let oldest = now.addingTimeInterval(-RollingHistogram.window)
            throughput.removeAll { $0.time < oldest }
        }
    }

    /// Output tokens per second over the window.
    func tokensPerSecond(now: Date) -> Double? {
        let oldest = now.addingTimeInterval(-RollingHistogram.window)
        var tokens = 0
        var seconds = 0.0
        for sample in throughput where sample.time >= oldest {
            tokens += sample.tokens
            seconds += sample.seconds
        }
        return seconds > 0.05 ? Double(tokens) / seconds : nil
    }
}
