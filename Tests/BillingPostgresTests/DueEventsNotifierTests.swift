import BillingCore
import BillingPostgres
import BillingTestSupport
import Foundation
import Testing

/// Processors are woken by a NOTIFY that webhook ingest sends after its commit, in a statement of its
/// own (`DueEventsNotifier`), and commits close together share one.
@Suite struct DueEventsNotifierTests {
    /// LISTENs on `listener` at once, runs `start`, then counts notifications until `expected` have
    /// arrived (or 20 s passed, on a loaded machine), and for `quietMilliseconds` more, so that any
    /// extra one is counted too.
    static func notifications(
        on listener: PGConnection, expected: Int, quietMilliseconds: Int, after start: @Sendable () async throws -> Void
    ) async throws -> Int {
        _ = try await listener.withSession { s in try EventQueue.waitForDueEvents(timeoutMilliseconds: 0, in: s) }
        try await start()
        var count = 0
        var deadline = Date().addingTimeInterval(20)
        var quiet = false
        while Date() < deadline {
            if count >= expected, !quiet {
                quiet = true
                deadline = Date().addingTimeInterval(Double(quietMilliseconds) / 1000)
            }
            let left = Int32(max(1, deadline.timeIntervalSinceNow * 1000))
            count += try await listener.withSession { s in try EventQueue.waitForDueEvents(timeoutMilliseconds: left, in: s) }
        }
        return count
    }

    @Test func aStoredWebhookDeliveryWakesTheProcessors() async throws {
        try await TestDatabase.withFresh { url in
            let pool = PGPool(url: url, size: 2)
            let listener = try await PGConnection.connect(url)
            let writer = IngestWriter(pool: pool)
            let woken = try await Self.notifications(on: listener, expected: 1, quietMilliseconds: 300) {
                let answer = try await writer.store(try EventInsertTests.row("evt_wake", deliveries: 1).event)
                #expect(answer == .stored)
            }
            #expect(woken == 1)
            // A redelivery stores nothing new and wakes nobody.
            let again = try await Self.notifications(on: listener, expected: 0, quietMilliseconds: 500) {
                let answer = try await writer.store(try EventInsertTests.row("evt_wake", deliveries: 1).event)
                #expect(answer == .duplicate)
            }
            #expect(again == 0)
            await listener.close()
            await pool.shutdown()
        }
    }

    /// Ten signals in a row: the first NOTIFY goes at once, the other nine share the one sent after
    /// the interval.
    @Test func signalsWithinTheIntervalShareOneNotify() async throws {
        try await TestDatabase.withFresh { url in
            let pool = PGPool(url: url, size: 1)
            let listener = try await PGConnection.connect(url)
            let notifier = DueEventsNotifier(pool: pool, interval: .milliseconds(300))
            let woken = try await Self.notifications(on: listener, expected: 2, quietMilliseconds: 700) {
                for _ in 0..<10 { notifier.eventsBecameDue() }
            }
            #expect(woken == 2)
            await listener.close()
            await pool.shutdown()
        }
    }
}
