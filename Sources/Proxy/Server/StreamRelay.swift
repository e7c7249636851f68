import NIOCore

/// Relays a started upstream answer to the client as it arrives.
///
/// What one upstream read produces is written together; a `ping` goes out whenever the
/// upstream is silent for the ping interval; silence longer than the time-out, a broken
/// connection or an upstream error ends the stream with an `error` event. A client that goes
/// away cancels the upstream call at once.
struct StreamRelay<Translation: AnswerTranslation>: Sendable {
    let opened: UpstreamDispatcher.Opened
    let translation: Translation
    let requestStart: ContinuousClock.Instant
    let timeout: Duration
    let pingInterval: Duration
    let progress: ProgressReporter?
    let presence: ClientPresence?

    /// Streams the answer through `write`, which receives each batch both as bytes and as events.
    func run(write: (ByteBuffer, [StreamEvent]) async throws -> Void) async -> RelayOutcome {
        var state = RelayState(translation: translation, requestStart: requestStart, progress: progress)
        let clock = ContinuousClock()
        var timer = StreamTimer(timeout: timeout, pingInterval: pingInterval, now: clock.now)
        let call = opened.call
        presence?.onGone { call.notifyClientGone() }
        defer { presence?.onGone(nil) }

        func flush() async -> Bool {
            guard !state.bytes.isEmpty else { return true }
            let buffer = ByteBuffer(bytes: state.bytes)
            let batch = state.batch
            state.bytes = []
            state.batch = []
            timer.wrote(at: clock.now)
            do {
                try await write(buffer, batch)
                state.progress?.flushIfDue()
                return true
            } catch {
                call.cancel()
                state.outcome.clientGone = true
                return false
            }
        }

        state.apply(state.translation.start())
        for buffer in opened.bytes { state.apply(state.translation.feed(buffer)) }
        if opened.ended {
            state.apply(state.translation.finish())
            _ = await flush()
            return state.finish()
        }
        guard await flush() else { return state.finish() }
        if state.translation.isEnded {
            guard state.translation.upstreamDone, state.outcome.error == nil else {
                call.cancel()
                return state.finish()
            }
            timer.startDraining(at: clock.now)
        }

        loop: for await item in call.items {
            switch item {
            case .head:
                continue
            case .bytes(let buffer):
                timer.upstreamActivity(at: clock.now)
                guard !timer.isDraining else { continue }
                state.apply(state.translation.feed(buffer))
                guard await flush() else { return state.finish() }
                if state.translation.isEnded {
                    if state.translation.upstreamDone, state.outcome.error == nil {
                        // Let the body end so the connection goes back to the pool.
                        timer.startDraining(at: clock.now)
                        continue
                    }
                    call.cancel()
                    break loop
                }
            case .end:
                if timer.isDraining { break loop }
                state.apply(state.translation.finish())
                _ = await flush()
                break loop
            case .failure(let error):
                if timer.isDraining { break loop }
                if state.translation.isComplete {
                    state.apply(state.translation.finish())
                } else {
                    let label = "\(opened.target.provider) (\(opened.target.model))"
                    state.apply(
                        state.translation.fail(
                            APIError(
                                .api,
                                "\(label): connection lost mid-answer: \(UpstreamErrorMessage.describe(error))"
                            )
                        )
                    )
                }
                _ = await flush()
                break loop
            case .tick:
                switch timer.tick(at: clock.now, canPing: state.atFrameBoundary) {
                case .none:
                    continue
                case .drainOver:
                    call.cancel()
                    break loop
                case .timedOut:
                    call.cancel()
                    let label = "\(opened.target.provider) (\(opened.target.model))"
                    state.apply(
                        state.translation.fail(
                            APIError(
                                .timeout,
                                "\(label) went silent for \(DurationText.format(timeout)) (API_TIMEOUT_MS)"
                            )
                        )
                    )
                    _ = await flush()
                    break loop
                case .ping:
                    state.apply((Array(StreamEvent.ping.sseFrame.utf8), [.ping]))
                    guard await flush() else { return state.finish() }
                }
            case .clientGone:
                call.cancel()
                state.outcome.clientGone = true
                return state.finish()
            }
        }
        if !state.translation.isEnded, !state.outcome.clientGone {
            // The item stream ended without an end marker: the request was cancelled.
            state.outcome.clientGone = true
            call.cancel()
        }
        return state.finish()
    }
}

/// How a relayed answer ended.
struct RelayOutcome: Sendable {
    var error: APIError?
    var clientGone = false
    var stopReason: StopReason?
    var usage = Usage(inputTokens: 0, outputTokens: 0)
    var ttft: Duration?
    var outputTokens = 0
    var messageID: String?
    var usageEstimated = false
    /// The routing estimate beside the prompt tokens the provider reported, if it did.
    var promptTokenSample: TokenCalibration.Sample?
}

/// The mutable part of one relay.
private struct RelayState<Translation: AnswerTranslation> {
    var translation: Translation
    let requestStart: ContinuousClock.Instant
    var progress: ProgressReporter?
    var bytes: [UInt8] = []
    var batch: [StreamEvent] = []
    var outcome = RelayOutcome()
    /// Whether everything written so far ends a whole SSE frame (a ping may only go there).
    var atFrameBoundary = true

    init(translation: Translation, requestStart: ContinuousClock.Instant, progress: ProgressReporter?) {
        self.translation = translation
        self.requestStart = requestStart
        self.progress = progress
    }

    mutating func apply(_ output: AnswerTranslation.Output) {
        if !output.bytes.isEmpty {
            bytes += output.bytes
            let count = output.bytes.count
            atFrameBoundary = count >= 2 && output.bytes[count - 1] == 0x0A && output.bytes[count - 2] == 0x0A
        }
        batch.append(contentsOf: output.events)
        for event in output.events {
            switch event {
            case .contentBlockDelta:
                if outcome.ttft == nil { outcome.ttft = ContinuousClock.now - requestStart }
            case .messageStart(let id, _, _) where !id.isEmpty:
                outcome.messageID = id
            case .messageDelta(let stopReason, _, let usage):
                outcome.stopReason = stopReason
                outcome.usage = usage
            case .error(let error):
                outcome.error = error
            default: break
            }
            progress?.observe(event, outputTokens: translation.estimatedOutputTokens)
        }
    }

    mutating func finish() -> RelayOutcome {
        outcome.outputTokens =
            outcome.stopReason != nil ? outcome.usage.outputTokens : translation.estimatedOutputTokens
        if outcome.stopReason == nil { outcome.usage = translation.finalUsage }
        outcome.usageEstimated = translation.usageEstimated
        outcome.promptTokenSample = translation.promptTokenSample
        progress?.flush()
        return outcome
    }
}
