extension EventQueue {
    /// Waits up to `timeoutMilliseconds` on the processor's own (unpooled) connection for a NOTIFY
    /// that events became due (sent by every writer of `billing_events` with the insert that
    /// stores them, `EventLogStore.channel`). Returns how many arrived (0: timed out; the
    /// processor polls then anyway).
    public static func waitForDueEvents(timeoutMilliseconds: Int32, in session: PGSession) throws -> Int {
        try session.query("LISTEN \(unsafeSQL: EventLogStore.channel)")
        return try session.waitForNotifications(timeoutMilliseconds: timeoutMilliseconds).count
    }
}
