@testable import BillingServer
import NIOCore
import Testing

/// The per-connection deadlines as a value: which deadline applies in each phase (issue 16).
@Suite struct ConnectionDeadlinesTests {
    static let timeouts = ConnectionTimeouts(header: .seconds(10), body: .seconds(30), idle: .seconds(60))
    static let t0 = NIODeadline.uptimeNanoseconds(1_000_000_000_000)

    /// A new connection that never completes a head is closed at the header deadline, however
    /// many bytes it trickles.
    @Test func newConnectionMustSendItsHeadInTime() {
        var state = ConnectionDeadlines(timeouts: Self.timeouts, now: Self.t0)
        state.bytesReceived(now: Self.t0 + .seconds(9))
        #expect(state.expired(now: Self.t0 + .seconds(9)) == nil)
        #expect(state.expired(now: Self.t0 + .seconds(10)) == .header)
    }

    /// The body deadline counts from the head, not from the last byte: a body sent a few bytes
    /// per second still expires.
    @Test func bodyDeadlineCountsFromTheHead() {
        var state = ConnectionDeadlines(timeouts: Self.timeouts, now: Self.t0)
        state.headReceived(now: Self.t0 + .seconds(1))
        for second in 2..<31 { state.bytesReceived(now: Self.t0 + .seconds(Int64(second))) }
        #expect(state.expired(now: Self.t0 + .seconds(30)) == nil)
        #expect(state.expired(now: Self.t0 + .seconds(31)) == .body)
    }

    /// While the application answers there is no deadline; after the answer, a kept-alive
    /// connection may idle, then must send its next head within the header timeout.
    @Test func keptAliveConnectionIdlesThenReadsItsNextHead() {
        var state = ConnectionDeadlines(timeouts: Self.timeouts, now: Self.t0)
        state.headReceived(now: Self.t0)
        state.endReceived()
        #expect(state.deadline == nil && state.expired(now: Self.t0 + .seconds(3600)) == nil)
        state.answerStarted(close: false)
        #expect(state.answerEnded(now: Self.t0 + .seconds(2)) == .keepOpen)
        #expect(state.phase == .idle)
        #expect(state.expired(now: Self.t0 + .seconds(61)) == nil)
        #expect(state.expired(now: Self.t0 + .seconds(62)) == .idle)
        state.bytesReceived(now: Self.t0 + .seconds(50))
        #expect(state.phase == .readingHead)
        #expect(state.expired(now: Self.t0 + .seconds(60)) == .header)
    }

    /// An answer given before the body was read (an early refusal) keeps the body deadline, and an
    /// answer with `Connection: close` closes the connection once written.
    @Test func earlyAnswerKeepsTheBodyDeadlineOrCloses() {
        var state = ConnectionDeadlines(timeouts: Self.timeouts, now: Self.t0)
        state.headReceived(now: Self.t0)
        state.answerStarted(close: false)
        #expect(state.answerEnded(now: Self.t0 + .seconds(1)) == .keepOpen)
        #expect(state.expired(now: Self.t0 + .seconds(30)) == .body)
        var closing = ConnectionDeadlines(timeouts: Self.timeouts, now: Self.t0)
        closing.headReceived(now: Self.t0)
        closing.answerStarted(close: true)
        #expect(closing.answerEnded(now: Self.t0) == .close)
    }
}
