import NIOCore

/// How long one HTTP connection may take for each phase of a request (issue 16).
///
/// The defaults dispose of idle and slow attackers within seconds while leaving Stripe, which
/// sends a small body at once, untouched.
public struct ConnectionTimeouts: Sendable, Equatable {
    /// A new connection, or a kept-alive one after its first byte, must send a complete request
    /// head within this time.
    public var header: TimeAmount
    /// A request's body must be complete within this time of its head.
    public var body: TimeAmount
    /// A kept-alive connection may wait this long for the first byte of its next request.
    public var idle: TimeAmount

    public init(header: TimeAmount = .seconds(10), body: TimeAmount = .seconds(30), idle: TimeAmount = .seconds(60)) {
        self.header = header
        self.body = body
        self.idle = idle
    }
}

/// The deadline of one HTTP connection, as a value: what happened goes in, whether to close comes out.
/// No I/O and no clock of its own, so tests drive it with chosen instants; `ConnectionGuardHandler`
/// runs it on the connection's event loop.
struct ConnectionDeadlines {
    /// What the connection is doing.
    enum Phase: Equatable {
        /// Waiting for the first byte of a request on a kept-alive connection (idle deadline).
        case idle
        /// Bytes of a request head are arriving, or a new connection has sent nothing yet (header deadline).
        case readingHead
        /// The head arrived; the body is still arriving (body deadline, counted from the head).
        case readingBody
        /// The request is complete and the application is answering (no deadline).
        case answering
    }

    /// Which deadline closed a connection; the label of `billing_http_connections_closed_total{reason}`.
    enum Expiry: String, Equatable {
        case idle = "idle_timeout", header = "header_timeout", body = "body_timeout"
    }

    let timeouts: ConnectionTimeouts
    private(set) var phase: Phase
    /// When the connection is closed unless the phase changes first; `nil` while answering.
    private(set) var deadline: NIODeadline?
    /// The request body has been read to its end (so the answer may be followed by the next request).
    private var requestComplete = false
    /// The answer says `Connection: close`: close once it is written, whatever the request's state.
    private var closeAfterAnswer = false

    /// A connection accepted at `now`: its request head is due within the header timeout.
    init(timeouts: ConnectionTimeouts, now: NIODeadline) {
        self.timeouts = timeouts
        phase = .readingHead
        deadline = now + timeouts.header
    }

    /// Bytes arrived from the peer (any bytes: head, body or the next request).
    mutating func bytesReceived(now: NIODeadline) {
        if phase == .idle {
            phase = .readingHead
            deadline = now + timeouts.header
        }
    }

    /// A complete request head was decoded.
    mutating func headReceived(now: NIODeadline) {
        phase = .readingBody
        requestComplete = false
        closeAfterAnswer = false
        deadline = now + timeouts.body
    }

    /// The request's body ended.
    mutating func endReceived() {
        requestComplete = true
        if phase == .readingBody {
            phase = .answering
            deadline = nil
        }
    }

    /// The answer's head is being written; `close` when it carries `Connection: close`.
    mutating func answerStarted(close: Bool) {
        if close { closeAfterAnswer = true }
    }

    /// What to do once an answer has been written completely.
    enum AnswerEndAction: Equatable {
        /// Flush and close the connection (the answer said `Connection: close`).
        case close
        /// Keep the connection for the next request.
        case keepOpen
    }

    /// The answer's last part is being written.
    mutating func answerEnded(now: NIODeadline) -> AnswerEndAction {
        if closeAfterAnswer { return .close }
        if requestComplete {
            phase = .idle
            deadline = now + timeouts.idle
        }
        // Otherwise the body is still arriving (an answer given before reading it): its deadline stands.
        return .keepOpen
    }

    /// The timer fired at `now`: the deadline that expired, or `nil` when the connection may stay.
    func expired(now: NIODeadline) -> Expiry? {
        guard let deadline, now >= deadline else { return nil }
        switch phase {
        case .idle: return .idle
        case .readingHead: return .header
        case .readingBody: return .body
        case .answering: return nil
        }
    }
}
