import NIOCore
import Synchronization

/// Whether the client of a connection is still there, with a hook the request in progress
/// sets so a disconnect cancels its upstream call at once (even while nothing is being written).
final class ClientPresence: Sendable {
    private let state = Mutex<(gone: Bool, hook: (@Sendable () -> Void)?)>((false, nil))

    /// Whether the connection closed.
    var isGone: Bool { state.withLock { $0.gone } }

    /// Runs `hook` when the client goes away (at once if it already has). `nil` clears it.
    func onGone(_ hook: (@Sendable () -> Void)?) {
        let runNow = state.withLock { state -> Bool in
            state.hook = hook
            return state.gone
        }
        if runNow { hook?() }
    }

    func markGone() {
        let hook = state.withLock { state -> (@Sendable () -> Void)? in
            state.gone = true
            return state.hook
        }
        hook?()
    }
}

/// One ``ClientPresence`` per open connection, created on its first request and removed when
/// it closes (registering one close callback per connection, not per request).
final class ConnectionRegistry: Sendable {
    private let connections = Mutex<[ObjectIdentifier: ClientPresence]>([:])

    func presence(for channel: any Channel) -> ClientPresence {
        let key = ObjectIdentifier(channel)
        let (presence, isNew) = connections.withLock { map -> (ClientPresence, Bool) in
            if let existing = map[key] { return (existing, false) }
            let created = ClientPresence()
            map[key] = created
            return (created, true)
        }
        if isNew {
            channel.closeFuture.whenComplete { [weak self] _ in
                _ = self?.connections.withLock { $0.removeValue(forKey: key) }
                presence.markGone()
            }
        }
        return presence
    }

    /// Open connections being watched.
    var count: Int { connections.withLock { $0.count } }
}
