import BillingCore
import BillingPostgres
import BillingTestSupport
import Foundation
import HummingbirdTesting
import PropertyBased
import StripeJSON
import Synchronization
import Testing

/// Generated stories of several clients through the real ingest, queue and `BillingEventHandler` on
/// PostgreSQL (issue 5): random order, random duplicates, batches of random size, sometimes two workers at once.
@Suite struct BillingStoryDatabasePropertyTests {
    /// Generated cases per run (each one fresh database with 1–4 clients).
    static let cases = 60

    /// Every generated story settles in the database with SPEC §5/§6's promises kept; failing seeds are printed
    /// (reproduce one with `BILLING_STORY_SEED=<seed>`).
    /// (Shrinking is off: a smaller seed is an unrelated story, and every case costs a database.)
    @Test(.shrinking(false)) func generatedStoriesSettleInTheDatabase() async {
        if let pinned = ProcessInfo.processInfo.environment["BILLING_STORY_SEED"].flatMap(UInt64.init) {
            await StoryDatabaseRun.check(seed: pinned)
            return
        }
        await propertyCheck(count: Self.cases, input: Gen.uint64()) { seed in
            await StoryDatabaseRun.check(seed: seed)
        }
    }

    /// Cases per run of the batch/one-by-one comparison (each two fresh databases).
    static let comparisonCases = 24

    /// The batch path leaves exactly what the one-by-one path leaves: the same generated case, processed by one
    /// worker (the same claims in the same order), once each way, ends with the same client rows, alerts and
    /// event settlements.
    @Test(.shrinking(false)) func batchPathLeavesWhatOneByOneLeaves() async {
        if let pinned = ProcessInfo.processInfo.environment["BILLING_STORY_SEED"].flatMap(UInt64.init) {
            await StoryDatabaseRun.compare(seed: pinned)
            return
        }
        await propertyCheck(count: Self.comparisonCases, input: Gen.uint64()) { seed in
            await StoryDatabaseRun.compare(seed: seed)
        }
    }
}

extension StoryDatabaseRun {
    /// Runs the case of `seed` both ways with one worker and records any difference as an issue naming the seed.
    static func compare(seed: UInt64) async {
        var failures: [String]
        do {
            let (steps, stories, shapes, rendering) = plan(seed: seed)
            let batch = try await execute(steps, stories: stories, shapes: shapes, oneByOne: false, singleWorker: true)
            let oneByOne = try await execute(steps, stories: stories, shapes: shapes, oneByOne: true, singleWorker: true)
            failures = rendering + batch.failures.map { "batch path: \($0)" } + oneByOne.failures.map { "one by one: \($0)" }
            if batch.snapshot.isEmpty { failures.append("nothing was stored") }
            let (b, o) = (Set(batch.snapshot), Set(oneByOne.snapshot))
            failures += b.subtracting(o).sorted().map { "only the batch path left: \($0)" }
            failures += o.subtracting(b).sorted().map { "only one by one left: \($0)" }
            if failures.isEmpty, batch.snapshot != oneByOne.snapshot { failures.append("the alerts differ in order") }
        } catch {
            failures = ["\(error)"]
        }
        guard !failures.isEmpty else { return }
        let message = "story seed \(seed) (reproduce: BILLING_STORY_SEED=\(seed)):\n  " + failures.joined(separator: "\n  ")
        print(message)
        Issue.record(Comment(rawValue: message))
    }
}

/// One generated case: deliver, process, check.
enum StoryDatabaseRun {
    /// Runs one case and records its failures as one issue naming the seed. (PropertyBased swallows errors a
    /// property throws, so nothing is thrown from here.)
    static func check(seed: UInt64) async {
        let failures: [String]
        do { failures = try await run(seed: seed) } catch { failures = ["\(error)"] }
        guard !failures.isEmpty else { return }
        let message = "story seed \(seed) (reproduce: BILLING_STORY_SEED=\(seed)):\n  " + failures.joined(separator: "\n  ")
        print(message)
        Issue.record(Comment(rawValue: message))
    }

    /// The failures of one case: rendering round trips, then everything `StoryDatabaseChecks` finds.
    static func run(seed: UInt64) async throws -> [String] {
        let (steps, stories, shapes, failures) = plan(seed: seed)
        // Even seeds through the one-by-one path, whose history shows every change; odd ones through the batch path.
        let outcome = try await execute(steps, stories: stories, shapes: shapes, oneByOne: seed % 2 == 0)
        return failures + outcome.failures
    }

    /// The generated case of `seed`: its steps, its clients, each event's API shape, and rendering failures.
    static func plan(seed: UInt64) -> (
        steps: [DeliveryPlan.Step], stories: [BillingStoryGenerator.ClientStory],
        shapes: [String: StripeEventRenderer.Shape], failures: [String]
    ) {
        var generator = BillingStoryGenerator(seed: seed)
        let stories = generator.clients(count: Int(seed % 4) + 1)
        let deliveries = generator.deliveries(of: stories)
        var random = SeededGenerator(state: seed ^ 0xD1B5_4A32_D192_ED03)
        var shapes: [String: StripeEventRenderer.Shape] = [:]
        var failures: [String] = []
        for event in deliveries where shapes[event.id] == nil {
            let shape = StripeEventRenderer.Shape.allCases.randomElement(using: &random)!
            shapes[event.id] = shape
            let back = try? BillingEvent.decode(payload: StripeEventRenderer.render(event, shape: shape))
            if back != event { failures.append("\(event.id) does not survive rendering as \(shape.rawValue)") }
        }
        var plan = DeliveryPlan(generator: generator, random: random, stories: stories)
        let late = plan.lateClients()
        return (plan.steps(for: deliveries, late: late), stories, shapes, failures)
    }

    /// Delivers and processes `steps` on a fresh database; returns what the checks found and `StoryDatabaseChecks.snapshot`.
    static func execute(
        _ steps: [DeliveryPlan.Step], stories: [BillingStoryGenerator.ClientStory],
        shapes: [String: StripeEventRenderer.Shape], oneByOne: Bool, singleWorker: Bool = false
    ) async throws -> (failures: [String], snapshot: [String]) {
        let result = Mutex<(failures: [String], snapshot: [String])>(([], []))
        try await TestApp.withApp { client, pool in
            let late = Set(steps.compactMap { step -> String? in
                if case .createClient(let id, _, _) = step { return id } else { return nil }
            })
            try await pool.withConnection { s in
                try s.execute(script: StoryDatabaseProbes.install)
                for story in stories where !late.contains(story.clientId) {
                    try s.query("INSERT INTO clients (id, business_name) VALUES (\(story.clientId), 'Generated')")
                    if story.mutedAtStart {
                        try s.query("INSERT INTO client_controls (client_id, ops_alerts_muted) VALUES (\(story.clientId), true)")
                    }
                }
            }
            var worker = StoryWorker(
                pool: pool, client: client, shapes: shapes, stories: stories, absentClients: late, oneByOne: oneByOne,
                singleWorker: singleWorker)
            for step in steps { try await worker.perform(step) }
            var failures = worker.failures
            if try await worker.drain(concurrently: true) {
                try await worker.checkOrdering(after: "the final drain")
                failures = worker.failures
                failures += try await StoryDatabaseChecks.final(
                    stories: stories, posts: worker.posts, pool: pool, completeHistory: oneByOne)
            } else {
                failures.append("the queue did not settle")
            }
            let snapshot = try await StoryDatabaseChecks.snapshot(pool: pool)
            result.withLock { $0 = (failures, snapshot) }
        }
        return result.withLock { $0 }
    }
}
