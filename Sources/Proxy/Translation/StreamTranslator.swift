/// Turns OpenAI Chat Completions chunks into Anthropic stream events.
///
/// A struct state machine: ``start()``, then ``feed(_:)`` per chunk, then ``finish()`` when
/// the upstream ends (or ``fail(_:)``); each returns the events to send, and the caller sends
/// them. It guarantees what strict clients check: `message_start` first; blocks indexed 0, 1,
/// 2… with at most one open; every delta matches its block's type; one `tool_use` block per
/// upstream call with its arguments intact however they were interleaved; nothing after the end.
public struct StreamTranslator: Sendable {
    /// Fixed facts about the response being translated.
    public struct Configuration: Sendable {
        /// The `msg_…` id.
        public var messageID: String
        /// The model name reported to the client.
        public var model: String
        /// Input tokens estimated before sending (reported in `message_start`).
        public var estimatedInputTokens: Int
        /// How inline `<think>` tags are treated.
        public var thinkTags: ThinkTagSplitter.Mode
        /// Upstream tool names that differ from the client's (sanitised names → original).
        public var toolNames: [String: String]
        /// The request's stop sequences (to report which one matched when the server says).
        public var stopSequences: [String]
        /// Emit each tool call once, complete (arguments repaired if broken), at the end.
        public var bufferToolArguments = false
        /// The upstream name of a tool whose call is really the answer's text (`ExitTool`).
        public var exitToolName: String?
        /// Where Gemini thought signatures of tool calls are kept for later turns.
        public var thoughtSignatures: ThoughtSignatureStore?

        /// The facts of one response; tool buffering, the exit tool and thought signatures are off unless set after.
        public init(
            messageID: String,
            model: String,
            estimatedInputTokens: Int,
            thinkTags: ThinkTagSplitter.Mode = .leading,
            toolNames: [String: String] = [:],
            stopSequences: [String] = []
        ) {
            self.messageID = messageID
            self.model = model
            self.estimatedInputTokens = estimatedInputTokens
            self.thinkTags = thinkTags
            self.toolNames = toolNames
            self.stopSequences = stopSequences
        }
    }

    /// Signature put on reasoning blocks this proxy made up; recognisable so it is never sent
    /// to a provider that checks signatures.
    public static let thinkingSignature = "switchboard-translated"

    private enum Kind: Equatable {
        case thinking, text
        case tool(Int)
    }

    private struct ToolCall {
        var id: String?
        var name: String?
        var arguments = ""
        var sentCount = 0
        var block: Int?
        var closed = false
        var tracker = JSONCompletenessTracker()
        var signature: String?
        var emittedID: String?
    }

    private struct PendingItem {
        var kind: Kind
        var text = ""
    }

    private enum Phase { case initial, streaming, ended }

    private let configuration: Configuration
    private let estimator = TokenEstimator()
    private var phase = Phase.initial
    private var nextBlockIndex = 0
    private var live: (kind: Kind, index: Int)?
    private var pending: [PendingItem] = []
    private var tools: [Int: ToolCall] = [:]
    /// The call each upstream `index` currently feeds (keys of `tools`).
    private var callForUpstreamIndex: [Int: Int] = [:]
    private var lastToolIndex: Int?
    private var usedToolIDs: Set<String> = []
    private var splitter: ThinkTagSplitter
    private var finishReason: String?
    private var matchedStop: String?
    private var upstreamUsage: ChatChunk.UpstreamUsage?
    /// Output tokens estimated from what was emitted, for progress and when the upstream sends no usage.
    public var estimatedOutputTokens: Int {
        countedOutputTokens + (uncountedOutput.utf8.count + 3) / 4
    }
    private var countedOutputTokens = 0
    /// Output not yet run through the estimator: it is counted in pieces of a few hundred
    /// bytes, not per delta (a call per token-sized delta showed up in profiles).
    private var uncountedOutput = ""

    /// A translator for one response; call ``start()`` first.
    public init(configuration: Configuration) {
        self.configuration = configuration
        splitter = ThinkTagSplitter(mode: configuration.thinkTags)
    }

    /// Whether a finish reason arrived (the answer is complete even if the usage chunk is missing).
    public var hasFinishReason: Bool { finishReason != nil }

    /// Whether the stream has ended (normally or with an error).
    public var isEnded: Bool { phase == .ended }

    /// The upstream's usage when it sent one.
    public var reportedUsage: ChatChunk.UpstreamUsage? { upstreamUsage }

    /// The opening events.
    public mutating func start() -> [StreamEvent] {
        guard phase == .initial else { return [] }
        phase = .streaming
        return [
            .messageStart(
                id: configuration.messageID,
                model: configuration.model,
                inputTokens: configuration.estimatedInputTokens
            )
        ]
    }

    /// Translates one chunk.
    public mutating func feed(_ chunk: ChatChunk) -> [StreamEvent] {
        var events = start()
        guard phase == .streaming else { return events }
        if let error = chunk.error {
            let status = error.status ?? 500
            events += fail(APIError.forUpstreamStatus(status, message: "upstream error: \(error.message)"))
            return events
        }
        if let usage = chunk.usage { upstreamUsage = usage }
        if let reasoning = chunk.reasoning, !reasoning.isEmpty {
            splitter.reasoningArrivedSeparately()
            appendContent(.thinking, reasoning, into: &events)
        }
        if let content = chunk.content, !content.isEmpty {
            for segment in splitter.feed(content) {
                switch segment {
                case .thinking(let text): appendContent(.thinking, text, into: &events)
                case .text(let text): appendContent(.text, text, into: &events)
                }
            }
        }
        if let refusal = chunk.refusal, !refusal.isEmpty {
            appendContent(.text, refusal, into: &events)
        }
        for call in chunk.toolCalls {
            appendToolDelta(call, into: &events)
        }
        if let reason = chunk.finishReason {
            if reason == "error" {
                events += fail(APIError(.api, "upstream reported an error and stopped the answer"))
                return events
            }
            if reason == "insufficient_system_resource" {
                events += fail(APIError(.overloaded, "upstream ran out of resources and stopped the answer"))
                return events
            }
            finishReason = reason
            if let stop = chunk.matchedStop { matchedStop = stop }
        }
        return events
    }

    /// Ends the stream when the upstream is done (`[DONE]` or end of body). Without a finish
    /// reason the answer is incomplete, which is reported as an error, never as `end_turn`.
    public mutating func finish() -> [StreamEvent] {
        var events = start()
        guard phase == .streaming else { return events }
        guard let finishReason else {
            return events
                + fail(APIError(.api, "upstream stream ended before the answer was complete (no finish_reason)"))
        }
        for segment in splitter.flush() {
            switch segment {
            case .thinking(let text): appendContent(.thinking, text, into: &events)
            case .text(let text): appendContent(.text, text, into: &events)
            }
        }
        closeLive(into: &events)
        while !pending.isEmpty {
            let item = pending.removeFirst()
            if case .tool(let index) = item.kind, let call = tools[index], isExitTool(call) { continue }
            open(item, into: &events)
            closeLive(into: &events)
        }
        emitHeldToolCalls(into: &events)
        let producedToolCall = tools.values.contains { $0.block != nil && !isExitTool($0) }
        let stopReason: StopReason
        var stopSequence: String?
        switch finishReason {
        case "length": stopReason = .maxTokens
        case _ where producedToolCall: stopReason = .toolUse
        case "tool_calls", "function_call": stopReason = .endTurn
        case "content_filter": stopReason = .refusal
        default:
            if let matchedStop, configuration.stopSequences.contains(matchedStop) {
                stopReason = .stopSequence
                stopSequence = matchedStop
            } else {
                stopReason = .endTurn
            }
        }
        events.append(.messageDelta(stopReason: stopReason, stopSequence: stopSequence, usage: finalUsage))
        events.append(.messageStop)
        phase = .ended
        return events
    }

    /// Ends the stream with an error event.
    public mutating func fail(_ error: APIError) -> [StreamEvent] {
        var events = start()
        guard phase == .streaming else { return events }
        phase = .ended
        events.append(.error(error))
        return events
    }

    /// Usage for the final `message_delta`: the upstream's when it reported one, else estimates.
    public var finalUsage: Usage {
        if let usage = upstreamUsage {
            let cached = min(usage.cachedTokens, usage.promptTokens)
            return Usage(
                inputTokens: usage.promptTokens - cached,
                outputTokens: usage.completionTokens,
                cacheReadInputTokens: cached
            )
        }
        let pending = uncountedOutput.isEmpty ? 0 : estimator.count(uncountedOutput)
        return Usage(inputTokens: configuration.estimatedInputTokens, outputTokens: countedOutputTokens + pending)
    }

    // MARK: - Blocks

    private mutating func appendContent(_ kind: Kind, _ text: String, into events: inout [StreamEvent]) {
        countOutput(text)
        if let live, live.kind == kind {
            events.append(.contentBlockDelta(index: live.index, delta(kind, text)))
            return
        }
        if pending.isEmpty, liveCanClose {
            closeLive(into: &events)
            open(PendingItem(kind: kind, text: text), into: &events)
            return
        }
        if let last = pending.indices.last, pending[last].kind == kind {
            pending[last].text += text
        } else {
            pending.append(PendingItem(kind: kind, text: text))
        }
    }

    private mutating func countOutput(_ text: String) {
        uncountedOutput += text
        if uncountedOutput.utf8.count >= 512 {
            countedOutputTokens += estimator.count(uncountedOutput)
            uncountedOutput = ""
        }
    }

    private mutating func appendToolDelta(_ delta: ChatChunk.ToolCallDelta, into events: inout [StreamEvent]) {
        let index = resolveToolIndex(delta)
        lastToolIndex = index
        var call = tools[index] ?? ToolCall()
        if call.id == nil, let id = delta.id, !id.isEmpty { call.id = id }
        if call.name == nil, let name = delta.name, !name.isEmpty { call.name = name }
        if let signature = delta.thoughtSignature, !signature.isEmpty {
            call.signature = signature
            if let id = call.emittedID { configuration.thoughtSignatures?.record(signature, forToolID: id) }
        }
        if let arguments = delta.arguments, !arguments.isEmpty {
            if call.closed {
                // Only whitespace can validly follow a complete value; anything else was
                // already impossible to place in a closed block.
                tools[index] = call
                return
            }
            call.arguments += arguments
            call.tracker.feed(arguments)
            countOutput(arguments)
        }
        tools[index] = call
        if configuration.bufferToolArguments || isExitTool(call) {
            // Held until the end; drop any place it had in the queue.
            pending.removeAll { $0.kind == .tool(index) }
            if liveCanClose { drainPending(into: &events) }
            return
        }
        if let live, live.kind == .tool(index) {
            flushArguments(of: index, block: live.index, into: &events)
            if call.tracker.isComplete, !pending.isEmpty { drainPending(into: &events) }
            return
        }
        guard call.block == nil else { return }
        if !pending.contains(where: { $0.kind == .tool(index) }) {
            if call.name != nil, pending.isEmpty, liveCanClose {
                closeLive(into: &events)
                open(PendingItem(kind: .tool(index)), into: &events)
                return
            }
            pending.append(PendingItem(kind: .tool(index)))
        }
        if liveCanClose { drainPending(into: &events) }
    }

    private mutating func resolveToolIndex(_ delta: ChatChunk.ToolCallDelta) -> Int {
        let id = delta.id.flatMap { $0.isEmpty ? nil : $0 }
        if let index = delta.index {
            // Some servers (Ollama, some LiteLLM bridges) give every parallel call `index: 0`: a
            // different id at a used index is a new call, and later pieces at that index feed it.
            if let call = callForUpstreamIndex[index], id == nil || tools[call]?.id == nil || tools[call]?.id == id {
                return call
            }
            let call = (tools.keys.max() ?? -1) + 1
            callForUpstreamIndex[index] = call
            return call
        }
        // No index (some Gemini and Ollama builds): a new id starts a new call, else the pieces
        // continue the last one.
        if let id, let last = lastToolIndex, tools[last]?.id != id {
            return (tools.keys.max() ?? -1) + 1
        }
        if let last = lastToolIndex { return last }
        return (tools.keys.max() ?? -1) + 1
    }

    private func isExitTool(_ call: ToolCall) -> Bool {
        guard let exit = configuration.exitToolName else { return false }
        return call.name == exit
    }

    /// Emits the tool calls held back (buffered mode, `ExitTool`) in call order: each as one
    /// block with its whole (repaired) input; an `ExitTool` call as the answer's text.
    private mutating func emitHeldToolCalls(into events: inout [StreamEvent]) {
        for index in tools.keys.sorted() {
            guard var call = tools[index], call.block == nil else { continue }
            let arguments = JSONRepair.repair(call.arguments) ?? "{}"
            if isExitTool(call) {
                let response = (try? JSONParser.parse(arguments))?["response"]?.stringValue ?? ""
                call.block = -1
                tools[index] = call
                guard !response.isEmpty else { continue }
                open(PendingItem(kind: .text, text: response), into: &events)
                closeLive(into: &events)
                continue
            }
            call.arguments = arguments
            call.sentCount = 0
            tools[index] = call
            open(PendingItem(kind: .tool(index)), into: &events)
            closeLive(into: &events)
        }
    }

    private var liveCanClose: Bool {
        guard let live else { return true }
        if case .tool(let index) = live.kind {
            return tools[index]?.tracker.isComplete ?? true
        }
        return true
    }

    private mutating func drainPending(into events: inout [StreamEvent]) {
        while let item = pending.first, liveCanClose {
            if case .tool(let index) = item.kind, tools[index]?.name == nil { return }
            pending.removeFirst()
            closeLive(into: &events)
            open(item, into: &events)
        }
    }

    private mutating func open(_ item: PendingItem, into events: inout [StreamEvent]) {
        let index = nextBlockIndex
        nextBlockIndex += 1
        switch item.kind {
        case .thinking:
            events.append(.contentBlockStart(index: index, .thinking))
            if !item.text.isEmpty { events.append(.contentBlockDelta(index: index, .thinking(item.text))) }
        case .text:
            events.append(.contentBlockStart(index: index, .text))
            if !item.text.isEmpty { events.append(.contentBlockDelta(index: index, .text(item.text))) }
        case .tool(let toolIndex):
            var call = tools[toolIndex] ?? ToolCall()
            let id = uniqueToolID(call.id)
            let upstreamName = call.name ?? "unknown_tool"
            let name = configuration.toolNames[upstreamName] ?? upstreamName
            call.block = index
            call.emittedID = id
            if let signature = call.signature { configuration.thoughtSignatures?.record(signature, forToolID: id) }
            tools[toolIndex] = call
            events.append(.contentBlockStart(index: index, .toolUse(id: id, name: name)))
            live = (item.kind, index)
            flushArguments(of: toolIndex, block: index, into: &events)
            return
        }
        live = (item.kind, index)
    }

    private mutating func flushArguments(of toolIndex: Int, block: Int, into events: inout [StreamEvent]) {
        guard var call = tools[toolIndex] else { return }
        let utf8 = call.arguments.utf8
        guard call.sentCount < utf8.count else { return }
        let unsent = String(decoding: utf8.dropFirst(call.sentCount), as: UTF8.self)
        call.sentCount = utf8.count
        tools[toolIndex] = call
        events.append(.contentBlockDelta(index: block, .inputJSON(unsent)))
    }

    private mutating func closeLive(into events: inout [StreamEvent]) {
        guard let current = live else { return }
        switch current.kind {
        case .thinking:
            events.append(.contentBlockDelta(index: current.index, .signature(Self.thinkingSignature)))
        case .tool(let toolIndex):
            tools[toolIndex]?.closed = true
        case .text: break
        }
        events.append(.contentBlockStop(index: current.index))
        live = nil
    }

    private func delta(_ kind: Kind, _ text: String) -> StreamEvent.Delta {
        switch kind {
        case .thinking: return .thinking(text)
        case .text: return .text(text)
        case .tool: return .inputJSON(text)
        }
    }

    private mutating func uniqueToolID(_ upstream: String?) -> String {
        // Anthropic ids are [A-Za-z0-9_-]+; some providers send other characters, empty ids
        // or the same id twice.
        let allowed = (upstream ?? "").unicodeScalars.filter { scalar in
            scalar.isASCII
                && (scalar.properties.isAlphabetic || scalar.properties.numericType != nil || scalar == "_"
                    || scalar == "-")
        }
        var id = String(String.UnicodeScalarView(allowed))
        if id.isEmpty || usedToolIDs.contains(id) {
            id = "toolu_" + RandomID.make(length: 24)
        }
        usedToolIDs.insert(id)
        return id
    }
}
