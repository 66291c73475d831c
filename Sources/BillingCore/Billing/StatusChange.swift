/// One change of a client's status or payment source, with what caused it: a row of the append-only
/// `billing_status_history` (issue 18). Every writer of a `BillingDecision` appends it in the decision's
/// transaction, so folding a client's rows in order gives its current status and source.
public struct StatusChange: Sendable, Hashable {
    public var fromStatus: BillingStatus
    public var toStatus: BillingStatus
    public var fromSource: PaymentSource
    public var toSource: PaymentSource
    public var cause: GateChangeCause

    public init(
        fromStatus: BillingStatus, toStatus: BillingStatus, fromSource: PaymentSource, toSource: PaymentSource,
        cause: GateChangeCause
    ) {
        self.fromStatus = fromStatus
        self.toStatus = toStatus
        self.fromSource = fromSource
        self.toSource = toSource
        self.cause = cause
    }

    /// The change from `before` to `after`, or `nil` when neither the status nor the payment source moved.
    public init?(from before: ClientBilling, to after: ClientBilling, cause: GateChangeCause) {
        guard before.status != after.status || before.paymentSource != after.paymentSource else { return nil }
        self.init(fromStatus: before.status, toStatus: after.status, fromSource: before.paymentSource,
                  toSource: after.paymentSource, cause: cause)
    }
}
