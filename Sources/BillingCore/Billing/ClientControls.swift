/// A client's operational switches and payment-gate alert memory (`client_controls`, SPEC §3 and §6).
public struct ClientControls: Sendable, Hashable {
    public var outboundPaused: Bool
    public var aiDisabled: Bool
    /// Payment-gate alerts are suppressed (and not recorded as sent) while this is set.
    public var opsAlertsMuted: Bool
    /// When the last payment-gate alert of the current episode was raised; cleared when the gate opens or on reset.
    public var paymentGateAlertedAt: Int64?
    /// Closed states already alerted in the current episode, in the order they were alerted.
    public var paymentGateAlertedStates: [BillingStatus]
    /// Payment-gate alerts ever raised for this client; never reset.
    public var paymentGateAlertCount: Int

    /// - Parameters: each defaults to the value of a new client (nothing paused, unmuted, never alerted).
    public init(
        outboundPaused: Bool = false,
        aiDisabled: Bool = false,
        opsAlertsMuted: Bool = false,
        paymentGateAlertedAt: Int64? = nil,
        paymentGateAlertedStates: [BillingStatus] = [],
        paymentGateAlertCount: Int = 0
    ) {
        self.outboundPaused = outboundPaused
        self.aiDisabled = aiDisabled
        self.opsAlertsMuted = opsAlertsMuted
        self.paymentGateAlertedAt = paymentGateAlertedAt
        self.paymentGateAlertedStates = paymentGateAlertedStates
        self.paymentGateAlertCount = paymentGateAlertCount
    }
}
