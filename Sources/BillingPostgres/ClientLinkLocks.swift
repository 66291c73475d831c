import BillingCore

/// The transaction-scoped advisory locks that keep an event from being parked as `unmatched`
/// while the link it waits for is being made.
///
/// Without them two transactions lose a wake-up: worker A links customer `cus` and re-queues its
/// `unmatched` events while worker B, which had not seen A's uncommitted link, is parking an event
/// of `cus` as `unmatched` — A's re-queue cannot see B's uncommitted row, and the event would
/// wait forever. Both sides take the customer's lock (until their transaction ends), so either B
/// resolves after A's commit, or A re-queues after B's. A client that appears in `clients` is the
/// same race with the trigger of migration 0011, which holds the client's lock shared.
struct ClientLinkLocks {
    /// Customers whose link lock this transaction holds.
    private(set) var customers: Set<String> = []
    /// Client ids whose link lock was tried (held, or busy).
    private(set) var clientIds: Set<String> = []
    /// Client ids being inserted by another transaction right now.
    private(set) var busyClientIds: Set<String> = []

    /// Takes the locks of `keys` not tried yet — customers first (waiting for them), then client ids
    /// (never waiting: a busy one is recorded), each kind in sorted order. Keys with neither a
    /// customer nor a client id need no lock. Returns whether any lock was new: the caller must
    /// then resolve again, to see what was linked before the lock was granted.
    mutating func take(for keys: [ClientResolutionKeys], in session: PGSession) throws -> Bool {
        let newCustomers = Set(keys.compactMap(\.customerId)).subtracting(customers).sorted()
        let newClientIds = Set(keys.flatMap(\.candidateClientIds)).subtracting(clientIds).sorted()
        for customer in newCustomers {
            try Self.lockCustomer(customer, in: session)
            customers.insert(customer)
        }
        for clientId in newClientIds {
            clientIds.insert(clientId)
            if try !Self.tryLockClient(clientId, in: session) { busyClientIds.insert(clientId) }
        }
        return !newCustomers.isEmpty || !newClientIds.isEmpty
    }

    /// Whether an event with `keys` names a client being inserted right now: it is postponed.
    func isBusy(_ keys: ClientResolutionKeys) -> Bool {
        keys.candidateClientIds.contains(where: busyClientIds.contains)
    }

    /// The lock on linking `customer` (two-key space, class "bill"), waited for.
    static func lockCustomer(_ customer: String, in session: PGSession) throws {
        try session.prepared("lock_customer_link", "SELECT pg_advisory_xact_lock(1651076204, hashtext(\(customer)))")
    }

    /// The lock on client `clientId` appearing (class "clnt", one of 1,024 buckets). The trigger that
    /// releases the events awaiting new clients (migration 0011) holds it shared while a client is
    /// being inserted; processing never waits for it (so no client insert can deadlock with
    /// processing): false when it is held.
    static func tryLockClient(_ clientId: String, in session: PGSession) throws -> Bool {
        try session.prepared("lock_client_link", """
            SELECT pg_try_advisory_xact_lock(1668050548, hashtext(\(clientId)) & 1023) AS got
            """).first?.bool("got") == true
    }
}
