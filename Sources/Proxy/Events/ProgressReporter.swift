/// Collects the output of one request and reports it as ``ProxyEvent/progress(_:)`` events at
/// most every ``interval``, so a dashboard sees text as it streams without an event per token.
struct ProgressReporter {
    static let interval = Duration.milliseconds(100)

    let id: RequestID
    let bus: EventBus
    private var pieces: [ProxyEvent.OutputPiece] = []
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
            pieces.append(.toolCall(name: name))
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
        switch (pieces.last, piece) {
        case (.text(let old)?, .text(let new)): pieces[pieces.count - 1] = .text(old + new)
        case (.thinking(let old)?, .thinking(let new)): pieces[pieces.count - 1] = .thinking(old + new)
        case (.toolArguments(let old)?, .toolArguments(let new)): pieces[pieces.count - 1] = .toolArguments(old + new)
        default: pieces.append(piece)
        }
    }

    mutating func flushIfDue() {
        if ContinuousClock.now - lastReport >= Self.interval { flush() }
    }

    mutating func flush() {
        lastReport = ContinuousClock.now
        guard !pieces.isEmpty else { return }
        bus.emit(.progress(.init(id: id, outputTokens: outputTokens, pieces: pieces)))
        pieces = []
    }
}
