import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// A cap on the request bytes held at once across all requests (`MAX_REQUEST_BYTES`): bodies
/// are kept from their arrival to the end of their answer, so without it eight concurrent
/// 20 MB uploads held over 600 MB. Beyond the cap a new request is answered
/// `529 overloaded_error` at once, with `x-should-retry: true`: the overload passes as the
/// requests in flight finish, so a client retry helps.
final class RequestByteBudget: Sendable {
    /// The cap in bytes.
    let limit: Int
    private let held = Mutex(0)

    init(limit: Int) {
        self.limit = max(1, limit)
    }

    /// The default: an eighth of the machine's memory, between 256 MB and 2 GB.
    static var defaultLimit: Int {
        let pages = sysconf(Int32(_SC_PHYS_PAGES))
        let pageSize = sysconf(Int32(_SC_PAGESIZE))
        guard pages > 0, pageSize > 0 else { return 512 * 1024 * 1024 }
        return min(max(pages * pageSize / 8, 256 * 1024 * 1024), 2 * 1024 * 1024 * 1024)
    }

    /// Takes `bytes` from the budget; `false` (and nothing taken) when they do not fit.
    func reserve(_ bytes: Int) -> Bool {
        held.withLock { held in
            guard held + bytes <= limit else { return false }
            held += bytes
            return true
        }
    }

    /// Gives back bytes taken by ``reserve(_:)``.
    func release(_ bytes: Int) {
        held.withLock { $0 = max(0, $0 - bytes) }
    }

    /// Bytes held now.
    var inUse: Int { held.withLock { $0 } }

    /// The error for a request that does not fit.
    func overloaded(_ bytes: Int) -> APIError {
        APIError(
            .overloaded,
            "Switchboard is holding \(inUse / 1_048_576) MB of requests (MAX_REQUEST_BYTES is \(limit / 1_048_576) MB); "
                + "this \(bytes / 1024) KB request does not fit now: retry in a moment",
            retryAfter: 1,
            shouldRetry: true
        )
    }
}
