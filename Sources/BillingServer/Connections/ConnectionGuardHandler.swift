import HTTPTypes
import NIOCore
import NIOHTTPTypes

/// Enforces `ConnectionDeadlines` on one HTTP/1 connection, and closes the connection after an
/// answer that says `Connection: close` (an early refusal that leaves the body unread).
///
/// It sits after the HTTP decoder, so it sees request heads, bodies and ends; to tell an idle
/// kept-alive connection from one that is sending a head, it also puts a `ByteArrivalTap` at the
/// front of the pipeline, which reports raw bytes before the decoder sees them.
final class ConnectionGuardHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private var state: ConnectionDeadlines
    private let onExpiry: @Sendable (ConnectionDeadlines.Expiry) -> Void
    private var timer: Scheduled<Void>?
    private var scheduledFor: NIODeadline?
    private var context: ChannelHandlerContext?

    /// - Parameters:
    ///   - timeouts: the deadlines of each phase.
    ///   - onExpiry: called when a deadline closes the connection (for a metric).
    init(timeouts: ConnectionTimeouts, onExpiry: @escaping @Sendable (ConnectionDeadlines.Expiry) -> Void) {
        state = ConnectionDeadlines(timeouts: timeouts, now: .now())
        self.onExpiry = onExpiry
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        try? context.pipeline.syncOperations.addHandler(ByteArrivalTap(owner: self), position: .first)
        reschedule()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
        self.context = nil
    }

    func channelInactive(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
        context.fireChannelInactive()
    }

    /// Raw bytes arrived (reported by the tap).
    fileprivate func bytesArrived() {
        state.bytesReceived(now: .now())
        reschedule()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head: state.headReceived(now: .now())
        case .body: break
        case .end: state.endReceived()
        }
        reschedule()
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case .head(let head):
            state.answerStarted(close: head.headerFields[.connection]?.lowercased() == "close")
            context.write(data, promise: promise)
        case .body:
            context.write(data, promise: promise)
        case .end:
            switch state.answerEnded(now: .now()) {
            case .keepOpen:
                reschedule()
                context.write(data, promise: promise)
            case .close:
                timer?.cancel()
                timer = nil
                let written = context.eventLoop.makePromise(of: Void.self)
                context.writeAndFlush(data, promise: written)
                written.futureResult.assumeIsolated().whenComplete { result in
                    promise?.completeWith(result)
                    context.close(promise: nil)
                }
            }
        }
    }

    /// Keeps one timer armed no later than the current deadline. A deadline that moves later (or
    /// goes away) leaves the armed timer alone: when it fires it finds nothing expired and re-arms
    /// for the deadline of that moment. A busy kept-alive connection thus touches the event loop's
    /// timer heap about once per header timeout instead of four times per request.
    private func reschedule() {
        guard context != nil, let deadline = state.deadline else { return }
        if timer != nil, let scheduledFor, scheduledFor <= deadline { return }
        timer?.cancel()
        arm(at: deadline)
    }

    private func arm(at deadline: NIODeadline) {
        guard let context else { return }
        scheduledFor = deadline
        timer = context.eventLoop.assumeIsolated().scheduleTask(deadline: deadline) { [self] in
            self.timer = nil
            self.scheduledFor = nil
            if let expiry = self.state.expired(now: .now()) {
                self.onExpiry(expiry)
                self.context?.close(promise: nil)
            } else if let next = self.state.deadline {
                self.arm(at: next)
            }
        }
    }
}

/// Reports the arrival of raw bytes to its `ConnectionGuardHandler`, before HTTP decoding.
private final class ByteArrivalTap: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private let owner: ConnectionGuardHandler

    init(owner: ConnectionGuardHandler) { self.owner = owner }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        owner.bytesArrived()
        context.fireChannelRead(data)
    }
}
