import Synchronization

/// Receives proxy events. Called on the request's own task: it must return at once and never
/// block (queue, drop, or fold in place).
public protocol ProxyEventSink: Sendable {
    func receive(_ event: ProxyEvent)
    /// Whether it wants `progress` events (output as it streams); building them costs time and
    /// memory per request, so the proxy only does when some sink wants them.
    var wantsProgress: Bool { get }
}

extension ProxyEventSink {
    /// Sinks get progress events unless they say otherwise.
    public var wantsProgress: Bool { true }
}

/// Fans proxy events out to sinks (the dashboard). With no sink attached, emitting costs one
/// atomic load, so headless serving pays nothing for it.
public final class EventBus: Sendable {
    private let sinks = Mutex<[any ProxyEventSink]>([])
    private let active = Atomic<Bool>(false)
    private let progress = Atomic<Bool>(false)
    private let nextID = Atomic<UInt64>(1)

    /// A bus with no sinks, counting request ids from 1.
    public init() {}

    /// Whether anyone listens (callers skip building detail nobody will see).
    public var hasSinks: Bool { active.load(ordering: .relaxed) }

    /// Whether a sink wants `progress` events (the dashboard; not the usage ledger).
    public var wantsProgress: Bool { progress.load(ordering: .relaxed) }

    /// Adds a sink.
    public func attach(_ sink: any ProxyEventSink) {
        sinks.withLock { sinks in
            sinks.append(sink)
            active.store(true, ordering: .relaxed)
            if sink.wantsProgress { progress.store(true, ordering: .relaxed) }
        }
    }

    /// Sends an event to every sink.
    public func emit(_ event: ProxyEvent) {
        guard hasSinks else { return }
        let current = sinks.withLock { $0 }
        for sink in current { sink.receive(event) }
    }

    /// A new request id.
    public func makeRequestID() -> RequestID {
        RequestID(nextID.add(1, ordering: .relaxed).oldValue)
    }
}
