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
