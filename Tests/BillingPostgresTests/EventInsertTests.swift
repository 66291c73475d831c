import BillingCore
import BillingPostgres
import BillingTestSupport
import StripeJSON
import Testing

/// `EventLogStore.insert`, the one insert of event rows, and `countDeliveries`: new ids are inserted,
/// an id stored before is left as it is (the insert never waits for a processor's lock on it), and its
/// webhook deliveries are counted apart.
@Suite struct EventInsertTests {
    static func row(_ id: String, deliveries: Int, customer: String = "cus_1") throws -> NewEventRow {
        let body = #"{"id":"\#(id)","object":"event","type":"invoice.created","created":1750000000,"api_version":"2025-03-31.basil","livemode":false,"data":{"object":{"id":"in_1","object":"invoice","customer":"\#(customer)"}}}"#
        let event = IncomingEvent(envelope: try EventEnvelope(decoding: Array(body.utf8)), payload: body, source: .webhook)
        return NewEventRow(event: event, deliveries: deliveries)
    }

    /// A connection holding `id`'s row as a processor does: locked `FOR UPDATE` in an open transaction.
    static func holdRow(_ id: String, url: String) async throws -> PGConnection {
        let holder = try await PGConnection.connect(url)
        try await holder.withSession { s in
            try s.execute(script: "BEGIN")
            try s.query("SELECT id FROM billing_events WHERE stripe_event_id = \(id) FOR UPDATE")
        }
        return holder
    }

    /// Commits `holdRow`'s transaction (the lock goes) and closes its connection.
    static func release(_ holder: PGConnection) async throws {
        try await holder.withSession { s in try s.execute(script: "COMMIT") }
        await holder.close()
    }

    static func deliveryCount(_ pool: PGPool, _ id: String) async throws -> Int? {
        try await pool.withConnection { s in
            try s.query("SELECT delivery_count FROM billing_events WHERE stripe_event_id = \(id)").first?.int("delivery_count")
        }
    }

    @Test func storedIdsAreLeftAsTheyAreAndCountedApart() async throws {
        try await TestDatabase.withFresh { url in
            let pool = PGPool(url: url, size: 2)
            let first = try await pool.withTransaction { s in try EventLogStore.insert([try Self.row("evt_a", deliveries: 1)], in: s) }
            #expect(first == ["evt_a"])
            let again = try await pool.withTransaction { s in
                try EventLogStore.insert([try Self.row("evt_a", deliveries: 2), try Self.row("evt_b", deliveries: 1),
                                          try Self.row("evt_c", deliveries: 0)], in: s)
            }
            #expect(again == ["evt_b", "evt_c"])
            #expect(try await Self.deliveryCount(pool, "evt_a") == 1)
            #expect(try await Self.deliveryCount(pool, "evt_b") == 1)
            #expect(try await Self.deliveryCount(pool, "evt_c") == 0)
            _ = try await pool.withTransaction { s in try EventLogStore.countDeliveries([try Self.row("evt_a", deliveries: 2)], in: s) }
            #expect(try await Self.deliveryCount(pool, "evt_a") == 3)
            await pool.shutdown()
        }
    }

    /// A stored row a processor holds does not hold up the insert of new events beside it.
    @Test func aLockedStoredRowDoesNotHoldUpNewEvents() async throws {
        try await TestDatabase.withFresh { url in
            let pool = PGPool(url: url, size: 1)
            _ = try await pool.withTransaction { s in try EventLogStore.insert([try Self.row("evt_held", deliveries: 1)], in: s) }
            let holder = try await Self.holdRow("evt_held", url: url)
            let inserted = try await pool.withTransaction { s in
                try EventLogStore.insert([try Self.row("evt_held", deliveries: 1), try Self.row("evt_new", deliveries: 1)], in: s)
            }
            #expect(inserted == ["evt_new"])
            try await Self.release(holder)
            await pool.shutdown()
        }
    }

    /// Counting without waiting: a row a processor holds, and an id no longer stored, come back
    /// uncounted; once the lock is gone the same call counts the row.
    @Test func countingSkipsALockedRowAndCountsItOnceFree() async throws {
        try await TestDatabase.withFresh { url in
            let pool = PGPool(url: url, size: 1)
            _ = try await pool.withConnection { s in
                try EventLogStore.insert([try Self.row("evt_held", deliveries: 1), try Self.row("evt_free", deliveries: 1)], in: s)
            }
            let holder = try await Self.holdRow("evt_held", url: url)
            let rows = [try Self.row("evt_held", deliveries: 2), try Self.row("evt_free", deliveries: 1), try Self.row("evt_gone", deliveries: 1)]
            let skipped = try await pool.withConnection { s in try EventLogStore.countDeliveriesUnlessLocked(rows, in: s) }
            #expect(skipped.map(\.event.envelope.id) == ["evt_held", "evt_gone"])
            #expect(try await Self.deliveryCount(pool, "evt_held") == 1)
            #expect(try await Self.deliveryCount(pool, "evt_free") == 2)

            try await Self.release(holder)
            let left = try await pool.withConnection { s in try EventLogStore.countDeliveriesUnlessLocked(Array(rows.prefix(1)), in: s) }
            #expect(left.isEmpty)
            #expect(try await Self.deliveryCount(pool, "evt_held") == 3)
            await pool.shutdown()
        }
    }

    /// Two transactions inserting the same two new ids, given in opposite orders, do not deadlock:
    /// rows go in in id order, so the second one waits for the first instead of holding an id the
    /// first then waits for (PostgreSQL would fail one of them after its 1 s deadlock check).
    @Test func batchesWithTheSameIdsInOppositeOrdersDoNotDeadlock() async throws {
        try await TestDatabase.withFresh { url in
            let first = try await PGConnection.connect(url)
            let second = try await PGConnection.connect(url)
            let x = try Self.row("evt_order_x", deliveries: 1), y = try Self.row("evt_order_y", deliveries: 1)
            let firstInserted = try await first.withSession { s in
                try s.execute(script: "BEGIN")
                return try EventLogStore.insert([x], in: s)
            }
            #expect(firstInserted == ["evt_order_x"])
            // Waits for `first` on evt_order_x (given last, inserted first).
            let secondBatch = Task {
                try await second.withSession { s in
                    try s.execute(script: "BEGIN")
                    let inserted = try EventLogStore.insert([y, x], in: s)
                    try s.execute(script: "COMMIT")
                    return inserted
                }
            }
            try await Task.sleep(for: .milliseconds(300))
            let thenY = try await first.withSession { s in
                let inserted = try EventLogStore.insert([y], in: s)
                try s.execute(script: "COMMIT")
                return inserted
            }
            #expect(thenY == ["evt_order_y"])
            #expect(try await secondBatch.value.isEmpty)
            await first.close()
            await second.close()
        }
    }

    /// Webhook ingest's statement: new ids inserted, stored ids counted, in one statement that the
    /// caller's rollback undoes whole.
    @Test func storeInsertsNewIdsAndCountsStoredOnes() async throws {
        try await TestDatabase.withFresh { url in
            let pool = PGPool(url: url, size: 1)
            _ = try await pool.withConnection { s in try EventLogStore.insert([try Self.row("evt_a", deliveries: 1)], in: s) }
            let stored = try await pool.withConnection { s in
                try EventLogStore.store([try Self.row("evt_a", deliveries: 2), try Self.row("evt_b", deliveries: 1)], in: s)
            }
            #expect(stored == EventLogStore.StoredRows(inserted: ["evt_b"], counted: ["evt_a"]))
            #expect(try await Self.deliveryCount(pool, "evt_a") == 3)
            #expect(try await Self.deliveryCount(pool, "evt_b") == 1)

            struct Undo: Error {}
            await #expect(throws: Undo.self) {
                try await pool.withTransaction { s in
                    let again = try EventLogStore.store([try Self.row("evt_a", deliveries: 1), try Self.row("evt_c", deliveries: 1)], in: s)
                    #expect(again == EventLogStore.StoredRows(inserted: ["evt_c"], counted: ["evt_a"]))
                    throw Undo()
                }
            }
            #expect(try await Self.deliveryCount(pool, "evt_a") == 3)
            #expect(try await Self.deliveryCount(pool, "evt_c") == nil)
            await pool.shutdown()
        }
    }

    /// A stored row a processor holds is neither waited for nor counted: the caller counts it apart.
    @Test func storeLeavesAHeldRowUncountedWithoutWaiting() async throws {
        try await TestDatabase.withFresh { url in
            let pool = PGPool(url: url, size: 1)
            _ = try await pool.withConnection { s in try EventLogStore.insert([try Self.row("evt_held", deliveries: 1)], in: s) }
            let holder = try await Self.holdRow("evt_held", url: url)
            let stored = try await pool.withConnection { s in
                try EventLogStore.store([try Self.row("evt_held", deliveries: 1), try Self.row("evt_new", deliveries: 1)], in: s)
            }
            #expect(stored == EventLogStore.StoredRows(inserted: ["evt_new"], counted: []))
            try await Self.release(holder)
            #expect(try await Self.deliveryCount(pool, "evt_held") == 1)
            await pool.shutdown()
        }
    }

    /// The statement inserts before it counts, so two batches that both count the same stored ids do
    /// not deadlock: here the second waits in its insert for the first's uncounted commit of evt_x
    /// while holding nothing, and the first can then count evt_y. Counting first, the second would
    /// hold evt_y's new version while waiting, and the first would wait for it in turn.
    @Test func storeInsertsBeforeItCountsSoBatchesDoNotDeadlock() async throws {
        try await TestDatabase.withFresh { url in
            let pool = PGPool(url: url, size: 1)
            let first = try await PGConnection.connect(url)
            _ = try await pool.withConnection { s in
                try EventLogStore.insert([try Self.row("evt_x", deliveries: 1), try Self.row("evt_y", deliveries: 1)], in: s)
            }
            let x = try Self.row("evt_x", deliveries: 1), y = try Self.row("evt_y", deliveries: 1)
            let counted = try await first.withSession { s in
                try s.execute(script: "BEGIN")
                return try EventLogStore.store([x], in: s).counted
            }
            #expect(counted == ["evt_x"])
            let second = Task { try await pool.withConnection { s in try EventLogStore.store([x, y], in: s) } }
            try await Task.sleep(for: .milliseconds(300))
            let thenY = try await first.withSession { s in
                let stored = try EventLogStore.store([y], in: s)
                try s.execute(script: "COMMIT")
                return stored
            }
            #expect(thenY == EventLogStore.StoredRows(inserted: [], counted: ["evt_y"]))
            #expect(try await second.value == EventLogStore.StoredRows(inserted: [], counted: ["evt_x", "evt_y"]))
            #expect(try await Self.deliveryCount(pool, "evt_x") == 3)
            #expect(try await Self.deliveryCount(pool, "evt_y") == 3)
            await first.close()
            await pool.shutdown()
        }
    }
}
