import BillingCore
import BillingTestSupport
import Testing

@Suite struct RetryPolicyTests {
    /// The backoff ceiling doubles from 1 s and is capped at 10 minutes.
    @Test func ceilingDoublesAndCaps() {
        let policy = RetryPolicy()
        #expect((1...12).map { policy.ceilingSeconds(afterAttempts: $0) } == [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 600, 600])
        #expect(policy.ceilingSeconds(afterAttempts: 1_000) == 600)
    }

    /// Jittered delays stay within half the ceiling and the ceiling.
    @Test func jitterStaysInRange() {
        let policy = RetryPolicy(maxAttempts: 100)
        var random = SeededGenerator(state: 7)
        for attempts in 1...20 {
            guard case .retry(let delay) = policy.decide(afterFailedAttempts: attempts, random: &random) else {
                Issue.record("expected a retry"); return
            }
            let ceiling = policy.ceilingSeconds(afterAttempts: attempts)
            #expect(delay >= ceiling / 2 && delay <= ceiling)
        }
    }

    /// The 8th failed attempt (default) dead-letters the event.
    @Test func failsAfterMaxAttempts() {
        var random = SeededGenerator(state: 1)
        #expect(RetryPolicy().decide(afterFailedAttempts: 8, random: &random) == .fail)
        #expect(RetryPolicy().decide(afterFailedAttempts: 7, random: &random) != .fail)
        #expect(RetryPolicy(maxAttempts: 2).decide(afterFailedAttempts: 2, random: &random) == .fail)
    }

    /// The dead-letter alert is CRITICAL, keyed by the Stripe event id, with the client when known.
    @Test func eventProcessingFailedAlert() {
        let alert = AlertToAppend.eventProcessingFailed(
            stripeEventId: "evt_1", eventType: "invoice.paid", clientId: "clt_1", attempts: 8, lastError: "boom")
        #expect(alert.type == .eventProcessingFailed && alert.type.rawValue == "EVENT_PROCESSING_FAILED")
        #expect(alert.key == "event_failed:evt_1" && alert.severity == .critical && alert.clientId == "clt_1")
    }

    /// Event statuses and outcomes use the stored strings.
    @Test func storedStrings() {
        #expect(EventStatus.allCases.map(\.rawValue) == ["received", "processing", "processed", "ignored", "unmatched", "retry", "failed"])
        #expect(BillingOutcome.allCases.map(\.rawValue) == ["applied", "no_change", "stale", "pinned", "superseded", "ignored"])
        #expect(BillingOutcome.ignored.eventStatus == .ignored && BillingOutcome.stale.eventStatus == .processed)
    }
}
