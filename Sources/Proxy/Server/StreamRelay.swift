import NIOCore

/// Relays a started upstream answer to the client as Anthropic SSE, as it arrives.
///
/// Events from one upstream read are written together; a `ping` goes out whenever the
/// upstream is silent for the ping interval; silence longer than the time-out, a broken
/// connection or an upstream error ends the stream with an `error` event. A client that goes
/// away cancels the upstream call at once.
struct StreamRelay: Sendable {
    /// How a relayed answer ended.
    struct Outcome: Sendable {
        var error: APIError?
        var clientGone = false
        var stopReason: StopReason?
        var usage = Usage(inputTokens: 0, outputTokens: 0)
        var ttft: Duration?
        var outputTokens = 0
    }

    let opened: UpstreamDispatcher.Opened
    let translation: StreamTranslator.Configuration
    let requestStart: ContinuousClock.Instant
    let timeout: Duration
    let pingInterval: Duration
    let progress: ProgressReporter?
    let presence: ClientPresence?

    /// Streams the answer through `write`, which receives each batch both as SSE bytes and as events.
    func run(write: (ByteBuffer, [StreamEvent]) async throws -> Void) async -> Outcome {
        var state = State(translator: StreamTranslator(configuration: translation), requestStart: requestStart, progress: progress)
        var decoder = ChunkDecoder(isEventStream: opened.isEventStream)
        let clock = ContinuousClock()
        var lastUpstream = clock.now
        var lastWrite = clock.now
        let call = opened.call
        presence?.onGone { call.notifyClientGone() }
        defer { presence?.onGone(nil) }

        func flush() async -> Bool {
            guard !state.output.bytes.isEmpty else { return true }
            let buffer = ByteBuffer(bytes: state.output.bytes)
            let batch = state.batch
            state.output = JSONWriter(capacity: 4096)
            state.batch = []
            lastWrite = clock.now
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

        state.emit(state.translator.start())
        for buffer in opened.bytes {
            state.process(decoder.feed(buffer))
        }
        if opened.ended {
            state.process(decoder.finish())
            state.emit(state.translator.finish())
            _ = await flush()
            return state.finish()
        }
        var drainingAfterDone: ContinuousClock.Instant?
        if decoder.sawDone { state.emit(state.translator.finish()) }
        guard await flush() else { return state.finish() }
        if state.translator.isEnded {
            if state.outcome.error != nil {
                call.cancel()
                return state.finish()
            }
            drainingAfterDone = clock.now
        }

        loop: for await item in call.items {
            switch item {
            case .head:
                continue
            case .bytes(let buffer):
                lastUpstream = clock.now
                guard drainingAfterDone == nil else { continue }
                state.process(decoder.feed(buffer))
                if decoder.sawDone { state.emit(state.translator.finish()) }
                guard await flush() else { return state.finish() }
                if state.translator.isEnded {
                    if decoder.sawDone, state.outcome.error == nil {
                        // Let the body end so the connection goes back to the pool.
                        drainingAfterDone = clock.now
                        continue
                    }
                    call.cancel()
                    break loop
                }
            case .end:
                if drainingAfterDone != nil { break loop }
                state.process(decoder.finish())
                state.emit(state.translator.finish())
                _ = await flush()
                break loop
            case .failure(let error):
                if drainingAfterDone != nil { break loop }
                state.process(decoder.finish())
                if state.translator.hasFinishReason {
                    state.emit(state.translator.finish())
                } else {
                    let label = "\(opened.target.provider) (\(opened.target.model))"
                    state.emit(
                        state.translator.fail(
                            APIError(.api, "\(label): connection lost mid-answer: \(UpstreamErrorMessage.describe(error))")))
                }
                _ = await flush()
                break loop
            case .tick:
                let now = clock.now
                if let since = drainingAfterDone {
                    if now - since > .seconds(2) {
                        call.cancel()
                        break loop
                    }
                    continue
                }
                if now - lastUpstream > timeout {
                    call.cancel()
                    let label = "\(opened.target.provider) (\(opened.target.model))"
                    state.emit(
                        state.translator.fail(
                            APIError(.timeout, "\(label) went silent for \(UpstreamDispatcher.format(timeout)) (API_TIMEOUT_MS)")))
                    _ = await flush()
                    break loop
                }
                if now - lastWrite >= pingInterval {
                    state.emit([.ping])
                    guard await flush() else { return state.finish() }
                }
            case .clientGone:
                call.cancel()
                state.outcome.clientGone = true
                return state.finish()
            }
        }
        if !state.translator.isEnded, !state.outcome.clientGone {
            // The item stream ended without an end marker: the request was cancelled.
            state.outcome.clientGone = true
            call.cancel()
        }
        return state.finish()
    }

    /// The mutable part of one relay.
    private struct State {
        var translator: StreamTranslator
        let requestStart: ContinuousClock.Instant
        var progress: ProgressReporter?
        var output = JSONWriter(capacity: 4096)
        var batch: [StreamEvent] = []
        var outcome = Outcome()

        init(translator: StreamTranslator, requestStart: ContinuousClock.Instant, progress: ProgressReporter?) {
            self.translator = translator
            self.requestStart = requestStart
            self.progress = progress
        }

        mutating func process(_ chunks: [ChatChunk]) {
            for chunk in chunks { emit(translator.feed(chunk)) }
        }

        mutating func emit(_ events: [StreamEvent]) {
            batch.append(contentsOf: events)
            for event in events {
                event.write(to: &output)
                switch event {
                case .contentBlockDelta:
                    if outcome.ttft == nil { outcome.ttft = ContinuousClock.now - requestStart }
                case .messageDelta(let stopReason, _, let usage):
                    outcome.stopReason = stopReason
                    outcome.usage = usage
                case .error(let error):
                    outcome.error = error
                default: break
                }
                progress?.observe(event, outputTokens: translator.estimatedOutputTokens)
            }
        }

        mutating func finish() -> Outcome {
            outcome.outputTokens = outcome.stopReason != nil ? outcome.usage.outputTokens : translator.estimatedOutputTokens
            if outcome.stopReason == nil { outcome.usage = translator.finalUsage }
            progress?.flush()
            return outcome
        }
    }
}
