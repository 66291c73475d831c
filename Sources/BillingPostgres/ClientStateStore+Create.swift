import BillingCore

extension ClientStateStore {
    /// Creates a client (SPEC §7 `POST /api/admin/clients`) in the caller's transaction: its
    /// `clients` row, then — through `lock(clientId:in:)`, the one place that knows them — its
    /// `client_billing` (PENDING, NONE), `client_controls` and `onboarding_states` rows with their
    /// defaults, locked. Returns the new client's state, or `nil` when the id exists already
    /// (nothing is changed then).
    public static func create(clientId: String, businessName: String, in session: PGSession) throws -> ClientState? {
        let inserted = try session.query("""
            INSERT INTO clients (id, business_name) VALUES (\(clientId), \(businessName))
            ON CONFLICT (id) DO NOTHING RETURNING id
            """)
        guard !inserted.isEmpty else { return nil }
        return try lock(clientId: clientId, in: session)
    }
}
