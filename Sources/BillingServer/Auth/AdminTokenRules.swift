/// What `serve` accepts in `BILLING_ADMIN_TOKENS` (issue 16): tokens of at least 32 characters,
/// and no admin id that the service itself writes into audit rows.
public enum AdminTokenRules {
    /// Shortest accepted token: 32 characters (`openssl rand -hex 32` gives 64).
    public static let minimumLength = 32
    /// Admin ids recorded by the service's own actions; an operator using one would blur the audit trail.
    public static let reservedAdminIds: Set<String> = ["system", "importer", "reconciler"]
    /// How to make a good token, quoted by every refusal.
    static let advice = "make one with `openssl rand -hex 32`"

    /// The first problem with `pairs`, as one line, or `nil` when every pair is acceptable.
    /// The message names the admin id, never the token.
    public static func problem(in pairs: [(adminId: String, token: String)]) -> String? {
        for pair in pairs {
            if reservedAdminIds.contains(pair.adminId.lowercased()) {
                return "BILLING_ADMIN_TOKENS: admin id \"\(pair.adminId)\" is reserved (system, importer, reconciler); "
                    + "choose another id and give it a token of at least \(minimumLength) characters — \(advice)"
            }
            if pair.token.count < minimumLength {
                return "BILLING_ADMIN_TOKENS: the token of admin \"\(pair.adminId)\" has \(pair.token.count) characters; "
                    + "at least \(minimumLength) are required — \(advice)"
            }
        }
        return nil
    }
}
