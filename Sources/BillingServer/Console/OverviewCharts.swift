import BillingPostgres
import Foundation

/// The overview's pictures (issue 18) and their text alternatives: events received, processed and
/// failed per hour over the last 24 h, the queue and its lag, unmatched events, and gate closings
/// and reopenings per day over 30 days.
struct OverviewCharts {
    struct HourRow { let hour: String; let received, processed, failed: Int64 }
    struct DayRow { let day: String; let closings, reopenings: Int }

    let eventsChart: SVGChart
    let hours: [HourRow]
    let queueDepth: Int
    let queueLag: String
    let unmatched: Int
    let unmatchedAge: String
    let gateChart: SVGChart
    let days: [DayRow]

    init(_ o: OverviewStore.Overview) {
        let firstHour = Self.firstHour(now: o.now)
        let counts = Dictionary(o.hourly.map { ($0.hour, $0.counts) }, uniquingKeysWith: { a, _ in a })
        hours = (0..<24).map { i in
            let hour = firstHour + Int64(i) * 3600
            let c = counts[hour] ?? EventHourlyStore.Counts()
            return HourRow(hour: String(SVGChart.time(Double(hour)).suffix(5)), received: c.received,
                           processed: c.processed, failed: c.failed)
        }
        let received = hours.reduce(0) { $0 + $1.received }, failed = hours.reduce(0) { $0 + $1.failed }
        eventsChart = SVGChart.bars(
            id: "chart-events", title: "Events per hour, last 24 hours",
            summary: "\(received) events received and \(failed) failed in the last 24 hours; the table below lists every hour.",
            xAxis: "hour starting (UTC)", yAxis: "events per hour",
            series: [.init(name: "received", color: "#1f5fbf"), .init(name: "processed", color: "#27ae60"),
                     .init(name: "failed", color: "#c0392b")],
            buckets: hours.map { .init(label: $0.hour, values: [$0.received, $0.processed, $0.failed]) }, labelEvery: 3)

        queueDepth = o.queue.count
        queueLag = Self.duration(o.queue.ageSeconds)
        unmatched = o.unmatched.count
        unmatchedAge = Self.duration(o.unmatched.ageSeconds)

        let firstDay = Self.firstDay(now: o.now)
        let perDay = Dictionary(o.gateDays.map { ($0.day, ($0.closings, $0.reopenings)) }, uniquingKeysWith: { a, _ in a })
        days = (0..<30).map { i in
            let day = firstDay + Int64(i) * 86_400
            let (closings, reopenings) = perDay[day] ?? (0, 0)
            return DayRow(day: String(SVGChart.time(Double(day)).prefix(10)), closings: closings, reopenings: reopenings)
        }
        let closings = days.reduce(0) { $0 + $1.closings }, reopenings = days.reduce(0) { $0 + $1.reopenings }
        gateChart = SVGChart.bars(
            id: "chart-gates", title: "Payment gate closings and reopenings per day, last 30 days",
            summary: "\(closings) closings and \(reopenings) reopenings in the last 30 days; the table below lists every day.",
            xAxis: "day (UTC)", yAxis: "changes per day",
            series: [.init(name: "closings", color: "#c0392b"), .init(name: "reopenings", color: "#27ae60")],
            buckets: days.map { .init(label: String($0.day.suffix(5)), values: [Int64($0.closings), Int64($0.reopenings)]) },
            labelEvery: 5)
    }

    /// The start of the first of the 24 hours the events chart shows (Unix seconds; the last is the current one).
    static func firstHour(now: Int64) -> Int64 { now / 3600 * 3600 - 23 * 3600 }

    /// The start of the first of the 30 UTC days the gate chart shows (the last is today).
    static func firstDay(now: Int64) -> Int64 { now / 86_400 * 86_400 - 29 * 86_400 }

    /// `3 s`, `4 min`, `2 h 5 min`, `3 d 4 h`; `—` for nothing waiting.
    static func duration(_ seconds: Double) -> String {
        guard seconds > 0 else { return "—" }
        let s = Int(seconds.rounded())
        switch s {
        case ..<60: return "\(s) s"
        case ..<3600: return "\(s / 60) min"
        case ..<86_400: return "\(s / 3600) h \(s % 3600 / 60) min"
        default: return "\(s / 86_400) d \(s % 86_400 / 3600) h"
        }
    }
}
