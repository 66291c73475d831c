import BillingCore
import Foundation

/// What one `reconcile` run found and did, with its two renderings and exit status (SPEC §10).
public struct ReconcileReport: Sendable, Equatable {
    /// One differing field of one client.
    public struct Entry: Sendable, Equatable {
        public var clientId: String
        public var drift: SubscriptionDrift
        /// The field matches Stripe after `--apply`.
        public var repaired: Bool
        /// MANUAL or WAIVED: reported as pinned, never drift, never repaired.
        public var pinnedBy: PaymentSource?
    }

    /// A client whose subscription could not be fetched or read.
    public struct ClientError: Sendable, Equatable {
        public var clientId: String
        public var message: String
    }

    /// `reconcile run <ISO time>`: the audit rows' reason.
    public var run: String
    /// Whether the run repaired (`--apply`).
    public var applied: Bool
    /// Clients whose subscription was compared (or attempted).
    public var checked = 0
    /// Events stored by back-fill.
    public var backfilled = 0
    /// Events processed after back-fill.
    public var processed = 0
    public var drift: [Entry] = []
    public var pinned: [Entry] = []
    public var errors: [ClientError] = []

    public init(run: String, applied: Bool) {
        self.run = run
        self.applied = applied
    }

    /// 1 when a client could not be checked, else 3 when drift was found (repaired or not), else 0.
    public var exitCode: Int32 {
        if !errors.isEmpty { return 1 }
        return drift.isEmpty ? 0 : 3
    }

    /// `{"checked":N,"drift":[{"client_id","field","local","stripe","repaired"}],"backfilled":N}`,
    /// plus `pinned` and `errors` arrays (empty when none).
    public func renderJSON() -> String {
        func item(_ e: Entry) -> [String: Any] {
            var item: [String: Any] = [
                "client_id": e.clientId, "field": e.drift.field.rawValue, "local": Self.json(e.drift.local),
                "stripe": Self.json(e.drift.stripe), "repaired": e.repaired,
            ]
            if let source = e.pinnedBy { item["payment_source"] = source.rawValue }
            return item
        }
        return JSONText.render([
            "checked": checked, "backfilled": backfilled, "drift": drift.map(item), "pinned": pinned.map(item),
            "errors": errors.map { ["client_id": $0.clientId, "message": $0.message] },
        ] as [String: Any]) + "\n"
    }

    /// A table of drift and pinned fields, the errors, and a summary line saying whether the
    /// drift was repaired.
    public func renderTable() -> String {
        var out = ""
        let rows = (drift + pinned).map { e -> [String] in
            let result: String
            if let source = e.pinnedBy { result = "pinned (\(source.rawValue))" }
            else if e.repaired { result = "repaired" }
            else { result = applied ? "NOT repaired" : "drift" }
            return [e.clientId, e.drift.field.rawValue, Self.text(e.drift.local), Self.text(e.drift.stripe), result]
        }
        if !rows.isEmpty { out += TextTable.render(header: ["CLIENT", "FIELD", "LOCAL", "STRIPE", "RESULT"], rows: rows) }
        for e in errors { out += "error: client \(e.clientId): \(e.message)\n" }
        let clients = Set(drift.map(\.clientId)).count
        let repaired = drift.filter(\.repaired).count
        var summary = "\(run): checked \(checked) client(s), back-filled \(backfilled) event(s); "
        if drift.isEmpty {
            summary += "no drift"
        } else {
            summary += "drift in \(drift.count) field(s) of \(clients) client(s), "
            summary += applied ? "\(repaired) repaired" : "not repaired (run with --apply)"
        }
        if !pinned.isEmpty { summary += "; \(Set(pinned.map(\.clientId)).count) pinned client(s) left alone" }
        if !errors.isEmpty { summary += "; \(errors.count) error(s)" }
        return out + summary + "\n"
    }

    static func json(_ value: SubscriptionDrift.Value) -> Any {
        switch value {
        case .status(let s): s.rawValue
        case .timestamp(let t): t.map { CLITime.iso($0) as Any } ?? NSNull()
        case .flag(let f): f
        }
    }

    static func text(_ value: SubscriptionDrift.Value) -> String {
        switch value {
        case .status(let s): s.rawValue
        case .timestamp(let t): t.map(CLITime.iso) ?? "null"
        case .flag(let f): f ? "true" : "false"
        }
    }

    /// The compared fields as JSON values (audit metadata).
    static func fields(_ local: SubscriptionDrift.Local) -> [String: Any] {
        [
            "status": local.status.rawValue,
            "current_period_end": local.currentPeriodEnd.map { CLITime.iso($0) as Any } ?? NSNull(),
            "cancel_at_period_end": local.cancelAtPeriodEnd,
        ]
    }
}
