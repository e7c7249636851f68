import Synchronization

/// Learns, per `provider,model`, how the provider's own prompt token counts compare with ``TokenEstimator``'s
/// cl100k estimate, so a threshold can be read in that model's tokens.
///
/// Each answer that reports `prompt_tokens` is one sample of `reported / estimated`; the ratio is an exponentially
/// weighted mean of the samples (recent traffic counts more, so a changed tokenizer or prompt format is followed),
/// used only once `minimumSamples` have arrived and always clamped to `range`: a model whose tokenizer is
/// twice as fine is plausible, a ratio of 10 is a broken sample (an upstream that counts a cached prefix or a
/// provider-side system prompt), and one bad answer must not move the longContext decision by much.
final class TokenCalibration: Sendable {
    /// Samples needed before the ratio is used.
    let minimumSamples: Int
    /// Weight of each new sample in the mean (0...1).
    let smoothing: Double
    /// The ratio is clamped into this range, as is each sample before it is averaged.
    let range: ClosedRange<Double>
    /// Requests estimated below this many tokens are not sampled: per-message overhead and rounding dominate them.
    let minimumEstimate: Int

    /// One answer: Switchboard estimated `estimated` input tokens, the provider reported `reported` prompt tokens
    /// (input, cache reads and cache writes together).
    struct Sample: Sendable, Equatable {
        var estimated: Int
        var reported: Int
    }

    private struct Entry {
        var ratio: Double
        var samples: Int
    }

    private let entries = Mutex<[ModelRef: Entry]>([:])

    /// Creates an empty store.
    init(
        minimumSamples: Int = 3,
        smoothing: Double = 0.2,
        range: ClosedRange<Double> = 0.5...2.0,
        minimumEstimate: Int = 200
    ) {
        self.minimumSamples = max(1, minimumSamples)
        self.smoothing = min(max(smoothing, 0.01), 1)
        self.range = range
        self.minimumEstimate = minimumEstimate
    }

    /// Records one answer: Switchboard estimated `estimated` input tokens, `model`'s provider reported `reported`
    /// prompt tokens (input, cache reads and cache writes together).
    func record(_ model: ModelRef, estimated: Int, reported: Int) {
        guard estimated >= minimumEstimate, reported > 0 else { return }
        let sample = clamp(Double(reported) / Double(estimated))
        entries.withLock { entries in
            if var entry = entries[model] {
                entry.ratio += smoothing * (sample - entry.ratio)
                entry.samples += 1
                entries[model] = entry
            } else {
                entries[model] = Entry(ratio: sample, samples: 1)
            }
        }
    }

    /// The learned `reported / estimated` ratio for `model`, or nil until it has `minimumSamples` samples.
    func ratio(for model: ModelRef) -> Double? {
        let entry = entries.withLock { $0[model] }
        guard let entry, entry.samples >= minimumSamples else { return nil }
        return clamp(entry.ratio)
    }

    /// `estimated` cl100k tokens in `model`'s own tokens, when its ratio is known.
    func calibrated(_ estimated: Int, for model: ModelRef) -> Int? {
        ratio(for: model).map { Int((Double(estimated) * $0).rounded()) }
    }

    /// Records `sample` for `model`.
    func record(_ model: ModelRef, _ sample: Sample) {
        record(model, estimated: sample.estimated, reported: sample.reported)
    }

    /// Number of samples recorded for `model`.
    func samples(for model: ModelRef) -> Int {
        entries.withLock { $0[model]?.samples ?? 0 }
    }

    private func clamp(_ value: Double) -> Double {
        min(max(value, range.lowerBound), range.upperBound)
    }
}
