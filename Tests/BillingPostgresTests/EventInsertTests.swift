import BillingCore
import BillingPostgres
import BillingTestSupport
import StripeJSON
import Testing

/// `EventLogStore.insert`, the one insert of event rows: new ids are inserted, and the webhook
/// deliveries of ids stored before are counted in the same statement — unless a processor holds the
/// stored row, which the statement never waits for.
@Suite struct EventInsertTests {
    static func row(_ id: String, deliveries: Int) throws -> NewEventRow {
        let body = #"{"id":"\#(id)","object":"event","type":"invoice.created","created":1750000000,"api_version":"2025-03-31.basil","livemode":false,"data":{"object":{"id":"in_1","object":"invoice","customer":"cus_1"}}}"#
        let event = IncomingEvent(envelope: try EventEnvelope(decoding: Array(body.utf8)), payload: body, source: .webhook)
        return NewEventRow(event: event, deliveries: deliveries)
    }

    static func deliveryCount(_ pool: PGPool, _ id: String) async throws -> Int? {
        try await pool.withConnection { s in
            try s.query("SELECT delivery_count FROM billing_events WHERE stripe_event_id = \(id)").first?.int("delivery_count")
        }
    }

    @Test func redeliveriesAreCountedInTheInsertingStatement() async throws {
        try await TestDatabase.withFresh { url in
            let pool = PGPool(url: url, size: 2)
            let first = try await pool.withTransaction { s in try EventLogStore.insert([try Self.row("evt_a", deliveries: 1)], in: s) }
            #expect(first == EventInsertResult(inserted: ["evt_a"], counted: []))
            let again = try await pool.withTransaction { s in
                try EventLogStore.insert([try Self.row("evt_a", deliveries: 2), try Self.row("evt_b", deliveries: 1),
                                          try Self.row("evt_c", deliveries: 0)], in: s)
            }
            #expect(again == EventInsertResult(inserted: ["evt_b", "evt_c"], counted: ["evt_a"]))
            #expect(try await Self.deliveryCount(pool, "evt_a") == 3)
            #expect(try await Self.deliveryCount(pool, "evt_b") == 1)
            #expect(try await Self.deliveryCount(pool, "evt_c") == 0)
            // `ingest` and back-fill (no webhook delivery) change nothing of a stored event.
            let imported = try await pool.withTransaction { s in try EventLogStore.insert([try Self.row("evt_a", deliveries: 0)], in: s) }
            #expect(imported == EventInsertResult())
            #expect(try await Self.deliveryCount(pool, "evt_a") == 3)
            await pool.shutdown()
        }
    }

    /// A stored row a processor holds is skipped, not waited for: neither inserted nor counted, for
    /// `countDeliveries` to count once the lock is gone.
    @Test func aLockedStoredRowIsLeftUncountedWithoutWaiting() async throws {
        try await TestDatabase.withFresh { url in
            let pool = PGPool(url: url, size: 1)
            let holder = try await PGConnection.connect(url)
            _ = try await pool.withTransaction { s in try EventLogStore.insert([try Self.row("evt_held", deliveries: 1)], in: s) }
            try await holder.withSession { s in
                try s.execute(script: "BEGIN")
                try s.query("SELECT id FROM billing_events WHERE stripe_event_id = 'evt_held' FOR UPDATE")
            }
            let result = try await pool.withTransaction { s in
                try EventLogStore.insert([try Self.row("evt_held", deliveries: 1), try Self.row("evt_new", deliveries: 1)], in: s)
            }
            #expect(result == EventInsertResult(inserted: ["evt_new"], counted: []))
            try await holder.withSession { s in try s.execute(script: "COMMIT") }
            _ = try await pool.withTransaction { s in try EventLogStore.countDeliveries([try Self.row("evt_held", deliveries: 1)], in: s) }
            #expect(try await Self.deliveryCount(pool, "evt_held") == 2)
            await holder.close()
            await pool.shutdown()
        }
    }
}
