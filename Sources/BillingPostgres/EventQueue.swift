import BillingCore

/// Counts of one processing batch, for logs and metrics.
public struct BatchReport: Sendable, Equatable {
    public var claimed = 0
    public var processed = 0
    public var ignored = 0
    public var unmatched = 0
    public var retried = 0
    public var failed = 0
    /// Events whose named client was being inserted right then: due again in a second, no attempt counted.
    public var postponed = 0
    /// Per event: (stripe event id, type, disposition or error, seconds spent).
    public var events: [ProcessedEventRecord] = []
    public init() {}

    /// Counts one settled event and records it.
    mutating func count(_ event: ClaimedEvent, _ disposition: EventDisposition, seconds: Double) {
        switch disposition.status {
        case .processed?: processed += 1
        case .ignored?: ignored += 1
        case .unmatched?: unmatched += 1
        case nil: postponed += 1
        default: break
        }
        events.append(.init(stripeEventId: event.stripeEventId, type: event.type, status: disposition.status,
                            outcome: disposition.outcome, seconds: seconds))
    }

    /// Adds the counts and records of `other` (an event settled alone) to this report.
    mutating func add(_ other: BatchReport) {
        processed += other.processed; ignored += other.ignored; unmatched += other.unmatched
        retried += other.retried; failed += other.failed; postponed += other.postponed
        events += other.events
    }

    /// Counts one failed attempt (`retry` or `failed`) and records it.
    mutating func count(_ event: ClaimedEvent, failedWith status: EventStatus, seconds: Double) {
        if status == .failed { failed += 1 } else { retried += 1 }
        events.append(.init(stripeEventId: event.stripeEventId, type: event.type, status: status, outcome: nil, seconds: seconds))
    }
}

/// One processed event, for logs and metrics.
public struct ProcessedEventRecord: Sendable, Equatable {
    public let stripeEventId: String
    public let type: String
    /// The status the event was left in (`processed`, `ignored`, `unmatched`, `retry` or `failed`);
    /// `nil` when it was postponed (due again in a second, unchanged).
    public let status: EventStatus?
    public let outcome: BillingOutcome?
    public let seconds: Double
}

/// Claiming and settling events in `billing_events`.
///
/// Crash safety (SPEC §9): claimed rows stay locked (`FOR UPDATE SKIP LOCKED`) by the
/// transaction that processes them. A worker that dies loses its connection, PostgreSQL
/// rolls its transaction back and releases the locks, and another worker claims the events;
/// nothing is half-applied and a slow worker can never commit an event that another worker
/// finished, because nobody else could claim it while its lock was held.
public struct EventQueue: Sendable {
    /// Backoff and the attempt limit (SPEC §6, §10: `BILLING_MAX_ATTEMPTS`, default 8).
    public var retryPolicy: RetryPolicy
    /// Events claimed per batch transaction (settled together when the handler can; one by one,
    /// at most `oneByOneLimit` per transaction, otherwise).
    public var batchSize: Int
    /// When several processor loops share one process: this loop's share of the customers
    /// (`hashtext(stripe_customer_id) mod count = index`). Events of one customer then always
    /// go to the same loop, so two loops never wait on — or deadlock over — one client's rows.
    public var partition: (index: Int, count: Int)?
    /// Bodies this process has just stored, taken at claim instead of read back (`serve` sets it).
    public var bodies: RecentBodies?

    public init(retryPolicy: RetryPolicy = RetryPolicy(), batchSize: Int = 400, partition: (index: Int, count: Int)? = nil) {
        self.retryPolicy = retryPolicy
        self.batchSize = batchSize
        self.partition = partition
    }

    /// Claims up to `batchSize` due events, oldest Stripe `created` first (ties by id), and
    /// settles them in one transaction: all together through the handler, or — when one of the
    /// batch's statements fails — each alone, as a batch of one in a savepoint of its own (at most
    /// `oneByOneLimit` of them; the rest stay due and are claimed again right after this commits).
    /// The handler's `committed` callbacks (metrics) run once the transaction has committed, so work
    /// the pool runs again after a lost connection is counted once.
    public func processBatch(
        handler: some EventHandler, in session: PGSession, now: Int64, clock: @Sendable () -> Double
    ) throws -> BatchReport {
        let (report, committed) = try session.transaction { session in
            try processClaimed(handler: handler, in: session, now: now, clock: clock)
        }
        committed.forEach { $0() }
        return report
    }

    /// The body of `processBatch`'s transaction: the report and the `committed` callbacks to run after it.
    private func processClaimed(
        handler: some EventHandler, in session: PGSession, now: Int64, clock: @Sendable () -> Double
    ) throws -> (BatchReport, [@Sendable () -> Void]) {
        // Bitmap scans are off for the claim only (see `claim`).
        try session.execute(script: "SET LOCAL idle_in_transaction_session_timeout = '60s'; SET LOCAL enable_bitmapscan = off")
        let claimed = try claim(in: session)
        try session.query("SET LOCAL enable_bitmapscan = on")
        if claimed.isEmpty { return (BatchReport(), []) }
        do {
            let (report, committed) = try processTogether(claimed, handler: handler, in: session, now: now, clock: clock)
            return (report, [committed])
        } catch let error as PostgresError where error.isConnectionFailure {
            throw error
        } catch {
            // A statement of the batch failed (its savepoint is rolled back): each event alone
            // shows which one, and the others still settle.
        }
        var report = BatchReport()
        var committed: [@Sendable () -> Void] = []
        for event in claimed.prefix(Self.oneByOneLimit) {
            let started = clock()
            do {
                let (alone, done) = try processTogether([event], handler: handler, in: session, now: now, clock: clock)
                report.add(alone)
                committed.append(done)
            } catch let error as PostgresError where error.isConnectionFailure {
                throw error
            } catch {
                let status = try fail(event, error: error, in: session, now: now)
                report.count(event, failedWith: status, seconds: clock() - started)
            }
        }
        report.claimed = claimed.count
        return (report, committed)
    }

    /// Locks the due rows, oldest first, and reads them. Without ``bodies``, the rows are locked first
    /// and only theirs are then read, bodies included: with the body in the locking query's select list,
    /// PostgreSQL converted the body of every due row before sorting and cutting to the batch (22 ms for
    /// 200 rows out of a backlog of 36,000; 0.6 ms for the ids alone). Without the body, one scan locks
    /// and reads (a second lookup of each row by id, and a sort, were 1 of the 1.4 ms of a batch of 400).
    ///
    /// The claim walks the queue index in order, with bitmap scans off (`processClaimed` turns them
    /// off around it). The index keeps an entry for every row settled since the last
    /// vacuum, and the planner, which expects few due rows, chose a bitmap scan: it visits every entry
    /// and its heap page, then sorts, and never marks the dead entries it met (only a plain index scan
    /// does). Under end-to-end load that was 38,000 entries and 1,765 heap pages read for a batch of
    /// 400, 11 of its 17 ms (`auto_explain`). In order, the scan stops at the batch's last row and
    /// marks what it passed.
    ///
    /// With ``bodies``, the claim leaves the bodies out and takes those this process has just stored
    /// from there; the others are read in a second statement (see `RecentBodies`).
    private func claim(in session: PGSession) throws -> [ClaimedEvent] {
        let share = partition.flatMap { $0.count > 1 ? $0 : nil }
        let partitionFilter = share.map {
            "AND abs(hashtext(coalesce(stripe_customer_id, '')) % \($0.count)) = \($0.index)"
        } ?? ""
        // The share is in the statement's text, so in its name too: a connection keeps the statements
        // it prepared, and the pool lends it to every loop.
        let named = share.map { "_partition_\($0.index)_of_\($0.count)" } ?? ""
        let rows: PGRows
        if bodies == nil {
            rows = try session.prepared("claim_events\(named)", """
                WITH claimed AS (
                  SELECT id FROM billing_events
                  WHERE status IN ('received', 'retry') AND next_attempt_at <= now() \(unsafeSQL: partitionFilter)
                  ORDER BY stripe_created_at, id
                  LIMIT \(batchSize)
                  FOR UPDATE SKIP LOCKED)
                SELECT \(unsafeSQL: Self.claimedColumns)
                FROM billing_events JOIN claimed USING (id)
                ORDER BY stripe_created_at, id
                """)
        } else {
            rows = try session.prepared("claim_events_without_bodies\(named)", """
                SELECT \(unsafeSQL: Self.claimedColumnsWithoutBody)
                FROM billing_events
                WHERE status IN ('received', 'retry') AND next_attempt_at <= now() \(unsafeSQL: partitionFilter)
                ORDER BY stripe_created_at, id
                LIMIT \(batchSize)
                FOR UPDATE SKIP LOCKED
                """)
        }
        var events = rows.rows.map(Self.claimedEvent)
        guard let bodies else { return events }
        var unread: [Int: Int64] = [:]  // index in `events` → row id
        for (i, row) in rows.rows.enumerated() {
            let kept = bodies.take(events[i].stripeEventId)
            if row.bool("pruned") == true { continue }
            if let kept { events[i] = events[i].with(payload: kept) } else { unread[i] = events[i].rowId }
        }
        guard !unread.isEmpty else { return events }
        let read = try session.prepared("claimed_bodies", """
            SELECT id, coalesce(body, payload::text) AS payload FROM billing_events
            WHERE id = ANY(\(unread.values.sorted().map(String.init))::bigint[])
            """)
        var byId: [Int64: String] = [:]
        for row in read.rows { if let id = row.int64("id"), let body = row.string("payload") { byId[id] = body } }
        for (i, id) in unread { events[i] = events[i].with(payload: byId[id]) }
        return events
    }

    /// The columns `claimedEvent(_:)` reads.
    static let claimedColumns = """
        id, stripe_event_id, type, extract(epoch FROM stripe_created_at)::bigint AS created, livemode,
        coalesce(body, payload::text) AS payload, attempts, client_id, stripe_customer_id, stripe_subscription_id, source
        """

    /// `claimedColumns` with whether the body was pruned in place of the body.
    static let claimedColumnsWithoutBody = """
        id, stripe_event_id, type, extract(epoch FROM stripe_created_at)::bigint AS created, livemode,
        body IS NULL AND payload IS NULL AS pruned, attempts, client_id, stripe_customer_id, stripe_subscription_id, source
        """

    static func claimedEvent(_ r: PGRow) -> ClaimedEvent {
        ClaimedEvent(
            rowId: r.int64("id") ?? 0, stripeEventId: r.string("stripe_event_id") ?? "", type: r.string("type") ?? "",
            created: r.int64("created") ?? 0, livemode: r.bool("livemode"), payload: r.string("payload"),
            attempts: r.int("attempts") ?? 0, clientId: r.string("client_id"), customerId: r.string("stripe_customer_id"),
            subscriptionId: r.string("stripe_subscription_id"), source: r.string("source") ?? "webhook")
    }

    /// Records a failed attempt: `retry` with a growing `next_attempt_at`, or `failed` plus one
    /// `EVENT_PROCESSING_FAILED` alert once the policy's attempts are used up. Returns the new status.
    func fail(_ event: ClaimedEvent, error: any Error, in session: PGSession, now: Int64) throws -> EventStatus {
        let attempt = event.attempts + 1
        let message = String(String(describing: error).prefix(500))
        var random = SystemRandomNumberGenerator()
        switch retryPolicy.decide(afterFailedAttempts: attempt, random: &random) {
        case .fail:
            try session.prepared("fail_event", """
                UPDATE billing_events SET status = 'failed', attempts = \(attempt), last_error = \(message)
                WHERE id = \(event.rowId)
                """)
            try AlertLogStore.append(.eventProcessingFailed(
                stripeEventId: event.stripeEventId, eventType: event.type, clientId: event.clientId,
                attempts: attempt, lastError: message), in: session)
            return .failed
        case .retry(let delay):
            try session.prepared("retry_event", """
                UPDATE billing_events SET status = 'retry', attempts = \(attempt), last_error = \(message),
                       next_attempt_at = now() + make_interval(secs => \(delay))
                WHERE id = \(event.rowId)
                """)
            return .retry
        }
    }
}
