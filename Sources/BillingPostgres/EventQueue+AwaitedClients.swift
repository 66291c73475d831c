import BillingCore

extension EventQueue {
    /// Re-queues every `unmatched` event that names a client id which exists now (SPEC §5: events
    /// naming a client id are processed once that client appears). Returns how many.
    ///
    /// The trigger of migration 0011 does this when a client is inserted; this sweep is the safety
    /// net for clients that arrived without firing it (logical replication, a restore). It reads
    /// only the unmatched events (the partial status index), never the whole log.
    @discardableResult
    public static func releaseEventsAwaitingExistingClients(in session: PGSession) throws -> Int {
        try session.prepared("release_awaiting_clients", """
            UPDATE billing_events AS e SET status = 'received', next_attempt_at = now()
            WHERE e.status = 'unmatched' AND e.awaited_client_ids IS NOT NULL
              AND EXISTS (SELECT 1 FROM clients c WHERE c.id = ANY(e.awaited_client_ids))
            RETURNING e.id
            """).count
    }
}
