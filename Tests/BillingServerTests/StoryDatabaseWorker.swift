import BillingCore
import BillingPostgres
import BillingTestSupport
import Foundation
import HummingbirdTesting
import StripeJSON

/// The order of one generated case: deliveries (webhook or `IngestWriter`), mute toggles and processing rounds.
struct DeliveryPlan {
    enum Step {
        case deliver(BillingEvent, webhook: Bool)
        case toggleMute(clientId: String)
        /// The client appears in `clients` only now (SPEC §5: events before their client): through the admin API,
        /// or as the main application does it, with a bare INSERT.
        case createClient(clientId: String, viaAdminAPI: Bool, muted: Bool)
        /// One batch of `batchSize`; with `concurrent`, two workers claim at once.
        case process(batchSize: Int, concurrent: Bool)
        /// Process until nothing is due, then check the open-gate promise.
        case drain(concurrent: Bool)
    }

    var generator: BillingStoryGenerator
    var random: SeededGenerator
    let stories: [BillingStoryGenerator.ClientStory]

    /// Clients that appear only after some of their events (a third of them), each with its creation step.
    mutating func lateClients() -> [String: Step] {
        var late: [String: Step] = [:]
        for story in stories where Int.random(in: 0..<100, using: &random) < 33 {
            late[story.clientId] = .createClient(
                clientId: story.clientId, viaAdminAPI: Bool.random(using: &random), muted: story.mutedAtStart)
        }
        return late
    }

    mutating func steps(for deliveries: [BillingEvent], late: [String: Step] = [:]) -> [Step] {
        var steps: [Step] = []
        var index = 0
        while index < deliveries.count {
            let end = min(deliveries.count, index + Int.random(in: 1...8, using: &random))
            for event in deliveries[index..<end] {
                if let client = generator.clientToToggleMute(among: stories) { steps.append(.toggleMute(clientId: client)) }
                steps.append(.deliver(event, webhook: Int.random(in: 0..<100, using: &random) < 80))
            }
            index = end
            for (_, creation) in late.sorted(by: { $0.key < $1.key }) where Int.random(in: 0..<100, using: &random) < 25 {
                if !steps.contains(where: { if case .createClient(let a, _, _) = $0, case .createClient(let b, _, _) = creation { a == b } else { false } }) {
                    steps.append(creation)
                }
            }
            let concurrent = Bool.random(using: &random)
            switch Int.random(in: 0..<4, using: &random) {
            case 0: break
            case 1, 2: steps.append(.process(batchSize: Int.random(in: 1...16, using: &random), concurrent: concurrent))
            default: steps.append(.drain(concurrent: concurrent))
            }
        }
        for (clientId, creation) in late.sorted(by: { $0.key < $1.key })
        where !steps.contains(where: { if case .createClient(let id, _, _) = $0 { id == clientId } else { false } }) {
            steps.append(creation)
        }
        return steps
    }
}

/// Executes a plan against the application and the real queue; counts webhook posts per event id.
struct StoryWorker {
    let pool: PGPool
    let client: any TestClientProtocol
    let shapes: [String: StripeEventRenderer.Shape]
    let stories: [BillingStoryGenerator.ClientStory]
    let writer: IngestWriter
    let handler: any EventHandler
    /// Every round with one worker (reproducible claim order).
    let singleWorker: Bool
    var posts: [String: Int] = [:]
    var failures: [String] = []
    /// Late clients not created yet: an operator cannot mute them.
    var absentClients: Set<String>

    /// - Parameter oneByOne: process through `handle` only (the queue's one-by-one path), not the batch path.
    init(pool: PGPool, client: any TestClientProtocol, shapes: [String: StripeEventRenderer.Shape],
         stories: [BillingStoryGenerator.ClientStory], absentClients: Set<String> = [], oneByOne: Bool,
         singleWorker: Bool = false) {
        self.absentClients = absentClients
        self.pool = pool
        self.client = client
        self.shapes = shapes
        self.stories = stories
        writer = IngestWriter(pool: pool)
        let handler = BillingEventHandler(livemode: nil)
        self.handler = oneByOne ? OneByOneHandler(inner: handler) : handler
        self.singleWorker = singleWorker || Self.singleWorkerFromEnvironment
    }

    mutating func perform(_ step: DeliveryPlan.Step) async throws {
        switch step {
        case .deliver(let event, let webhook):
            let body = StripeEventRenderer.render(event, shape: shapes[event.id] ?? .basil)
            if webhook {
                let (status, _) = try await TestApp.deliver(client, body)
                if status != 200 { failures.append("delivery of \(event.id) answered \(status)") }
                posts[event.id, default: 0] += 1
            } else {
                let envelope = try EventEnvelope(decoding: body)
                _ = try await writer.store(IncomingEvent(envelope: envelope, payload: String(decoding: body, as: UTF8.self), source: .import))
            }
        case .toggleMute(let clientId):
            guard !absentClients.contains(clientId) else { return }
            _ = try await pool.withConnection { s in
                try s.query("""
                    INSERT INTO client_controls (client_id, ops_alerts_muted) VALUES (\(clientId), true)
                    ON CONFLICT (client_id) DO UPDATE SET ops_alerts_muted = NOT client_controls.ops_alerts_muted
                    """)
            }
        case .createClient(let clientId, let viaAdminAPI, let muted):
            absentClients.remove(clientId)
            if viaAdminAPI {
                let answer = try await AdminTest.createClient(client, clientId)
                if answer.status != 201 { failures.append("creating \(clientId) answered \(answer.status)") }
            } else {
                _ = try await pool.withConnection { s in
                    try s.query("INSERT INTO clients (id, business_name) VALUES (\(clientId), 'Late')")
                }
            }
            if muted {
                _ = try await pool.withConnection { s in
                    try s.query("""
                        INSERT INTO client_controls (client_id, ops_alerts_muted) VALUES (\(clientId), true)
                        ON CONFLICT (client_id) DO UPDATE SET ops_alerts_muted = true
                        """)
                }
            }
        case .process(let batchSize, let concurrent):
            _ = try await round(batchSize: batchSize, concurrent: concurrent)
            try await checkOrdering(after: "a round of \(batchSize)")
        case .drain(let concurrent):
            if try await !drain(concurrently: concurrent) { failures.append("the queue did not settle mid-story") }
            failures += try await StoryDatabaseChecks.openGates(pool: pool)
            try await checkOrdering(after: "a drain")
        }
    }

    /// Issue 14's ordering invariants after a processing step; each broken promise is reported once.
    mutating func checkOrdering(after step: String) async throws {
        let stories = self.stories
        let found = try await pool.withConnection { s in try StoryDatabaseOrdering.check(stories: stories, step: step, in: s) }
        for failure in found where !reported.contains(Self.withoutStep(failure)) {
            reported.insert(Self.withoutStep(failure))
            failures.append(failure)
        }
    }

    private var reported: Set<String> = []

    private static func withoutStep(_ failure: String) -> String {
        failure.replacingOccurrences(of: #"after a (round of \d+|drain)"#, with: "", options: .regularExpression)
    }

    /// `BILLING_STORY_WORKERS=1` runs every round with one worker (concurrent rounds are not reproducible).
    static let singleWorkerFromEnvironment = ProcessInfo.processInfo.environment["BILLING_STORY_WORKERS"] == "1"

    /// One processing round; returns how many events were claimed.
    func round(batchSize: Int, concurrent: Bool) async throws -> Int {
        let queue = EventQueue(batchSize: batchSize)
        let (pool, handler) = (pool, handler)
        @Sendable func batch() async throws -> Int {
            try await pool.withConnection { s in
                try queue.processBatch(handler: handler, in: s, now: Int64(Date().timeIntervalSince1970), clock: { 0 }).claimed
            }
        }
        guard concurrent && !singleWorker else { return try await batch() }
        async let first = batch()
        async let second = batch()
        return try await first + second
    }

    /// Processes until nothing is due; failed attempts (`retry`) are made due at once. False if it never settles.
    func drain(concurrently: Bool) async throws -> Bool {
        for _ in 0..<500 {
            if try await round(batchSize: 8, concurrent: concurrently) > 0 { continue }
            let waiting = try await pool.withConnection { s in
                try s.query("UPDATE billing_events SET next_attempt_at = now() WHERE status = 'retry' RETURNING id").count
            }
            if waiting == 0 { return true }
        }
        return false
    }
}

/// `BillingEventHandler` refusing batches of more than one event, so the queue takes its
/// one-at-a-time path: every event settled alone, as a batch of one in a savepoint of its own.
struct OneByOneHandler: EventHandler {
    let inner: BillingEventHandler

    struct OneAtATime: Error {}

    func handle(_ events: [ClaimedEvent], in session: PGSession, now: Int64) throws -> BatchHandling {
        guard events.count == 1 else { throw OneAtATime() }
        return try inner.handle(events, in: session, now: now)
    }
}
