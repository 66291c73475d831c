import Dispatch

/// A task executor that runs the jobs of the tasks that prefer it on one serial dispatch queue.
///
/// `serve` runs Swift concurrency on its NIO event loop (one thread per two cores), which also reads
/// and answers every HTTP request. A task that only coordinates database work — webhook ingest's
/// group-commit flushes — waited there behind whole bursts of requests: a flush could not start,
/// nor answer its batch, until the event loop had read and verified every request already in, so
/// PostgreSQL and the event loop took turns instead of working at the same time (most batches held
/// all 32 connections' requests in a benchmark at concurrency 32). Such a task runs here instead.
/// (A flusher now only starts here and checks out its connection; it writes and answers its
/// batches on that connection's thread.) Its jobs must not block: libpq calls still run on each
/// connection's own thread.
public final class SerialQueueExecutor: TaskExecutor, Sendable {
    private let queue: DispatchQueue

    /// - Parameter label: the dispatch queue's label (seen in debuggers and profiles).
    public init(label: String) {
        queue = DispatchQueue(label: label)
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        queue.async { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}
