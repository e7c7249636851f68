import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Gives memory back to the system when the proxy goes idle.
///
/// glibc's allocator keeps freed memory for reuse, so after a burst of traffic the process
/// would stay at its peak size indefinitely. Shortly after the last request in flight ends (and
/// none has started since), `malloc_trim` returns the free pages. Off the request path.
final class IdleMemoryTrimmer: Sendable {
    static let delay = Duration.milliseconds(100)

    /// glibc's `malloc_trim` (not exported by Swift's Glibc module), when the C library has one.
    static let mallocTrim: (@convention(c) (Int) -> Int32)? = {
        #if canImport(Glibc)
            guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "malloc_trim") else { return nil }
            return unsafeBitCast(symbol, to: (@convention(c) (Int) -> Int32).self)
        #else
            return nil
        #endif
    }()

    private let state = Mutex<(inFlight: Int, generation: UInt64)>((0, 0))

    func requestStarted() {
        state.withLock { state in
            state.inFlight += 1
            state.generation &+= 1
        }
    }

    func requestEnded() {
        let idleGeneration = state.withLock { state -> UInt64? in
            state.inFlight -= 1
            state.generation &+= 1
            return state.inFlight == 0 ? state.generation : nil
        }
        guard let idleGeneration else { return }
        Task.detached {
            try? await Task.sleep(for: Self.delay)
            guard self.state.withLock({ $0.inFlight == 0 && $0.generation == idleGeneration }) else { return }
            _ = Self.mallocTrim?(0)
        }
    }
}
