import Foundation

/// Per-route totals and rolling latency percentiles.
struct RouteStats {
    var requests = 0
    var errors = 0
    var inputTokens = 0
    var outputTokens = 0
    var ttft = RollingHistogram()
    var duration = RollingHistogram()
    /// Output tokens and generation seconds per time bucket of the window, for tokens per
    /// second (bucketed like the histograms: constant cost per request, whatever the rate).
    private var throughput: [(start: TimeInterval, tokens: Int, seconds: Double)] = []

    mutating func recordFinished(_ record: RequestRecord, now: Date) {
        if let ttft = record.ttft { self.ttft.record(milliseconds: ttft.milliseconds, now: now) }
        if let duration = record.duration { self.duration.record(milliseconds: duration.milliseconds, now: now) }
        if let duration = record.duration, let ttft = record.ttft, record.outputTokens > 0 {
            let start =
                (now.timeIntervalSince1970 / RollingHistogram.bucketLength).rounded(.down)
                * RollingHistogram.bucketLength
            if throughput.last?.start != start {
                throughput.append((start, 0, 0))
                let oldest = now.timeIntervalSince1970 - RollingHistogram.window - RollingHistogram.bucketLength
                throughput.removeAll { $0.start < oldest }
            }
            throughput[throughput.count - 1].tokens += record.outputTokens
            throughput[throughput.count - 1].seconds += max(0, (duration - ttft).seconds)
        }
    }

    /// Output tokens per second of generation over the window.
    func tokensPerSecond(now: Date) -> Double? {
        let oldest = now.timeIntervalSince1970 - RollingHistogram.window
        var tokens = 0
        var seconds = 0.0
        for bucket in throughput where bucket.start + RollingHistogram.bucketLength > oldest {
            tokens += bucket.tokens
            seconds += bucket.seconds
        }
        return seconds > 0.05 ? Double(tokens) / seconds : nil
    }
}
