import BillingCore
@testable import BillingPostgres
import BillingTestSupport
import Testing

/// The alerts and gate acknowledgements of a batch's decisions, written in two statements, leave the
/// rows that appending each decision's alerts and then applying its acknowledgement, one statement
/// each, would leave.
@Suite struct AlertBatchWriteTests {
    typealias Decision = (alerts: [AlertToAppend], acknowledgement: GateAlertAcknowledgement?)

    static func gate(_ client: String, _ n: Int) -> AlertToAppend {
        AlertToAppend(type: .paymentGate, key: AlertToAppend.paymentGateKey(clientId: client), severity: .critical,
                      clientId: client, message: "gate closed \(n)", metadata: ["n": String(n)])
    }

    static func failure(_ client: String, _ n: Int) -> AlertToAppend {
        .eventProcessingFailed(stripeEventId: "evt_\(n)", eventType: "invoice.paid", clientId: client, attempts: 8, lastError: "boom")
    }

    static func ack(_ client: String, _ event: String) -> GateAlertAcknowledgement {
        GateAlertAcknowledgement(clientId: client, resolution: event)
    }

    /// Client a: an open alert from before, then alert, acknowledgement, alert, acknowledgement in
    /// the same decision as an alert, and a last alert left open; a failure alert in between is never
    /// acknowledged. Client b: only alerts. Client c: an acknowledgement with nothing open.
    static let decisions: [Decision] = [
        ([gate("clt_a", 1)], nil),
        ([failure("clt_a", 2), gate("clt_b", 3)], ack("clt_a", "evt_open_1")),
        ([gate("clt_a", 4)], nil),
        ([gate("clt_a", 5)], ack("clt_a", "evt_open_2")),
        ([], ack("clt_c", "evt_open_3")),
        ([gate("clt_a", 6), gate("clt_b", 7)], nil),
    ]

    /// The rows of `alert_logs` after an open alert of a and b from before, then `write`.
    static func rowsAfter(_ write: @escaping @Sendable (PGSession) throws -> [Int64]) async throws -> (ids: [Int64], rows: [String]) {
        try await TestDatabase.withFresh { url in
            let pool = PGPool(url: url, size: 1)
            let result = try await pool.withConnection { s in
                try s.execute(script: "BEGIN")
                for client in ["clt_a", "clt_b"] { try AlertLogStore.append(gate(client, 0), in: s) }
                let ids = try write(s)
                let rows = try s.query("""
                    SELECT id, alert_type, client_id, message, metadata::text AS metadata, acknowledged_at = now() AS acked_now,
                           acknowledged_by, resolution, created_at = now() AS created_now
                    FROM alert_logs ORDER BY id
                    """).rows.map { r in
                        ["alert_type", "client_id", "message", "metadata", "acked_now", "acknowledged_by", "resolution", "created_now"]
                            .map { "\($0)=\(r.string($0) ?? "null")" }.joined(separator: " ")
                    }
                let all = try s.query("SELECT id FROM alert_logs ORDER BY id").rows.compactMap { $0.int64("id") }
                try s.execute(script: "COMMIT")
                return (Array(all.dropFirst(2)) == ids ? ids : [], rows)
            }
            await pool.shutdown()
            return result
        }
    }

    @Test func twoStatementsLeaveTheRowsOfOneByOne() async throws {
        let oneByOne = try await Self.rowsAfter { s in
            var ids: [Int64] = []
            for d in Self.decisions {
                for alert in d.alerts { ids.append(try AlertLogStore.append(alert, in: s)) }
                if let ack = d.acknowledgement { try AlertLogStore.acknowledgeGateAlerts(ack, in: s) }
            }
            return ids
        }
        let batched = try await Self.rowsAfter { s in try AlertLogStore.write(Self.decisions, in: s) }
        #expect(batched.rows == oneByOne.rows)
        // The ids are the appended alerts', in the decisions' order.
        #expect(batched.ids.count == 7)
        #expect(oneByOne.ids.count == 7)
        // What the reference itself left: a's open alert from before and its alerts 1 and 4 acknowledged
        // by the first and second acknowledgement, 5 by the one of its own decision, 6 open; b's all open.
        let acked = oneByOne.rows.filter { $0.contains("acked_now=t") }
        #expect(acked.count == 4)
        #expect(acked.allSatisfy { $0.contains("client_id=clt_a") && $0.contains("alert_type=PAYMENT_GATE") })
        #expect(acked.filter { $0.contains("resolution=evt_open_1") }.count == 2)
        #expect(acked.filter { $0.contains("resolution=evt_open_2") }.count == 2)
    }
}
