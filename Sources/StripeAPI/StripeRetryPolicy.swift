/// When a failed request to Stripe is tried again, and after how long — a pure rule.
///
/// Mirrors stripe-python's `_should_retry` (research/stripe-facts.md §4) with SPEC §10's
/// "retries 429 and 5xx": `Stripe-Should-Retry: true|false` wins when present; otherwise
/// 429, 5xx and connection failures are retried. `Retry-After` (seconds) sets the delay when
/// present (capped); otherwise the delay grows exponentially with jitter.
public struct StripeRetryPolicy: Sendable, Hashable {
    /// Attempts per request, the first included.
    public var maxAttempts: Int
    /// Delay before the second attempt, before jitter, in seconds.
    public var initialDelay: Double
    /// Largest backoff delay, before jitter, in seconds.
    public var maxDelay: Double
    /// Largest `Retry-After` honoured, in seconds (a bigger one is cut to this).
    public var maxRetryAfter: Double

    /// - Parameters:
    ///   - maxAttempts: default 5.
    ///   - initialDelay: default 0.5 s (stripe-python's `INITIAL_DELAY`).
    ///   - maxDelay: default 8 s.
    ///   - maxRetryAfter: default 60 s (stripe-python's `MAX_RETRY_AFTER`).
    public init(maxAttempts: Int = 5, initialDelay: Double = 0.5, maxDelay: Double = 8, maxRetryAfter: Double = 60) {
        self.maxAttempts = max(1, maxAttempts)
        self.initialDelay = initialDelay
        self.maxDelay = maxDelay
        self.maxRetryAfter = maxRetryAfter
    }

    /// What to do after a failed attempt.
    public enum Decision: Sendable, Hashable {
        case retry(afterSeconds: Double)
        case giveUp
    }

    /// - Parameters:
    ///   - attempt: the attempt that just failed, 1-based.
    ///   - status: its HTTP status, or `nil` when there was no answer (connection failure).
    ///   - headers: its response headers, names lowercased.
    ///   - random: jitter source.
    public func decide(
        afterAttempt attempt: Int, status: Int?, headers: [String: String],
        random: inout some RandomNumberGenerator
    ) -> Decision {
        guard attempt < maxAttempts, shouldRetry(status: status, headers: headers) else { return .giveUp }
        if let text = headers["retry-after"], let seconds = Double(text.trimmingSpaces), seconds >= 0 {
            return .retry(afterSeconds: min(seconds, maxRetryAfter))
        }
        let ceiling = min(initialDelay * Double(1 << min(attempt - 1, 30)), maxDelay)
        return .retry(afterSeconds: ceiling * Double.random(in: 0.5...1, using: &random))
    }

    /// Whether the answer may be retried at all (attempts aside).
    public func shouldRetry(status: Int?, headers: [String: String]) -> Bool {
        switch headers["stripe-should-retry"]?.trimmingSpaces.lowercased() {
        case "true": return true
        case "false": return false
        default: break
        }
        guard let status else { return true }
        return status == 429 || status >= 500
    }
}

extension String {
    var trimmingSpaces: String {
        var s = Substring(self)
        while s.first == " " || s.first == "\t" { s = s.dropFirst() }
        while s.last == " " || s.last == "\t" || s.last == "\r" { s = s.dropLast() }
        return String(s)
    }
}
