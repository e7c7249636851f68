import NIOCore

/// Runs a task's jobs on one NIO event loop: a request's work stays on its client connection's
/// loop.
///
/// Without it a task runs wherever it was last resumed: a streamed answer resumes on the loop of
/// the provider connection that delivered the bytes, so the translation work follows the pool's
/// connections, which can all sit on one loop. Seen on 2 cores: in about half of the runs one
/// loop did 99% of a core's work while the other idled at 28% (1.27 cores used, against 1.6 when
/// they were even), for the whole life of the process. Client connections are spread evenly over
/// the loops, so keeping each request on its client's loop spreads the work with them.
public final class EventLoopTaskExecutor: TaskExecutor, Sendable {
    /// The loop the jobs run on.
    public let eventLoop: any EventLoop

    /// An executor for `eventLoop`.
    public init(_ eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    /// Runs `job` on the loop.
    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        eventLoop.execute {
            job.runSynchronously(on: self.asUnownedTaskExecutor())
        }
    }
}
