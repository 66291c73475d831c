extension EventQueue {
    /// Waits up to `timeoutMilliseconds` on the processor's own (unpooled) connection for a NOTIFY
    /// that events became due (`EventLogStore.channel`: sent by webhook ingest after its commits,
    /// `DueEventsNotifier`, and by the other writers of `billing_events` in the transaction that
    /// stores them). Returns how many arrived (0: timed out; the processor polls then anyway).
    public static func waitForDueEvents(timeoutMilliseconds: Int32, in session: PGSession) throws -> Int {
        try session.query("LISTEN \(unsafeSQL: EventLogStore.channel)")
        return try session.waitForNotifications(timeoutMilliseconds: timeoutMilliseconds).count
    }
}
