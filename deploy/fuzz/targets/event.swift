// libFuzzer target: BillingEvent.decode(payload:), the processing decoder of stored events, and
// SubscriptionSnapshot.decode(subscriptionPayload:) (reconcile) — SPEC §5. Input: the payload bytes.
//
// Oracles, besides "no crash, no sanitizer report": failures are always undecodable_event; when the
// ingest envelope and the processing decoder both accept the bytes they agree on id, type, created
// and livemode.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzEvent(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let bytes = start.map { Array(UnsafeBufferPointer(start: $0, count: count)) } ?? []
    do {
        let event = try BillingEvent.decode(payload: bytes)
        if let envelope = try? EventEnvelope(decoding: bytes) {
            precondition(envelope.id == event.id && envelope.type == event.type
                         && envelope.created == event.created,
                         "the ingest envelope and the processing decoder disagree")
            if let livemode = envelope.livemode {
                precondition(livemode == event.livemode, "livemode differs between decoders")
            }
        }
    } catch {
        precondition(error.code == .undecodableEvent, "unexpected error code \(error.code)")
    }
    do {
        _ = try SubscriptionSnapshot.decode(subscriptionPayload: bytes)
    } catch {
        precondition(error.code == .undecodableEvent, "unexpected error code \(error.code)")
    }
    return 0
}
