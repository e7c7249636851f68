/// Collects the output of one request and reports it as ``ProxyEvent/progress(_:)`` events at
/// most every ``interval``, so a dashboard sees text as it streams without an event per token.
struct ProgressReporter {
    static let interval = Duration.milliseconds(100)

    let id: RequestID
    let bus: EventBus
    private var pieces: [ProxyEvent.OutputPiece] = []
    /// The piece being added to, kept apart so appending is amortised O(1) (re-wrapping an
    /// enum payload copies the string on every delta).
    private enum Open { case none, text, thinking, arguments }
    private var open = Open.none
    private var openText = ""
    /// Bytes of output collected; past ``limit`` the rest is not (a dashboard keeps 16k
    /// characters per request, and must still see that there was more).
    private var collected = 0
    static let limit = 32_768
    private var outputTokens = 0
    private var lastReport = ContinuousClock.now
    private var firstTokenReported = false
    private let target: ModelRef
    private let requestStart: ContinuousClock.Instant

    init(id: RequestID, bus: EventBus, target: ModelRef, requestStart: ContinuousClock.Instant) {
        self.id = id
        self.bus = bus
        self.target = target
        self.requestStart = requestStart
    }

    mutating func observe(_ event: StreamEvent, outputTokens: Int) {
        self.outputTokens = outputTokens
        switch event {
        case .contentBlockStart(_, .toolUse(_, let name)):
            append(.toolCall(name: name))
        case .contentBlockDelta(_, let delta):
            if !firstTokenReported {
                firstTokenReported = true
                bus.emit(.firstToken(.init(id: id, target: target, ttft: ContinuousClock.now - requestStart)))
            }
            switch delta {
            case .text(let text): append(.text(text))
            case .thinking(let text): append(.thinking(text))
            case .inputJSON(let json): append(.toolArguments(json))
            case .signature: break
            }
        default: break
        }
    }

    private mutating func append(_ piece: ProxyEvent.OutputPiece) {
        let (kind, text): (Open, String)
        switch piece {
        case .text(let value): (kind, text) = (.text, value)
        case .thinking(let value): (kind, text) = (.thinking, value)
        case .toolArguments(let value): (kind, text) = (.arguments, value)
        case .toolCall:
            closeOpen()
            pieces.append(piece)
            return
        }
        guard collected < Self.limit else { return }
        collected += text.utf8.count
        if kind != open {
            closeOpen()
            open = kind
        }
        openText.append(text)
    }

    private mutating func closeOpen() {
        switch open {
        case .none: return
        case .text: pieces.append(.text(openText))
        case .thinking: pieces.append(.thinking(openText))
        case .arguments: pieces.append(.toolArguments(openText))
        }
        open = .none
        openText = ""
    }

    mutating func flushIfDue() {
        if ContinuousClock.now - lastReport >= Self.interval { flush() }
    }

    mutating func flush() {
        lastReport = ContinuousClock.now
        closeOpen()
        guard !pieces.isEmpty else { return }
        bus.emit(.progress(.init(id: id, outputTokens: outputTokens, pieces: pieces)))
        pieces = []
    }
}
