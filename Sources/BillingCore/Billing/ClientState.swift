/// A client's `client_billing` and `client_controls` rows, as the state machine sees them.
public struct ClientState: Sendable, Hashable {
    public var billing: ClientBilling
    public var controls: ClientControls

    public init(billing: ClientBilling, controls: ClientControls) {
        self.billing = billing
        self.controls = controls
    }
}
