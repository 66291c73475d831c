import BillingCore
import BillingPostgres
import BillingTestSupport
import Foundation
import HummingbirdTesting

/// The order of one generated case: deliveries (webhook or `IngestWriter`), mute toggles and processing rounds.
struct DeliveryPlan {
    enum Step {
        case deliver(BillingEvent, webhook: Bool)
        case toggleMute(clientId: String)
        /// One batch of `batchSize`; with `concurrent`, two workers claim at once.
        case process(batchSize: Int, concurrent: Bool)
        /// Process until nothing is due, then check the open-gate promise.
        case drain(concurrent: Bool)
    }

    var generator: BillingStoryGenerator
    var random: SeededGenerator
    let stories: [BillingStoryGenerator.ClientStory]

    mutating func steps(for deliveries: [BillingEvent]) -> [Step] {
        var steps: [Step] = []
        var index = 0
        while index < deliveries.count {
            let end = min(deliveries.count, index + Int.random(in: 1...8, using: &random))
            for event in deliveries[index..<end] {
                if let client = generator.clientToToggleMute(among: stories) { steps.append(.toggleMute(clientId: client)) }
                steps.append(.deliver(event, webhook: Int.random(in: 0..<100, using: &random) < 80))
            }
            index = end
            let concurrent = Bool.random(using: &random)
            switch Int.random(in: 0..<4, using: &random) {
            case 0: break
            case 1, 2: steps.append(.process(batchSize: Int.random(in: 1...16, using: &random), concurrent: concurrent))
            default: steps.append(.drain(concurrent: concurrent))
            }
        }
        return steps
    }
}

/// Executes a plan against the application and the real queue; counts webhook posts per event id.
struct StoryWorker {
    let pool: PGPool
    let client: any TestClientProtocol
    let shapes: [String: StripeEventRenderer.Shape]
    let writer: IngestWriter
    let handler: any EventHandler
    /// Every round with one worker (reproducible claim order).
    let singleWorker: Bool
    var posts: [String: Int] = [:]
    var failures: [String] = []

    /// - Parameter oneByOne: process through `handle` only (the queue's one-by-one path), not the batch path.
    init(pool: PGPool, client: any TestClientProtocol, shapes: [String: StripeEventRenderer.Shape], oneByOne: Bool, singleWorker: Bool = false) {
        self.pool = pool
        self.client = client
        self.shapes = shapes
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
            _ = try await pool.withConnection { s in
                try s.query("""
                    INSERT INTO client_controls (client_id, ops_alerts_muted) VALUES (\(clientId), true)
                    ON CONFLICT (client_id) DO UPDATE SET ops_alerts_muted = NOT client_controls.ops_alerts_muted
                    """)
            }
        case .process(let batchSize, let concurrent):
            _ = try await round(batchSize: batchSize, concurrent: concurrent)
        case .drain(let concurrent):
            if try await !drain(concurrently: concurrent) { failures.append("the queue did not settle mid-story") }
            failures += try await StoryDatabaseChecks.openGates(pool: pool)
        }
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

/// `BillingEventHandler` without its batch path: the queue settles every event one by one through `handle`.
struct OneByOneHandler: EventHandler {
    let inner: BillingEventHandler

    func handle(_ event: ClaimedEvent, in session: PGSession, now: Int64) throws -> EventDisposition {
        try inner.handle(event, in: session, now: now)
    }
}
