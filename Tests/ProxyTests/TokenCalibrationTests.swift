import Testing

@testable import Proxy

struct TokenCalibrationTests {
    let glm = ModelRef(provider: "nvidia", model: "z-ai/glm4.7")
    let qwen = ModelRef(provider: "ollama", model: "qwen2.5-coder")

    @Test func noRatioBeforeTheMinimumSamples() {
        let calibration = TokenCalibration(minimumSamples: 3)
        calibration.record(glm, estimated: 1000, reported: 1300)
        calibration.record(glm, estimated: 1000, reported: 1300)
        #expect(calibration.ratio(for: glm) == nil)
        #expect(calibration.calibrated(1000, for: glm) == nil)
        calibration.record(glm, estimated: 1000, reported: 1300)
        #expect(calibration.samples(for: glm) == 3)
        #expect(calibration.calibrated(1000, for: glm) == 1300)
    }

    @Test func learnsAnExponentiallyWeightedMean() throws {
        let calibration = TokenCalibration(minimumSamples: 1, smoothing: 0.5)
        calibration.record(glm, estimated: 1000, reported: 1000)  // 1.0: the first sample is the mean
        calibration.record(glm, estimated: 1000, reported: 1400)  // 1.0 + 0.5 × 0.4
        #expect(abs(try #require(calibration.ratio(for: glm)) - 1.2) < 1e-9)
        calibration.record(glm, estimated: 2000, reported: 2800)  // 1.2 + 0.5 × 0.2
        #expect(abs(try #require(calibration.ratio(for: glm)) - 1.3) < 1e-9)
        // Recent traffic wins: a run of 0.9 pulls the mean there.
        for _ in 0..<40 { calibration.record(glm, estimated: 1000, reported: 900) }
        #expect(abs(try #require(calibration.ratio(for: glm)) - 0.9) < 1e-6)
    }

    @Test func modelsLearnApart() {
        let calibration = TokenCalibration(minimumSamples: 1)
        calibration.record(glm, estimated: 1000, reported: 1500)
        calibration.record(qwen, estimated: 1000, reported: 800)
        #expect(calibration.calibrated(10_000, for: glm) == 15_000)
        #expect(calibration.calibrated(10_000, for: qwen) == 8_000)
        #expect(calibration.calibrated(10_000, for: ModelRef(provider: "x", model: "y")) == nil)
    }

    @Test func samplesAndTheRatioAreClamped() throws {
        let calibration = TokenCalibration(minimumSamples: 1, smoothing: 1, range: 0.5...2.0)
        // A provider that counted a 50k cached prefix Switchboard never saw: one sample, not a 50× ratio.
        calibration.record(glm, estimated: 1000, reported: 50_000)
        #expect(try #require(calibration.ratio(for: glm)) == 2.0)
        calibration.record(glm, estimated: 1000, reported: 10)
        #expect(try #require(calibration.ratio(for: glm)) == 0.5)
    }

    @Test func oneWildSampleMovesTheMeanByAtMostTheClampTimesTheSmoothing() throws {
        let calibration = TokenCalibration(minimumSamples: 1, smoothing: 0.2, range: 0.5...2.0)
        for _ in 0..<5 { calibration.record(glm, estimated: 1000, reported: 1000) }
        calibration.record(glm, estimated: 1000, reported: 1_000_000)
        #expect(abs(try #require(calibration.ratio(for: glm)) - 1.2) < 1e-9)
    }

    @Test func tinyRequestsAndMissingUsageAreNotSampled() {
        let calibration = TokenCalibration(minimumSamples: 1, minimumEstimate: 200)
        calibration.record(glm, estimated: 20, reported: 60)  // chat-template overhead would dominate
        calibration.record(glm, estimated: 1000, reported: 0)  // no usage reported
        #expect(calibration.samples(for: glm) == 0)
    }

    @Test func concurrentRecordsAreAllCounted() async {
        let calibration = TokenCalibration(minimumSamples: 1)
        await withTaskGroup(of: Void.self) { group in
            for index in 0..<200 {
                group.addTask {
                    calibration.record(index.isMultiple(of: 2) ? glm : qwen, estimated: 1000, reported: 1100)
                }
            }
        }
        #expect(calibration.samples(for: glm) == 100)
        #expect(calibration.samples(for: qwen) == 100)
        #expect(calibration.calibrated(1000, for: glm) == 1100)
    }
}
