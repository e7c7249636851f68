import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Gives memory back to the system when the proxy goes idle.
///
/// glibc's allocator keeps freed memory for reuse, so after a burst of traffic the process
/// would stay at its peak size indefinitely. Shortly after the last request in flight ends (and
/// none has started since), `malloc_trim` returns the free pages. Off the request path.
///
/// Trimming once is not enough: after the last request's end, memory is still being released
/// for a while (streams cut by clients that hung up are cancelled upstream, their connections
/// closed, the ledger's last batch written), so a trim right away leaves that memory held.
/// Each idle period is trimmed at every point of `settle` (measured from the moment the proxy
/// went idle), as long as it stays idle.
final class IdleMemoryTrimmer: Sendable {
    /// When, after going idle, to trim: soon, then once the stragglers have been released.
    static let settle: [Duration] = [.milliseconds(100), .milliseconds(500)]

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
    private let settle: [Duration]
    private let trim: @Sendable () -> Void

    /// A trimmer calling `trim` (glibc's `malloc_trim(0)` by default) at each point of `settle`.
    init(settle: [Duration] = IdleMemoryTrimmer.settle, trim: (@Sendable () -> Void)? = nil) {
        self.settle = settle.sorted()
        self.trim = trim ?? { _ = IdleMemoryTrimmer.mallocTrim?(0) }
    }

    /// Requests in flight now.
    var inFlight: Int { state.withLock { $0.inFlight } }

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
        let settle = self.settle
        Task.detached {
            var slept = Duration.zero
            for point in settle {
                try? await Task.sleep(for: point - slept)
                slept = point
                // A request started since (even one that has ended again) makes this idle
                // period over; the next one schedules its own trims.
                guard self.state.withLock({ $0.inFlight == 0 && $0.generation == idleGeneration }) else { return }
                self.trim()
            }
        }
    }
}
