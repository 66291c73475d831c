import BillingTestSupport
import Foundation
import Testing

/// The built `billing-worker` binary: exit statuses and output of the operator commands.
@Suite struct ReconcileCommandLineTests {
    /// Bad usage exits 2 with one line: a missing STRIPE_API_KEY, a bad format, a back-fill bound
    /// older than 30 days, a time that does not parse.
    @Test func badUsageExitsTwo() throws {
        try #require(FileManager.default.isExecutableFile(atPath: WorkerBinary.url.path), "build billing-worker first")
        let db = ["DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none"]
        let noKey = try WorkerBinary.run(["reconcile"], env: db)
        #expect(noKey.status == 2)
        #expect(noKey.err.contains("STRIPE_API_KEY"))
        let keyed = db.merging(["STRIPE_API_KEY": "sk_test_cli_secret"]) { $1 }
        let format = try WorkerBinary.run(["reconcile", "--format", "xml"], env: keyed)
        #expect(format.status == 2)
        let old = try WorkerBinary.run(["reconcile", "--backfill-since", "2001-01-01T00:00:00Z"], env: keyed)
        #expect(old.status == 2)
        #expect(old.err.contains("30 days"))
        #expect(!old.err.contains("sk_test_cli_secret"))
        let time = try WorkerBinary.run(["replay", "--since", "last tuesday"], env: db)
        #expect(time.status == 2)
        #expect(time.err.split(separator: "\n").count == 1)
    }

    /// `ingest -` reads stdin, prints the summary and exits 1 for an invalid entry; `prune`
    /// prints its count; `replay --dry-run` exits 0.
    @Test func ingestPruneReplayThroughTheBinary() async throws {
        try #require(FileManager.default.isExecutableFile(atPath: WorkerBinary.url.path), "build billing-worker first")
        try await TestDatabase.withFresh { url in
            let list = #"{"object":"list","data":[\#(IngestTests.event("evt_cli")),{"object":"event"}]}"#
            let ingest = try WorkerBinary.run(["ingest", "-"], env: ["DATABASE_URL": url], stdin: list)
            #expect(ingest.status == 1)
            #expect(ingest.out.contains("1 new, 0 duplicate, 1 invalid"))
            #expect(ingest.out.contains("invalid entry 1:"))
            let prune = try WorkerBinary.run(["prune", "--processed-before", "2030-01-01T00:00:00Z"], env: ["DATABASE_URL": url])
            #expect(prune.status == 0)
            #expect(prune.out.contains("pruned 0 event payload(s)"))
            let replay = try WorkerBinary.run(["replay", "--dry-run"], env: ["DATABASE_URL": url])
            #expect(replay.status == 0)
            #expect(replay.out.contains("evt_cli"))
            #expect(replay.out.contains("dry run"))
        }
    }
}
