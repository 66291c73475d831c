/// When a failed event is tried again (SPEC §10): exponential backoff from 1 s, capped at 10 minutes, with jitter,
/// and dead-lettered (`failed`) after `maxAttempts` attempts.
public struct RetryPolicy: Sendable, Hashable {
    /// What to do after a failed attempt.
    public enum Decision: Sendable, Hashable {
        /// Set status `retry` and `next_attempt_at = now + delaySeconds`.
        case retry(delaySeconds: Double)
        /// Set status `failed` and raise `AlertToAppend.eventProcessingFailed`.
        case fail
    }

    public var baseDelaySeconds: Double
    public var maxDelaySeconds: Double
    /// `BILLING_MAX_ATTEMPTS`.
    public var maxAttempts: Int

    /// - Parameters:
    ///   - baseDelaySeconds: backoff before the 2nd attempt, before jitter (default 1 s).
    ///   - maxDelaySeconds: cap of the backoff (default 600 s).
    ///   - maxAttempts: attempts before the event becomes `failed` (default 8).
    public init(baseDelaySeconds: Double = 1, maxDelaySeconds: Double = 600, maxAttempts: Int = 8) {
        self.baseDelaySeconds = baseDelaySeconds
        self.maxDelaySeconds = maxDelaySeconds
        self.maxAttempts = maxAttempts
    }

    /// The backoff ceiling after `attempts` failed attempts: `base · 2^(attempts-1)`, capped.
    public func ceilingSeconds(afterAttempts attempts: Int) -> Double {
        let exponent = max(0, min(attempts - 1, 62))
        var delay = baseDelaySeconds
        for _ in 0..<exponent where delay < maxDelaySeconds { delay *= 2 }
        return min(delay, maxDelaySeconds)
    }

    /// Decide after the `attempts`-th failed attempt (1 for the first).
    ///
    /// "Equal jitter": the delay is drawn uniformly from [ceiling/2, ceiling], so workers that failed together
    /// spread out while every retry still waits at least half the backoff.
    /// - Parameters:
    ///   - attempts: attempts made so far, including the one that just failed.
    ///   - random: the random source (inject a seeded one in tests).
    public func decide(afterFailedAttempts attempts: Int, random: inout some RandomNumberGenerator) -> Decision {
        guard attempts < maxAttempts else { return .fail }
        let ceiling = ceilingSeconds(afterAttempts: attempts)
        let half = ceiling / 2
        return .retry(delaySeconds: half + Double.random(in: 0...half, using: &random))
    }
}
