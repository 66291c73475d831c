import BillingCore
import BillingPostgres
import Foundation
import StripeJSON

/// `billing-worker ingest FILE|-` (SPEC §8, §10): stores exported events — one event, or a
/// Stripe list object `{"object":"list","data":[…]}` — with source `import`.
///
/// Each entry is validated like a webhook body (what `EventEnvelope(decoding:)` answers: a
/// snapshot event with string `id` and `type` and integer `created`; thin events are invalid),
/// in the one pass that reads the input, and stored byte for byte. An id already stored is a duplicate and changes nothing. Everything the run
/// stores, and its one `admin_actions` row (admin `importer`, action `ingest`), commit in one
/// transaction.
public struct EventImporter: Sendable {
    /// The `admin_actions.admin_id` of every import.
    public static let adminId = "importer"

    public var pool: PGPool
    public var progress: ProgressSink
    /// A progress line after every this many entries (only for inputs at least this large).
    public var progressEvery: Int

    public init(pool: PGPool, progress: @escaping ProgressSink = { _ in }, progressEvery: Int = 1000) {
        self.pool = pool
        self.progress = progress
        self.progressEvery = max(1, progressEvery)
    }

    /// Validates, stores and audits `input`.
    /// - Parameters:
    ///   - input: the file's bytes.
    ///   - name: the file name (or `-` for stdin), recorded in the audit row's reason.
    public func ingest(_ input: [UInt8], name: String) async throws -> IngestReport {
        let parsed = Self.entries(of: input)
        var valid: [(index: Int, event: IncomingEvent)] = []
        var invalid = parsed.invalid
        for entry in parsed.entries {
            switch entry.event {
            case .success(let envelope):
                let payload = String(decoding: input[entry.range], as: UTF8.self)
                valid.append((entry.index, IncomingEvent(envelope: envelope, payload: payload, source: .import)))
            case .failure(let error):
                invalid.append(IngestReport.Invalid(index: entry.index, reason: error.message))
            }
        }
        let total = parsed.entries.count + parsed.invalid.count
        let (progress, every) = (self.progress, progressEvery)
        let label = name == "-" ? "stdin" : name
        let events = valid
        let invalidEntries = invalid
        return try await pool.withTransaction { session in
            var inserted = Set<String>()
            var start = 0
            while start < events.count {
                let chunk = events[start..<min(start + every, events.count)]
                inserted.formUnion(try EventLogStore.insertUndelivered(chunk.map(\.event), in: session))
                start += chunk.count
                if total >= every { progress("ingest: \(start)/\(events.count) valid entries stored or found") }
            }
            // The first entry of an id that this run inserted is new; any other is a duplicate.
            var seen = Set<String>()
            var new = 0
            for (_, event) in events {
                let id = event.envelope.id
                if seen.insert(id).inserted, inserted.contains(id) { new += 1 }
            }
            var report = IngestReport(
                source: label, entries: total, new: new, duplicate: events.count - new,
                invalid: invalidEntries.sorted { $0.index < $1.index }, auditId: 0)
            report.auditId = try AdminActionStore.append(
                adminId: Self.adminId, clientId: nil, action: .ingest, reason: "ingest of \(label)",
                metadataJSON: report.metadataJSON, in: session)
            return report
        }
    }

    /// One entry of the input: its index (0 for a single event), its bytes, and the event read from them.
    struct Entry {
        var index: Int
        var range: Range<Int>
        var event: Result<EventEnvelope, BillingCoreError>
    }

    /// The input's entries, and the entries invalid before decoding. The input is read once
    /// (`StripeList`): validated, a list split into its elements, and each event's envelope decoded.
    static func entries(of input: [UInt8]) -> (entries: [Entry], invalid: [IngestReport.Invalid]) {
        guard let top = StripeList.read(input) else {
            return ([], [.init(index: 0, reason: "the input is not valid JSON")])
        }
        guard top.isObject else {
            return ([], [.init(index: 0, reason: "the input is neither a Stripe event nor a Stripe list object")])
        }
        if let event = top.event { return ([Entry(index: 0, range: 0..<input.count, event: event)], []) }
        guard let data = top.data else {
            return ([], [.init(index: 0, reason: "the list object has no \"data\" array")])
        }
        return (data.enumerated().map { Entry(index: $0.offset, range: $0.element.range, event: $0.element.event) }, [])
    }
}

/// The summary of one `ingest` run.
public struct IngestReport: Sendable, Equatable {
    /// An entry that could not be stored: its 0-based index in `data` (0 for a single event) and why.
    public struct Invalid: Sendable, Equatable {
        public var index: Int
        public var reason: String
    }

    /// The file name, or `stdin`.
    public var source: String
    public var entries: Int
    public var new: Int
    public var duplicate: Int
    public var invalid: [Invalid]
    /// The `admin_actions.id` of the run's audit row.
    public var auditId: Int64

    /// 0, or 1 when any entry was invalid.
    public var exitCode: Int32 { invalid.isEmpty ? 0 : 1 }

    /// `admin_actions.metadata`: the counts and (the first 100) invalid entries.
    var metadataJSON: String {
        JSONText.render([
            "file": source, "entries": entries, "new": new, "duplicate": duplicate, "invalid": invalid.count,
            "invalid_entries": invalid.prefix(100).map { ["index": $0.index, "reason": $0.reason] as [String: Any] },
        ] as [String: Any])
    }

    /// The invalid entries, one line each, then the summary line.
    public func render() -> String {
        var out = ""
        for entry in invalid { out += "invalid entry \(entry.index): \(entry.reason)\n" }
        out += "ingest \(source): \(entries) entries: \(new) new, \(duplicate) duplicate, \(invalid.count) invalid\n"
        return out
    }
}
