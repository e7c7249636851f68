import Synchronization

/// Gemini's thought signatures, kept by tool-call id so they can be sent back with the calls
/// in later turns (Gemini 3 refuses a history without them). Bounded; oldest forgotten first.
public final class ThoughtSignatureStore: Sendable {
    /// The value Google documents for calls whose signature is unknown.
    public static let placeholder = "skip_thought_signature_validator"
    static let capacity = 4_096

    private let state = Mutex<(signatures: [String: String], order: [String])>(([:], []))

    /// An empty store (it keeps at most 4,096 signatures, dropping the oldest).
    public init() {}

    /// Remembers `signature` for the tool call `id`.
    public func record(_ signature: String, forToolID id: String) {
        state.withLock { state in
            if state.signatures.updateValue(signature, forKey: id) == nil { state.order.append(id) }
            if state.order.count > Self.capacity {
                let excess = state.order.count - Self.capacity
                for old in state.order.prefix(excess) { state.signatures[old] = nil }
                state.order.removeFirst(excess)
            }
        }
    }

    /// The signature of tool call `id`, when seen.
    public func signature(forToolID id: String) -> String? {
        state.withLock { $0.signatures[id] }
    }
}
