/// The value `body` produces, or `nil` when `limit` passes first (`body` is then cancelled).
/// With no limit, `body`'s value whenever it comes.
public func valueWithin<T: Sendable>(
    _ limit: Duration?,
    _ body: @escaping @Sendable () async -> T?
) async -> T? {
    await withTaskGroup(of: T?.self) { group in
        group.addTask { await body() }
        if let limit {
            group.addTask {
                try? await Task.sleep(for: limit)
                return nil
            }
        }
        let first = await group.next() ?? nil
        group.cancelAll()
        return first
    }
}

/// What ``withTimeout(_:_:)`` throws when its limit passes first.
struct TimedOut: Error, CustomStringConvertible {
    var description: String { "timed out" }
}

/// Runs `body`, failing with ``TimedOut`` after `limit`.
func withTimeout<T: Sendable>(_ limit: Duration, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: limit)
            return nil
        }
        defer { group.cancelAll() }
        guard let first = try await group.next(), let value = first else { throw TimedOut() }
        return value
    }
}
