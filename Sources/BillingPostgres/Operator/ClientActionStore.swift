/// The client actions of SPEC §7 that do not go through the billing state machine: the
/// `client_controls` flags an operator sets, and completing onboarding. Always in the caller's
/// transaction, after `ClientStateStore.lock(clientId:in:)` has locked the client and created
/// any missing companion rows.
public enum ClientActionStore {
    /// A `client_controls` flag an operator sets directly.
    public enum ControlFlag: String, Sendable, CaseIterable {
        case outboundPaused = "outbound_paused"
        case opsAlertsMuted = "ops_alerts_muted"
    }

    /// Sets one flag of the client's `client_controls` row (and its `updated_at`).
    public static func set(_ flag: ControlFlag, to value: Bool, clientId: String, in session: PGSession) throws {
        try session.query("""
            UPDATE client_controls SET \(unsafeSQL: flag.rawValue) = \(value), updated_at = now() WHERE client_id = \(clientId)
            """)
    }

    /// The fields of `onboarding_states` that completing onboarding changes, as stored.
    public struct Onboarding: Sendable, Hashable {
        public var currentState: String?
        /// `completed_at` as PostgreSQL renders it in JSON (`2025-06-02T09:15:07.123456+00:00` in UTC).
        public var completedAt: String?
    }

    /// Sets `current_state = 'COMPLETED'`; `completed_at` is set on the first completion and kept
    /// after. Returns the fields before and after (`nil` when the client has no onboarding row).
    public static func completeOnboarding(clientId: String, in session: PGSession) throws -> (before: Onboarding?, after: Onboarding?) {
        func onboarding(_ row: PGRow?) -> Onboarding? {
            row.map { Onboarding(currentState: $0.string("current_state"), completedAt: $0.string("completed_at")) }
        }
        let before = try session.query("""
            SELECT current_state, to_jsonb(completed_at) #>> '{}' AS completed_at
            FROM onboarding_states WHERE client_id = \(clientId) FOR UPDATE
            """).first
        let after = try session.query("""
            UPDATE onboarding_states SET current_state = 'COMPLETED', completed_at = COALESCE(completed_at, now()),
                   updated_at = now()
            WHERE client_id = \(clientId)
            RETURNING current_state, to_jsonb(completed_at) #>> '{}' AS completed_at
            """).first
        return (onboarding(before), onboarding(after))
    }
}
