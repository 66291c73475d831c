import BillingPostgres

/// `billing-worker prune --processed-before T` (SPEC §8, §10): clears the payload of
/// `processed` and `ignored` events processed before `T`, in batches of short transactions,
/// keeping the rows so that a late redelivery is still a duplicate.
public enum PruneJob {
    /// Returns how many payloads were cleared.
    public static func run(
        processedBefore: Int64, pool: PGPool, batchSize: Int = 5_000, progress: @escaping ProgressSink = { _ in }
    ) async throws -> Int {
        var total = 0
        while true {
            let n = try await pool.withTransaction { session in
                try EventLogStore.prunePayloads(processedBefore: processedBefore, limit: batchSize, in: session)
            }
            total += n
            if n < batchSize { return total }
            progress("prune: \(total) payloads cleared so far")
        }
    }
}
