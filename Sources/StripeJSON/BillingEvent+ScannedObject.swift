import BillingCore

/// `data.object` of a stored event, read before the event's `type` is known (it usually comes last).
///
/// Every member that a subscription, an invoice or a checkout session is read by is scanned, each into
/// what `JSONDecoder` made of its property in the `Decodable` shapes this replaced: absent (missing or
/// `null`), a value, or refused. A member's property has the same type in every shape that has it (an
/// id string, an expandable reference, a `[String: String]` map…), so one read serves them all; the type
/// then picks the members its shape has, and any of those refused, or required and absent, refuses the
/// event, as `JSONDecoder` threw. Strings stay tokens until the shape is known.
struct ScannedObject {
    typealias Decoded = JSONScanner.Decoded
    typealias StringToken = JSONScanner.StringToken
    typealias Malformed = JSONScanner.Malformed

    // Every shape.
    var id: Decoded<StringToken> = .absent
    var customer: Decoded<StringToken> = .absent
    /// `metadata.client_id` (the map itself absent, or that member missing: `nil`).
    var metadataClientId: Decoded<StringToken?> = .absent
    // A subscription.
    var status: Decoded<StringToken> = .absent
    var trialStart: Decoded<Int64> = .absent
    var trialEnd: Decoded<Int64> = .absent
    var currentPeriodStart: Decoded<Int64> = .absent
    var currentPeriodEnd: Decoded<Int64> = .absent
    /// `items.data[]`: the earliest start and the latest end of the items.
    var itemsPeriod: Decoded<Period> = .absent
    var cancelAtPeriodEnd: Decoded<Bool> = .absent
    var canceledAt: Decoded<Int64> = .absent
    var pauseCollection: Decoded<Void> = .absent
    // An invoice and a checkout session.
    var subscription: Decoded<StringToken> = .absent
    // An invoice.
    /// `subscription_details.metadata.client_id` (before basil).
    var subscriptionDetailsClientId: Decoded<StringToken?> = .absent
    /// `parent.subscription_details` (basil).
    var parent: Decoded<ParentDetails> = .absent
    var billingReason: Decoded<StringToken> = .absent
    var amountPaid: Decoded<Int64> = .absent
    var created: Decoded<Int64> = .absent
    // A checkout session.
    var clientReferenceId: Decoded<StringToken> = .absent

    struct Period {
        var start: Int64?
        var end: Int64?
    }

    /// What `parent.subscription_details` holds: its `subscription` and `metadata.client_id`.
    struct ParentDetails {
        var subscription: StringToken?
        var metadataClientId: StringToken?
    }

    // MARK: - Reading

    static func read(_ scanner: inout JSONScanner) throws(Malformed) -> Decoded<ScannedObject> {
        var object = ScannedObject()
        let read = try scanner.decodeObject(ObjectKey.self) { scanner, key throws(Malformed) in
            switch key {
            case .id: object.id = try scanner.decodeString()
            case .customer: object.customer = try scanner.decodeReference()
            case .metadata: object.metadataClientId = try scanner.decodeStringMap(member: "client_id")
            case .status: object.status = try scanner.decodeString()
            case .trialStart: object.trialStart = try scanner.decodeInt64()
            case .trialEnd: object.trialEnd = try scanner.decodeInt64()
            case .currentPeriodStart: object.currentPeriodStart = try scanner.decodeInt64()
            case .currentPeriodEnd: object.currentPeriodEnd = try scanner.decodeInt64()
            case .items: object.itemsPeriod = try readItems(&scanner)
            case .cancelAtPeriodEnd: object.cancelAtPeriodEnd = try scanner.decodeBool()
            case .canceledAt: object.canceledAt = try scanner.decodeInt64()
            case .pauseCollection: object.pauseCollection = try readPauseCollection(&scanner)
            case .subscription: object.subscription = try scanner.decodeReference()
            case .subscriptionDetails: object.subscriptionDetailsClientId = try readMetadataHolder(&scanner)
            case .parent: object.parent = try readParent(&scanner)
            case .billingReason: object.billingReason = try scanner.decodeString()
            case .amountPaid: object.amountPaid = try scanner.decodeInt64()
            case .created: object.created = try scanner.decodeInt64()
            case .clientReferenceId: object.clientReferenceId = try scanner.decodeString()
            }
        }
        return read.map { object }
    }

    /// `items`: `{"data": [{"current_period_start": …, "current_period_end": …}, …]}`, `data` required
    /// and every element an object.
    private static func readItems(_ scanner: inout JSONScanner) throws(Malformed) -> Decoded<Period> {
        var data: Decoded<Period> = .refused   // until read: `data` is required
        let items = try scanner.decodeObject(ItemsKey.self) { scanner, _ throws(Malformed) in
            var period = Period()
            let array = try scanner.decodeArray { scanner throws(Malformed) in
                var start: Decoded<Int64> = .absent
                var end: Decoded<Int64> = .absent
                let item = try scanner.decodeObject(ItemKey.self) { scanner, key throws(Malformed) in
                    switch key {
                    case .currentPeriodStart: start = try scanner.decodeInt64()
                    case .currentPeriodEnd: end = try scanner.decodeInt64()
                    }
                }
                guard case .value = item, let itemStart = start.accepted, let itemEnd = end.accepted else {
                    return false
                }
                if let itemStart { period.start = min(period.start ?? itemStart, itemStart) }
                if let itemEnd { period.end = max(period.end ?? itemEnd, itemEnd) }
                return true
            }
            data = if case .value = array { .value(period) } else { .refused }
        }
        return items.flatMap { data }
    }

    /// `pause_collection`: an object whose `behavior` is an optional string.
    private static func readPauseCollection(_ scanner: inout JSONScanner) throws(Malformed) -> Decoded<Void> {
        var behavior: Decoded<StringToken> = .absent
        let pause = try scanner.decodeObject(PauseCollectionKey.self) { scanner, _ throws(Malformed) in
            behavior = try scanner.decodeString()
        }
        return pause.flatMap {
            if case .refused = behavior { .refused } else { .value(()) }
        }
    }

    /// An invoice's `subscription_details` (before basil): `{"metadata": {…}}`.
    private static func readMetadataHolder(_ scanner: inout JSONScanner) throws(Malformed) -> Decoded<StringToken?> {
        var metadata: Decoded<StringToken?> = .absent
        let holder = try scanner.decodeObject(MetadataHolderKey.self) { scanner, _ throws(Malformed) in
            metadata = try scanner.decodeStringMap(member: "client_id")
        }
        return holder.flatMap {
            switch metadata {
            case .absent: .value(nil)
            case .value(let clientId): .value(clientId)
            case .refused: .refused
            }
        }
    }

    /// An invoice's `parent` (basil): `{"subscription_details": {"subscription": …, "metadata": {…}}}`.
    private static func readParent(_ scanner: inout JSONScanner) throws(Malformed) -> Decoded<ParentDetails> {
        var details: Decoded<ParentDetails> = .absent
        let parent = try scanner.decodeObject(ParentKey.self) { scanner, _ throws(Malformed) in
            var subscription: Decoded<StringToken> = .absent
            var metadata: Decoded<StringToken?> = .absent
            let read = try scanner.decodeObject(SubscriptionDetailsKey.self) { scanner, key throws(Malformed) in
                switch key {
                case .subscription: subscription = try scanner.decodeReference()
                case .metadata: metadata = try scanner.decodeStringMap(member: "client_id")
                }
            }
            details = read.flatMap {
                guard let subscription = subscription.accepted, let metadata = metadata.accepted else {
                    return .refused
                }
                return .value(ParentDetails(subscription: subscription, metadataClientId: metadata ?? nil))
            }
        }
        return parent.flatMap {
            switch details {
            case .absent: .value(ParentDetails())   // `subscription_details` missing or null
            case .value, .refused: details
            }
        }
    }

    // MARK: - Shapes

    /// The object as `type` reads it.
    func kind(_ type: ActedOnEventType, _ scanner: JSONScanner) throws(BillingCoreError) -> BillingEvent.Kind {
        switch type {
        case .subscriptionCreated, .subscriptionUpdated, .subscriptionDeleted, .subscriptionPaused,
             .subscriptionResumed:
            .subscription(try snapshot(scanner))
        case .invoicePaid, .invoicePaymentSucceeded:
            .invoice(try invoice(.paid, scanner))
        case .invoicePaymentFailed:
            .invoice(try invoice(.paymentFailed, scanner))
        case .checkoutSessionCompleted:
            .checkoutCompleted(try checkoutCompletion(scanner))
        }
    }

    func snapshot(_ scanner: JSONScanner) throws(BillingCoreError) -> SubscriptionSnapshot {
        let id = try self.id.required("data.object.id")
        let customer = try self.customer.optional("data.object.customer")
        let status = try self.status.required("data.object.status")
        let trialStart = try self.trialStart.optional("data.object.trial_start")
        let trialEnd = try self.trialEnd.optional("data.object.trial_end")
        let currentPeriodStart = try self.currentPeriodStart.optional("data.object.current_period_start")
        let currentPeriodEnd = try self.currentPeriodEnd.optional("data.object.current_period_end")
        let itemsPeriod = try self.itemsPeriod.optional("data.object.items")
        let cancelAtPeriodEnd = try self.cancelAtPeriodEnd.optional("data.object.cancel_at_period_end")
        let canceledAt = try self.canceledAt.optional("data.object.canceled_at")
        let pauseCollection: Void? = try self.pauseCollection.optional("data.object.pause_collection")
        let metadataClientId = try self.metadataClientId.optional("data.object.metadata") ?? nil
        guard let mapped = StripeSubscriptionStatus(rawValue: scanner.text(of: status)) else {
            throw BillingCoreError(.undecodableEvent, "data.object.status is not a known subscription status")
        }
        return SubscriptionSnapshot(
            id: scanner.text(of: id), customerId: scanner.text(ifAny: customer), status: mapped,
            trialStart: trialStart, trialEnd: trialEnd,
            currentPeriodStart: currentPeriodStart ?? itemsPeriod?.start,
            currentPeriodEnd: currentPeriodEnd ?? itemsPeriod?.end,
            cancelAtPeriodEnd: cancelAtPeriodEnd ?? false, canceledAt: canceledAt,
            collectionPaused: pauseCollection != nil, metadataClientId: scanner.text(ifAny: metadataClientId))
    }

    private func invoice(
        _ signal: InvoiceSignal.Signal, _ scanner: JSONScanner
    ) throws(BillingCoreError) -> InvoiceSignal {
        let id = try self.id.required("data.object.id")
        let customer = try self.customer.optional("data.object.customer")
        let subscription = try self.subscription.optional("data.object.subscription")
        let detailsClientId = try subscriptionDetailsClientId.optional("data.object.subscription_details") ?? nil
        let parent = try self.parent.optional("data.object.parent")
        let billingReason = try self.billingReason.optional("data.object.billing_reason")
        let amountPaid = try self.amountPaid.optional("data.object.amount_paid")
        let created = try self.created.required("data.object.created")
        let metadataClientId = try self.metadataClientId.optional("data.object.metadata") ?? nil
        return InvoiceSignal(
            signal: signal, invoiceId: scanner.text(of: id), customerId: scanner.text(ifAny: customer),
            subscriptionId: scanner.text(ifAny: subscription ?? parent?.subscription),
            billingReason: scanner.text(ifAny: billingReason), amountPaid: amountPaid ?? 0, invoiceCreated: created,
            metadataClientId: scanner.text(ifAny: metadataClientId),
            subscriptionMetadataClientId: scanner.text(ifAny: detailsClientId ?? parent?.metadataClientId))
    }

    private func checkoutCompletion(_ scanner: JSONScanner) throws(BillingCoreError) -> CheckoutCompletion {
        let id = try self.id.required("data.object.id")
        let customer = try self.customer.optional("data.object.customer")
        let subscription = try self.subscription.optional("data.object.subscription")
        let clientReferenceId = try self.clientReferenceId.optional("data.object.client_reference_id")
        let metadataClientId = try self.metadataClientId.optional("data.object.metadata") ?? nil
        return CheckoutCompletion(
            sessionId: scanner.text(of: id), customerId: scanner.text(ifAny: customer),
            subscriptionId: scanner.text(ifAny: subscription), clientReferenceId: scanner.text(ifAny: clientReferenceId),
            metadataClientId: scanner.text(ifAny: metadataClientId))
    }
}

extension SubscriptionSnapshot {
    /// The subscription object in `bytes` (the REST API's answer), read as an event's `data.object` is.
    static func scan(_ bytes: UnsafeBufferPointer<UInt8>) throws(BillingCoreError) -> SubscriptionSnapshot {
        var scanner = JSONScanner(bytes)
        let object: ScannedObject.Decoded<ScannedObject>
        do {
            object = try ScannedObject.read(&scanner)
            try scanner.finish()
        } catch {
            throw BillingCoreError(.undecodableEvent, "the payload is not valid JSON")
        }
        guard case .value(let subscription) = object else {
            throw BillingCoreError(.undecodableEvent, "the payload is not a subscription object")
        }
        do {
            return try subscription.snapshot(scanner)
        } catch {
            // `snapshot` names members as an event holds them (`data.object.status`); here they are top-level.
            let prefix = "data.object."
            guard error.message.hasPrefix(prefix) else { throw error }
            throw BillingCoreError(error.code, String(error.message.dropFirst(prefix.count)))
        }
    }
}

extension JSONScanner {
    /// The text of a token, if there is one.
    fileprivate func text(ifAny token: StringToken?) -> String? {
        guard let token else { return nil }
        return text(of: token)
    }
}

extension JSONScanner.Decoded {
    /// The value of an optional property as `JSONDecoder` decoded it (`.some(nil)` when absent), `nil`
    /// when refused.
    fileprivate var accepted: Value?? {
        switch self {
        case .absent: .some(nil)
        case .value(let value): .some(value)
        case .refused: nil
        }
    }

    /// An object read by `decodeObject`, whose members' reads decide the result.
    fileprivate func flatMap<Other>(_ transform: () -> JSONScanner.Decoded<Other>) -> JSONScanner.Decoded<Other> {
        switch self {
        case .absent: .absent
        case .value: transform()
        case .refused: .refused
        }
    }

    fileprivate func map<Other>(_ transform: () -> Other) -> JSONScanner.Decoded<Other> {
        flatMap { .value(transform()) }
    }
}

// MARK: - Keys

private enum ObjectKey: Int, JSONMemberKey {
    static let names = JSONMemberNames<Self>()

    case id, customer, metadata, status, trialStart, trialEnd, currentPeriodStart, currentPeriodEnd, items
    case cancelAtPeriodEnd, canceledAt, pauseCollection, subscription, subscriptionDetails, parent, billingReason
    case amountPaid, created, clientReferenceId

    var name: StaticString {
        switch self {
        case .id: "id"
        case .customer: "customer"
        case .metadata: "metadata"
        case .status: "status"
        case .trialStart: "trial_start"
        case .trialEnd: "trial_end"
        case .currentPeriodStart: "current_period_start"
        case .currentPeriodEnd: "current_period_end"
        case .items: "items"
        case .cancelAtPeriodEnd: "cancel_at_period_end"
        case .canceledAt: "canceled_at"
        case .pauseCollection: "pause_collection"
        case .subscription: "subscription"
        case .subscriptionDetails: "subscription_details"
        case .parent: "parent"
        case .billingReason: "billing_reason"
        case .amountPaid: "amount_paid"
        case .created: "created"
        case .clientReferenceId: "client_reference_id"
        }
    }
}

private enum ItemsKey: Int, JSONMemberKey {
    static let names = JSONMemberNames<Self>()

    case data

    var name: StaticString { "data" }
}

private enum ItemKey: Int, JSONMemberKey {
    static let names = JSONMemberNames<Self>()

    case currentPeriodStart, currentPeriodEnd

    var name: StaticString {
        switch self {
        case .currentPeriodStart: "current_period_start"
        case .currentPeriodEnd: "current_period_end"
        }
    }
}

private enum PauseCollectionKey: Int, JSONMemberKey {
    static let names = JSONMemberNames<Self>()

    case behavior

    var name: StaticString { "behavior" }
}

private enum MetadataHolderKey: Int, JSONMemberKey {
    static let names = JSONMemberNames<Self>()

    case metadata

    var name: StaticString { "metadata" }
}

private enum ParentKey: Int, JSONMemberKey {
    static let names = JSONMemberNames<Self>()

    case subscriptionDetails

    var name: StaticString { "subscription_details" }
}

private enum SubscriptionDetailsKey: Int, JSONMemberKey {
    static let names = JSONMemberNames<Self>()

    case subscription, metadata

    var name: StaticString {
        switch self {
        case .subscription: "subscription"
        case .metadata: "metadata"
        }
    }
}
