import BillingCore
import BillingPostgres
import Foundation
import Hummingbird
import HTTPTypes
import Logging
import NIOCore
import StripeJSON

/// `POST /webhooks/stripe` (SPEC §4): verify, then decode the envelope, then store durably,
/// and only then answer 2xx. Nothing unverified is stored; no secret or payload is logged.
struct WebhookController: Sendable {
    let verifier: WebhookSignatureVerifier
    let maxBodyBytes: Int
    let ingest: IngestWriter
    let metrics: BillingMetrics
    let now: @Sendable () -> Int64

    static let signatureHeader = HTTPField.Name("Stripe-Signature")!

    func addRoutes(to router: Router<AppContext>) {
        router.post("/webhooks/stripe") { request, context in
            try await self.receive(request, context: context)
        }
    }

    func receive(_ request: Request, context: AppContext) async throws -> Response {
        // Refused from the head alone, before a byte of the body is read; the connection is then
        // closed (`Connection: close`), so a sender cannot make us wait for a body we refuse.
        let signature: SignatureHeader
        switch checkHead(request.head) {
        case .success(let parsed):
            signature = parsed
        case .failure(let refusal):
            metrics.webhookRequest(.refused(refusal.code))
            if refusal.code != .payloadTooLarge { metrics.signatureFailure(refusal.code) }
            return reject(refusal, context: context, close: true)
        }
        var request = request
        let body: ByteBuffer
        do {
            body = try await request.collectBody(upTo: maxBodyBytes)
        } catch is NIOTooManyBytesError {
            metrics.webhookRequest(.refused(.payloadTooLarge))
            return reject(tooLarge, context: context, close: true)
        }
        let bytes = body.readableBytesView
        let envelope: EventEnvelope
        switch verifyAndDecode(signature, body: bytes) {
        case .success(let e):
            envelope = e
        case .failure(let error):
            let code = APIError.Code(error.code)
            if code != .invalidPayload { metrics.signatureFailure(code) }
            metrics.webhookRequest(.refused(code))
            return reject(APIError(.badRequest, code: code, message: error.message), context: context)
        }

        let payload = String(decoding: bytes, as: UTF8.self)
        let result: StoreResult
        do {
            result = try await ingest.store(IncomingEvent(envelope: envelope, payload: payload, source: .webhook))
        } catch let error as PostgresError where error.kind == .statement && error.isDataException {
            // A verified event PostgreSQL cannot hold as jsonb (e.g. a \u0000 in a string).
            metrics.webhookRequest(.refused(.invalidPayload))
            return reject(APIError(.badRequest, code: .invalidPayload, message: "the event cannot be stored as JSON: \(error.message)"),
                          context: context)
        } catch {
            metrics.webhookRequest(.refused(.unavailable))
            context.logger.error("webhook event not stored", metadata: [
                LogKey.eventId: .string(envelope.id), LogKey.eventType: .string(envelope.type), LogKey.error: .string("\(error)"),
            ])
            return reject(APIError(.serviceUnavailable, code: .unavailable, message: "the event could not be stored; retry later"),
                          context: context)
        }
        let duplicate = result == .duplicate
        metrics.webhookRequest(duplicate ? .duplicate : .stored)
        if duplicate { metrics.duplicate() } else { metrics.hourly.received() }
        // Debug, not info: a line per delivery cost more CPU than storing it. Deliveries are
        // counted by `billing_webhook_requests_total{outcome}`; refusals still log at notice.
        context.logger.debug("webhook event received", metadata: [
            LogKey.eventId: .string(envelope.id), LogKey.eventType: .string(envelope.type),
            LogKey.duplicate: .stringConvertible(duplicate),
        ])
        return JSONResponse.make(status: .ok, bytes: duplicate ? Self.duplicateBytes : Self.storedBytes)
    }

    /// The request head's verdict: a refusal — a `Content-Length` above the limit (413), then a
    /// missing or malformed `Stripe-Signature` (400), the same codes and order as after reading —
    /// or the parsed signature header, which the body is verified against once it has arrived.
    func checkHead(_ head: HTTPRequest) -> Result<SignatureHeader, APIError> {
        if let declared = Self.value(of: .contentLength, in: head.headerFields).flatMap({ Int($0) }), declared > maxBodyBytes {
            return .failure(tooLarge)
        }
        do throws(BillingCoreError) {
            return .success(try SignatureHeader(parsing: Self.value(of: Self.signatureHeader, in: head.headerFields)))
        } catch {
            return .failure(APIError(.badRequest, code: APIError.Code(error.code), message: error.message))
        }
    }

    /// A header's value as `HTTPFields`' subscript gives it — several fields of the name joined with
    /// ", " — but without the subscript's generic join when the name is sent once, as it always is.
    static func value(of name: HTTPField.Name, in fields: HTTPFields) -> String? {
        var found: String?
        for field in fields where field.name == name {
            if found != nil { return fields[name] }
            found = field.value
        }
        return found
    }

    /// 413 `payload_too_large`, declared or read.
    var tooLarge: APIError {
        APIError(.contentTooLarge, code: .payloadTooLarge, message: "the body exceeds \(maxBodyBytes) bytes")
    }

    /// Signature first, then the body (SPEC §4 order); the first failure names the error.
    func verifyAndDecode(_ signature: SignatureHeader, body: ByteBufferView) -> Result<EventEnvelope, BillingCoreError> {
        do throws(BillingCoreError) {
            try verifier.verify(signature, payload: body, now: now())
            return .success(try EventEnvelope(decoding: body))
        } catch {
            return .failure(error)
        }
    }

    static let storedBody = #"{"duplicate":false,"received":true}"#
    static let duplicateBody = #"{"duplicate":true,"received":true}"#
    /// The answers' bytes, made once (not per delivery).
    static let storedBytes = Array(storedBody.utf8)
    static let duplicateBytes = Array(duplicateBody.utf8)

    /// The error body, logged by its code; `close` ends the connection after the answer.
    private func reject(_ error: APIError, context: AppContext, close: Bool = false) -> Response {
        context.logger.notice("webhook rejected", metadata: [LogKey.code: .string(error.code.rawValue)])
        return JSONResponse.make(status: error.status, object: error.body, extraHeaders: close ? [.connection: "close"] : [:])
    }
}
