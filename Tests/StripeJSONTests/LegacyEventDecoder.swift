import BillingCore
import Foundation
@testable import StripeJSON

/// A frozen copy of `BillingEvent.decode(payload:)` as it was before `JSONScanner` replaced Foundation's
/// `JSONDecoder` on that hot path (`BillingEvent+Decoding.swift` at commit 998efeb), kept only as the oracle
/// of `EventDecoderDifferentialTests`: the new decoder must answer every input as this one does (bar bodies
/// that are not JSON text, which only the new one refuses). Never use it outside that test.
enum LegacyEventDecoder {
    /// `BillingEvent.decode(payload:)` as it was before the scanner.
    static func decode(_ payload: some Collection<UInt8>) throws(BillingCoreError) -> BillingEvent {
        try legacyDecodeJSON(LegacyRawEvent.self, from: Data(payload)).event
    }
}

private func legacyDecodeJSON<T: Decodable>(_ type: T.Type, from data: Data) throws(BillingCoreError) -> T {
    do {
        return try JSONDecoder().decode(T.self, from: data)
    } catch let error as DecodingError {
        throw BillingCoreError(.undecodableEvent, legacyDescribe(error))
    } catch let error as BillingCoreError {
        throw error
    } catch {
        throw BillingCoreError(.undecodableEvent, "the payload is not a Stripe event")
    }
}

/// A safe description: the path of the failing field and what went wrong, never a value.
private func legacyDescribe(_ error: DecodingError) -> String {
    func path(_ keys: [any CodingKey]) -> String {
        keys.isEmpty ? "the payload" : keys.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".")
    }
    switch error {
    case .dataCorrupted(let context): return "\(path(context.codingPath)) is not valid JSON or has an invalid value"
    case .keyNotFound(let key, let context): return "\(path(context.codingPath + [key])) is missing"
    case .typeMismatch(_, let context): return "\(path(context.codingPath)) has the wrong type"
    case .valueNotFound(_, let context): return "\(path(context.codingPath)) is null"
    @unknown default: return "the payload is not a Stripe event"
    }
}

// MARK: - Raw shapes

private struct LegacyRawEvent: Decodable {
    let event: BillingEvent

    private enum Keys: String, CodingKey { case id, object, type, created, livemode, data }
    private enum DataKeys: String, CodingKey { case object }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Keys.self)
        let object = try container.decode(String.self, forKey: .object)
        guard object == "event" else {
            throw BillingCoreError(.undecodableEvent, "object is not \"event\"")
        }
        let id = try container.decode(String.self, forKey: .id)
        let type = try container.decode(String.self, forKey: .type)
        let created = try container.decode(Int64.self, forKey: .created)
        let livemode = try container.decode(Bool.self, forKey: .livemode)
        let kind: BillingEvent.Kind
        if let actedOn = ActedOnEventType(rawValue: type) {
            let data = try container.nestedContainer(keyedBy: DataKeys.self, forKey: .data)
            kind = try Self.decodeKind(actedOn, from: data)
        } else {
            kind = .ignored
        }
        event = BillingEvent(id: id, type: type, created: created, livemode: livemode, kind: kind)
    }

    private static func decodeKind(
        _ type: ActedOnEventType, from data: KeyedDecodingContainer<DataKeys>
    ) throws -> BillingEvent.Kind {
        switch type {
        case .subscriptionCreated, .subscriptionUpdated, .subscriptionDeleted, .subscriptionPaused,
             .subscriptionResumed:
            return .subscription(try data.decode(LegacyRawSubscription.self, forKey: .object).snapshot)
        case .invoicePaid, .invoicePaymentSucceeded:
            return .invoice(try data.decode(LegacyRawInvoice.self, forKey: .object).signal(.paid))
        case .invoicePaymentFailed:
            return .invoice(try data.decode(LegacyRawInvoice.self, forKey: .object).signal(.paymentFailed))
        case .checkoutSessionCompleted:
            return .checkoutCompleted(try data.decode(LegacyRawCheckoutSession.self, forKey: .object).completion)
        }
    }
}

/// A reference Stripe renders as an id string or, when expanded, as an object with an `id`.
private struct LegacyExpandableID: Decodable {
    let id: String
    private enum Keys: String, CodingKey { case id }

    init(from decoder: any Decoder) throws {
        if let single = try? decoder.singleValueContainer(), let id = try? single.decode(String.self) {
            self.id = id
        } else {
            id = try decoder.container(keyedBy: Keys.self).decode(String.self, forKey: .id)
        }
    }
}

private struct LegacyRawMetadataHolder: Decodable {
    let metadata: [String: String]?
    var clientId: String? { metadata?["client_id"] }
}

private struct LegacyRawSubscription: Decodable {
    let id: String
    let customer: LegacyExpandableID?
    let status: String
    let trial_start: Int64?
    let trial_end: Int64?
    let current_period_start: Int64?
    let current_period_end: Int64?
    let items: RawItems?
    let cancel_at_period_end: Bool?
    let canceled_at: Int64?
    let pause_collection: RawPauseCollection?
    let metadata: [String: String]?

    struct RawItems: Decodable { let data: [RawItem] }
    struct RawItem: Decodable {
        let current_period_start: Int64?
        let current_period_end: Int64?
    }
    struct RawPauseCollection: Decodable { let behavior: String? }

    var snapshot: SubscriptionSnapshot {
        get throws(BillingCoreError) {
            guard let mapped = StripeSubscriptionStatus(rawValue: status) else {
                throw BillingCoreError(.undecodableEvent, "data.object.status is not a known subscription status")
            }
            let itemStarts = (items?.data ?? []).compactMap(\.current_period_start)
            let itemEnds = (items?.data ?? []).compactMap(\.current_period_end)
            return SubscriptionSnapshot(
                id: id, customerId: customer?.id, status: mapped, trialStart: trial_start, trialEnd: trial_end,
                currentPeriodStart: current_period_start ?? itemStarts.min(),
                currentPeriodEnd: current_period_end ?? itemEnds.max(),
                cancelAtPeriodEnd: cancel_at_period_end ?? false, canceledAt: canceled_at,
                collectionPaused: pause_collection != nil, metadataClientId: metadata?["client_id"])
        }
    }
}

private struct LegacyRawInvoice: Decodable {
    let id: String
    let customer: LegacyExpandableID?
    let subscription: LegacyExpandableID?
    let subscription_details: LegacyRawMetadataHolder?
    let parent: RawParent?
    let billing_reason: String?
    let amount_paid: Int64?
    let created: Int64
    let metadata: [String: String]?

    struct RawParent: Decodable { let subscription_details: RawSubscriptionDetails? }
    struct RawSubscriptionDetails: Decodable {
        let subscription: LegacyExpandableID?
        let metadata: [String: String]?
    }

    func signal(_ signal: InvoiceSignal.Signal) -> InvoiceSignal {
        InvoiceSignal(
            signal: signal, invoiceId: id, customerId: customer?.id,
            subscriptionId: subscription?.id ?? parent?.subscription_details?.subscription?.id,
            billingReason: billing_reason, amountPaid: amount_paid ?? 0, invoiceCreated: created,
            metadataClientId: metadata?["client_id"],
            subscriptionMetadataClientId: subscription_details?.clientId
                ?? parent?.subscription_details?.metadata?["client_id"])
    }
}

private struct LegacyRawCheckoutSession: Decodable {
    let id: String
    let customer: LegacyExpandableID?
    let subscription: LegacyExpandableID?
    let client_reference_id: String?
    let metadata: [String: String]?

    var completion: CheckoutCompletion {
        CheckoutCompletion(
            sessionId: id, customerId: customer?.id, subscriptionId: subscription?.id,
            clientReferenceId: client_reference_id, metadataClientId: metadata?["client_id"])
    }
}
