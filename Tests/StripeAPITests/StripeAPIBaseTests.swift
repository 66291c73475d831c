import StripeAPI
import Testing

/// Where `reconcile` may send the Stripe secret key (issue 16).
@Suite struct StripeAPIBaseTests {
    /// `STRIPE_API_BASE` must be https, except on a loopback host.
    @Test(arguments: [
        ("https://api.stripe.com", true), ("http://127.0.0.1:12111", true), ("http://localhost:8420/", true),
        ("http://[::1]:9000", true), ("http://api.stripe.com", false), ("http://127.0.0.1.evil.example", false),
        ("http://localhost@evil.example", false), ("ftp://api.stripe.com", false), ("https://", false),
    ])
    func stripeAPIBaseMustBeHTTPSUnlessLoopback(base: String, accepted: Bool) {
        #expect((StripeConfiguration.apiBaseProblem(base) == nil) == accepted, "\(base)")
    }
}
