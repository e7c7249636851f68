import Foundation
import NIOCore

/// `switchboard check --probe`: one tiny streaming request to each configured model, through
/// the same path real requests take (translation, keys, presets), timing the first token.
public struct Prober: Sendable {
    /// One model's result.
    public struct Result: Sendable {
        /// The model probed.
        public var model: ModelRef
        /// 200, or the error's status.
        public var status: Int
        /// Time from sending the probe to its first content block; `nil` when none came.
        public var ttft: Duration?
        /// The error in one line (keys redacted), when it failed.
        public var error: String?

        /// Whether the model answered without an error.
        public var succeeded: Bool { error == nil }
    }

    let engine: ProxyEngine
    let timeout: Duration

    /// A prober sending through `engine` that gives up on a model after `timeout`.
    public init(engine: ProxyEngine, timeout: Duration = .seconds(60)) {
        self.engine = engine
        self.timeout = timeout
    }

    /// Probes every model, at most `concurrency` at a time; results in config order.
    public func probeAll(_ models: [ModelRef], concurrency: Int = 6) async -> [Result] {
        await withTaskGroup(of: (Int, Result).self) { group in
            var results = [Result?](repeating: nil, count: models.count)
            var next = 0
            func schedule() {
                guard next < models.count else { return }
                let index = next
                next += 1
                group.addTask { (index, await probe(models[index])) }
            }
            for _ in 0..<min(concurrency, models.count) { schedule() }
            for await (index, result) in group {
                results[index] = result
                schedule()
            }
            return results.compactMap { $0 }
        }
    }

    /// Probes one model.
    public func probe(_ model: ModelRef) async -> Result {
        var body = JSONWriter()
        body.raw(#"{"model":"#)
        body.string(model.description)
        body.raw(#","max_tokens":1,"stream":true,"messages":[{"role":"user","content":"Reply with one word: ok"}]}"#)
        let start = ContinuousClock.now
        let engine = self.engine
        let bytes = ByteBuffer(bytes: body.bytes)
        let outcome = await valueWithin(timeout) { () -> Result? in
            switch await engine.messages(body: bytes, presence: nil) {
            case .error(let error):
                return Result(model: model, status: error.status, error: "\(error.kind.rawValue): \(error.message)")
            case .json(let status, _):
                return Result(model: model, status: status)
            case .stream(let produce):
                var reader = SSEFrameReader()
                var ttft: Duration?
                var failure: APIError?
                await produce { buffer in
                    for event in reader.feed(buffer) {
                        switch event {
                        case .contentBlockStart, .contentBlockDelta:
                            if ttft == nil { ttft = ContinuousClock.now - start }
                        case .error(let error): failure = error
                        default: break
                        }
                    }
                }
                if let failure {
                    return Result(
                        model: model,
                        status: failure.status,
                        ttft: ttft,
                        error: "\(failure.kind.rawValue): \(failure.message)"
                    )
                }
                return Result(model: model, status: 200, ttft: ttft)
            }
        }
        return outcome
            ?? Result(
                model: model,
                status: 504,
                error: "timeout_error: no answer within \(DurationText.format(timeout))"
            )
    }
}
