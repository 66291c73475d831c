import BillingCore
import BillingPostgres
@testable import BillingServer
import Testing

/// One typed audit action for the admin API, the console and the jobs (issue 17): the names stored in
/// `admin_actions.action` are SPEC §7's paths and the jobs' names, unchanged.
@Suite struct AuditActionTests {
    /// Every client action is audited under its own path segment.
    @Test func clientActionsAreAuditedUnderTheirPaths() {
        for action in ClientAction.allCases {
            #expect(action.auditAction.rawValue == action.rawValue)
        }
    }

    /// The stored names, all of them: renaming one would split the audit trail.
    @Test func storedNamesAreStable() {
        #expect(AuditAction.allCases.map(\.rawValue) == [
            "create-client", "confirm-payment", "waive", "complete-onboarding", "pause-outbound", "resume-outbound",
            "mute-alerts", "unmute-alerts", "reset-payment-alert", "acknowledge-alert", "replay-event", "ingest", "reconcile",
        ])
    }
}

/// One `APIError.Code` for every error body, the webhook's included (issue 17).
@Suite struct APIErrorCodeTests {
    /// The webhook's codes are the core's, and a core code for stored events only is shown as `invalid_payload`.
    @Test func webhookCodesAreTheCoresCodes() {
        #expect(APIError.Code(.missingSignature) == .missingSignature)
        #expect(APIError.Code(.malformedSignature) == .malformedSignature)
        #expect(APIError.Code(.signatureMismatch) == .signatureMismatch)
        #expect(APIError.Code(.timestampOutsideTolerance) == .timestampOutsideTolerance)
        #expect(APIError.Code(.invalidPayload) == .invalidPayload)
        #expect(APIError.Code(.undecodableEvent) == .invalidPayload)
    }
}
