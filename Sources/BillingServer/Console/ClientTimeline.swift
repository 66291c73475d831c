import BillingCore
import BillingPostgres
import Foundation

/// A client's status over time for its console page (issue 18): coloured bands per status from its
/// `billing_status_history`, admin actions and alerts as markers, and the history as a table beside.
struct ClientTimeline {
    struct HistoryRow {
        let at, change, source, cause: String
    }

    struct LegendItem {
        let status, color: String
    }

    let chart: SVGChart
    let rows: [HistoryRow]
    let legend: [LegendItem]

    /// - Parameters:
    ///   - history: the client's rows, oldest first.
    ///   - current: the client's status now (the last band when there is no history).
    ///   - createdAt: when the client row was created (the first band's start), Unix seconds.
    ///   - markers: admin actions and alerts of the client.
    ///   - now: the end of the time axis.
    init(history: [StatusHistoryStore.Entry], current: String, createdAt: Double, markers: [SVGChart.Marker], now: Double) {
        let bands = Self.bands(history: history, current: current, start: min(createdAt, history.first?.changedAt ?? createdAt), end: now)
        let start = bands.first?.from ?? createdAt
        let changes = history.filter { $0.fromStatus != $0.toStatus }.count
        chart = SVGChart.timeline(
            id: "status-timeline", title: "Status over time",
            summary: "\(history.count) recorded changes (\(changes) of status), from \(SVGChart.time(start)) to now; "
                + "the history table lists each one.",
            bands: bands, markers: markers, start: start, end: max(now, start))
        rows = history.reversed().map { e in
            HistoryRow(
                at: SVGChart.time(e.changedAt),
                change: e.fromStatus == e.toStatus ? e.toStatus.rawValue : "\(e.fromStatus.rawValue) → \(e.toStatus.rawValue)",
                source: e.fromSource == e.toSource ? e.toSource.rawValue : "\(e.fromSource.rawValue) → \(e.toSource.rawValue)",
                cause: Self.cause(e))
        }
        legend = Set(bands.map(\.status)).sorted().map { LegendItem(status: $0, color: SVGChart.color(ofStatus: $0)) }
    }

    /// The stretches between changes: the first row's `from` status until it, each row's `to` status
    /// until the next, the last one until `end`.
    static func bands(history: [StatusHistoryStore.Entry], current: String, start: Double, end: Double) -> [SVGChart.Band] {
        guard let first = history.first else { return [SVGChart.Band(from: start, to: end, status: current)] }
        var bands: [SVGChart.Band] = []
        var status = first.fromStatus.rawValue, since = start
        for entry in history where entry.toStatus.rawValue != status {
            bands.append(SVGChart.Band(from: since, to: entry.changedAt, status: status))
            (status, since) = (entry.toStatus.rawValue, entry.changedAt)
        }
        bands.append(SVGChart.Band(from: since, to: end, status: status))
        return bands
    }

    static func cause(_ e: StatusHistoryStore.Entry) -> String {
        switch e.cause {
        case "event": "Stripe event \(e.stripeEventId ?? "?") (\(e.stripeEventType ?? "?"))"
        case "admin": "\(e.adminAction ?? "?") by \(e.adminId ?? "?")"
        case "reconcile": "reconcile of \(e.stripeSubscriptionId ?? "?")"
        default: e.cause
        }
    }
}

extension ClientTimeline {
    /// The timeline of what `ClientTimelineStore` read; `current` is the client's status now.
    init(_ read: ClientTimelineStore.Timeline, current: String) {
        let now = read.now ?? Date().timeIntervalSince1970
        let markers = read.markers.map { m -> SVGChart.Marker in
            let kind: SVGChart.Marker.Kind = switch m.kind {
            case .admin: .admin
            case .alert: .alert
            }
            return SVGChart.Marker(at: m.at, kind: kind, label: m.label)
        }
        self.init(history: read.history, current: current, createdAt: read.createdAt ?? now, markers: markers, now: now)
    }
}
