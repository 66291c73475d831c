// libFuzzer target: EventEnvelope(decoding:), the ingest decoder applied to every verified body
// (SPEC §4). Input: the raw body bytes.
//
// Oracles, besides "no crash, no sanitizer report": success means a non-empty id and type; failure is
// always invalid_payload; decoding is deterministic (same bytes, same result); and the contiguous and
// non-contiguous code paths agree.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzEnvelope(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let bytes = start.map { Array(UnsafeBufferPointer(start: $0, count: count)) } ?? []
    let first = Result { () throws(BillingCoreError) in try EventEnvelope(decoding: bytes) }
    switch first {
    case .success(let envelope):
        precondition(!envelope.id.isEmpty && !envelope.type.isEmpty, "decoded an event without id or type")
    case .failure(let error):
        precondition(error.code == .invalidPayload, "unexpected error code \(error.code)")
    }
    // A lazy, non-contiguous view of the same bytes takes the other code path.
    let lazy = Result { () throws(BillingCoreError) in try EventEnvelope(decoding: bytes.lazy.map { $0 }) }
    switch (first, lazy) {
    case (.success(let a), .success(let b)): precondition(a == b, "contiguous and lazy decodes differ")
    case (.failure(let a), .failure(let b)): precondition(a.code == b.code, "contiguous and lazy errors differ")
    default: fatalError("contiguous and lazy decodes disagree on success")
    }
    return 0
}
