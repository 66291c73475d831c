import BillingCore
import BillingPostgres
import BillingTestSupport
import Foundation
import HummingbirdTesting
import PropertyBased
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
        let steps = plan.steps(for: deliveries)
        let outcome = try await execute(steps, stories: stories, shapes: shapes)
        return failures + outcome
    }

    static func execute(
        _ steps: [DeliveryPlan.Step], stories: [BillingStoryGenerator.ClientStory],
        shapes: [String: StripeEventRenderer.Shape]
    ) async throws -> [String] {
        let result = Mutex<[String]>([])
        try await TestApp.withApp { client, pool in
            try await pool.withConnection { s in
                try s.execute(script: StoryDatabaseProbes.install)
                for story in stories {
                    try s.query("INSERT INTO clients (id, business_name) VALUES (\(story.clientId), 'Generated')")
                    if story.mutedAtStart {
                        try s.query("INSERT INTO client_controls (client_id, ops_alerts_muted) VALUES (\(story.clientId), true)")
                    }
                }
            }
            var worker = StoryWorker(pool: pool, client: client, shapes: shapes)
            for step in steps { try await worker.perform(step) }
            var failures = worker.failures
            if try await worker.drain(concurrently: true) {
                failures += try await StoryDatabaseChecks.final(stories: stories, posts: worker.posts, pool: pool)
            } else {
                failures.append("the queue did not settle")
            }
            result.withLock { $0 = failures }
        }
        return result.withLock { $0 }
    }
}
