import Foundation
import Histogram

/// Latency samples over a rolling window: a ring of time buckets, each an HdrHistogram, so
/// percentiles reflect the last few minutes rather than the whole run.
struct RollingHistogram {
    /// The window's length.
    static let window: TimeInterval = 300
    static let bucketCount = 10
    static var bucketLength: TimeInterval { window / Double(bucketCount) }

    private struct Bucket {
        var start: TimeInterval
        var histogram: Histogram<UInt64>
    }

    private var buckets: [Bucket] = []

    /// Records `milliseconds` at time `now`.
    mutating func record(milliseconds: Double, now: Date) {
        let value = UInt64(max(0, min(milliseconds.rounded(), 3_600_000)))
        let start = (now.timeIntervalSince1970 / Self.bucketLength).rounded(.down) * Self.bucketLength
        if buckets.last?.start != start {
            buckets.append(Bucket(start: start, histogram: Self.makeHistogram()))
            prune(now: now)
        }
        _ = buckets[buckets.count - 1].histogram.record(value)
    }

    /// The value at `percentile` (0–100) over the window ending `now`, or `nil` with no samples.
    func percentile(_ percentile: Double, now: Date) -> Double? {
        percentiles(percentile, percentile, now: now)?.low
    }

    /// Two percentiles from one merge of the window's buckets (the renderer asks for p50 and
    /// p95 of every route on every frame).
    func percentiles(_ low: Double, _ high: Double, now: Date) -> (low: Double, high: Double)? {
        let oldest = now.timeIntervalSince1970 - Self.window
        var merged = Self.makeHistogram()
        for bucket in buckets where bucket.start + Self.bucketLength > oldest {
            merged.add(bucket.histogram)
        }
        guard merged.totalCount > 0 else { return nil }
        return (Double(merged.valueAtPercentile(low)), Double(merged.valueAtPercentile(high)))
    }

    private mutating func prune(now: Date) {
        let oldest = now.timeIntervalSince1970 - Self.window - Self.bucketLength
        buckets.removeAll { $0.start < oldest }
    }

    private static func makeHistogram() -> Histogram<UInt64> {
        Histogram<UInt64>(highestTrackableValue: 3_600_000, numberOfSignificantValueDigits: .two)
    }
}
