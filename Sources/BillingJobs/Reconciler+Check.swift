import BillingCore
import BillingPostgres
import StripeAPI

extension Reconciler {
    /// Fetches one client's subscription, records its drift and, with `apply`, repairs it.
    func check(_ local: LocalRow, apply: Bool, into report: inout ReconcileReport) async throws {
        report.checked += 1
        let snapshot: SubscriptionSnapshot
        let fetchedAt: Int64
        do {
            let fetched = try await stripe.subscription(id: local.subscriptionId)
            snapshot = fetched.snapshot
            fetchedAt = fetched.fetchedAt
        } catch let error as StripeAPIError where error.code == .notFound || error.code == .invalidResponse {
            report.errors.append(.init(clientId: local.clientId, message: error.message))
            return
        }
        let drift = SubscriptionDrift.compare(local.fields, with: snapshot)
        guard !drift.isEmpty else { return }
        switch local.paymentSource {
        case .manual, .waived:
            report.pinned += drift.map { ReconcileReport.Entry(clientId: local.clientId, drift: $0, repaired: false, pinnedBy: local.paymentSource) }
            return
        case .none, .stripe:
            break
        }
        var repairedFields = Set<SubscriptionDrift.Field>()
        if apply {
            repairedFields = try await repair(local, snapshot: snapshot, fetchedAt: fetchedAt, drift: drift, run: report.run)
        }
        report.drift += drift.map {
            ReconcileReport.Entry(clientId: local.clientId, drift: $0, repaired: repairedFields.contains($0.field), pinnedBy: nil)
        }
    }

    /// Applies the fetched subscription through `BillingStateMachine.reconcile` (watermark = fetch
    /// time) on the locked client rows, with one `admin_actions` row, in one transaction.
    /// - Returns: the drifted fields that now match Stripe.
    private func repair(
        _ local: LocalRow, snapshot: SubscriptionSnapshot, fetchedAt: Int64, drift: [SubscriptionDrift], run: String
    ) async throws -> Set<SubscriptionDrift.Field> {
        let now = self.now()
        return try await pool.withTransaction { session in
            guard let state = try ClientStateStore.lock(clientId: local.clientId, in: session) else { return [] }
            let decision = BillingStateMachine.reconcile(
                billing: state.billing, controls: state.controls, subscription: snapshot, fetchedAt: fetchedAt, now: now)
            guard decision.outcome == .applied else { return [] }
            try ClientStateStore.write(decision, in: session)
            if let requeue = BatchRequeue(index: 0, clientId: local.clientId, decision: decision) {
                try EventQueue.requeue(requeue, except: [], in: session)
            }
            let after = SubscriptionDrift.Local(decision.billing)
            let repaired = Set(drift.map(\.field).filter { SubscriptionDrift.matches($0, local: after, subscription: snapshot) })
            try AdminActionStore.append(
                adminId: Self.adminId, clientId: local.clientId, action: .reconcile, reason: run,
                metadataJSON: JSONText.render([
                    "subscription_id": snapshot.id, "fetched_at": CLITime.iso(fetchedAt),
                    "outcome": decision.outcome.rawValue,
                    "before": ReconcileReport.fields(SubscriptionDrift.Local(state.billing)),
                    "after": ReconcileReport.fields(after),
                    "repaired": repaired.map(\.rawValue).sorted(),
                ] as [String: Any]),
                in: session)
            return repaired
        }
    }
}
