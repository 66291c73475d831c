/// When a status change raises, suppresses or resolves payment-gate alerts (SPEC §6). Pure.
public enum PaymentGateAlertRule {
    /// What a status change does to the gate alerts.
    public struct Effect: Sendable, Hashable {
        public var controls: ClientControls
        public var alert: AlertToAppend?
        public var acknowledgement: GateAlertAcknowledgement?
    }

    /// The effect of moving a client from `from` to `to`.
    ///
    /// - Entering a closed state not yet alerted in this episode alerts (unless muted: then nothing is recorded),
    ///   except PENDING → CANCELED (an abandoned signup), which never alerts.
    /// - Reaching TRIALING/ACTIVE from a non-open state ends the episode: the list is emptied, `alerted_at` cleared
    ///   and the client's open gate alerts are acknowledged as `system`.
    /// - Anything else (e.g. CANCELED → PENDING) leaves the episode as it is.
    public static func statusChanged(
        clientId: String, from: BillingStatus, to: BillingStatus, controls: ClientControls, now: Int64,
        cause: GateChangeCause
    ) -> Effect {
        var effect = Effect(controls: controls, alert: nil, acknowledgement: nil)
        guard from != to else { return effect }
        switch to.paymentGate {
        case .open:
            if from.paymentGate != .open { effect = gateOpened(clientId: clientId, controls: controls, cause: cause) }
        case .pending:
            break
        case .closed:
            guard let severity = to.paymentGateAlertSeverity,
                  !(from == .pending && to == .canceled),
                  !controls.paymentGateAlertedStates.contains(to),
                  !controls.opsAlertsMuted
            else { return effect }
            effect.controls.paymentGateAlertedStates.append(to)
            effect.controls.paymentGateAlertedAt = now
            effect.controls.paymentGateAlertCount += 1
            var metadata = cause.metadata
            metadata["from"] = from.rawValue
            metadata["to"] = to.rawValue
            effect.alert = AlertToAppend(
                type: .paymentGate, key: AlertToAppend.paymentGateKey(clientId: clientId), severity: severity,
                clientId: clientId,
                message: "Client \(clientId) moved \(from.rawValue) → \(to.rawValue): payment gate closed "
                    + "(\(cause.description))",
                metadata: metadata)
        }
        return effect
    }

    /// The gate opened (by an event, confirm-payment or waive): end the episode and acknowledge its alerts.
    public static func gateOpened(clientId: String, controls: ClientControls, cause: GateChangeCause) -> Effect {
        var controls = controls
        controls.paymentGateAlertedStates = []
        controls.paymentGateAlertedAt = nil
        return Effect(
            controls: controls, alert: nil,
            acknowledgement: GateAlertAcknowledgement(
                clientId: clientId, resolution: "Payment gate reopened by \(cause.description)"))
    }
}
