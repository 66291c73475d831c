import Foundation

/// Charts of the console (issue 18), drawn on the server as inline SVG: no script and no external
/// resource, so the Content-Security-Policy stays as it is. A chart is a list of shapes with their
/// attributes as text; the `chart` template writes them with escaping tags only, like every other
/// value of the console. Each chart has a `<title>` and a `<desc>` (its text alternative; the pages
/// also show the numbers as a table) and axis labels with units. Pure: values in, shapes out.
struct SVGChart: Sendable {
    struct Rect: Sendable { let cls, x, y, w, h, fill: String; var tip: String?; var status: String?; var index: String? }
    struct Line: Sendable { let x1, y1, x2, y2, stroke: String }
    struct Label: Sendable { let x, y, size, fill, anchor: String; var transform: String?; let text: String }
    struct Dot: Sendable { let cls, cx, cy, r, fill, tip: String }
    struct Shape: Sendable { let cls, d, fill, tip: String }

    let id, title, summary, width, height: String
    var grid: [Line] = []
    var rects: [Rect] = []
    var lines: [Line] = []
    var dots: [Dot] = []
    var shapes: [Shape] = []
    var labels: [Label] = []

    /// One series of a bar chart: its name in the legend and its colour.
    struct Series {
        let name: String
        let color: String
    }

    /// One bucket of a bar chart: its axis label and one value per series.
    struct Bucket {
        let label: String
        let values: [Int64]
    }

    static let fullWidth = 720.0
    static let left = 52.0, right = 12.0, top = 28.0, bottom = 44.0

    private init(id: String, title: String, summary: String, height: Double) {
        self.id = id
        self.title = title
        self.summary = summary
        width = Self.f(Self.fullWidth)
        self.height = Self.f(height)
        rects.append(Rect(cls: "background", x: "0", y: "0", w: width, h: self.height, fill: "#ffffff"))
    }

    /// Grouped bars, one group per bucket, on a y axis from 0 to a round maximum, every
    /// `labelEvery`-th bucket labelled on the x axis.
    static func bars(
        id: String, title: String, summary: String, xAxis: String, yAxis: String, series: [Series], buckets: [Bucket],
        labelEvery: Int = 1, height: Double = 220
    ) -> SVGChart {
        var chart = SVGChart(id: id, title: title, summary: summary, height: height)
        let plotWidth = fullWidth - left - right, plotHeight = height - top - bottom, baseline = top + plotHeight
        let maximum = roundUp(buckets.flatMap(\.values).max() ?? 0)
        for k in 0...2 {
            let y = baseline - plotHeight * Double(k) / 2
            chart.grid.append(Line(x1: f(left - 4), y1: f(y), x2: f(fullWidth - right), y2: f(y), stroke: "#e2e5ea"))
            chart.label(String(maximum * Int64(k) / 2), x: left - 6, y: y + 4, anchor: "end", size: 10)
        }
        let group = plotWidth / Double(max(1, buckets.count))
        let barWidth = group * 0.8 / Double(max(1, series.count))
        for (i, bucket) in buckets.enumerated() {
            let x0 = left + Double(i) * group + group * 0.1
            for (j, value) in bucket.values.enumerated() where j < series.count {
                let h = maximum == 0 ? 0 : plotHeight * Double(value) / Double(maximum)
                chart.rects.append(Rect(
                    cls: "bar", x: f(x0 + Double(j) * barWidth), y: f(baseline - h), w: f(max(1, barWidth - 1)), h: f(h),
                    fill: series[j].color, tip: "\(bucket.label): \(value) \(series[j].name)"))
            }
            if i % max(1, labelEvery) == 0 { chart.label(bucket.label, x: x0 + group * 0.4, y: baseline + 14, anchor: "middle", size: 10) }
        }
        chart.lines.append(Line(x1: f(left), y1: f(top), x2: f(left), y2: f(baseline), stroke: "#5b6475"))
        chart.lines.append(Line(x1: f(left), y1: f(baseline), x2: f(fullWidth - right), y2: f(baseline), stroke: "#5b6475"))
        chart.label(xAxis, x: left + plotWidth / 2, y: height - 6, anchor: "middle", size: 11)
        chart.labels.append(Label(x: "12", y: f(top + plotHeight / 2), size: "11", fill: "#5b6475", anchor: "middle",
                                  transform: "rotate(-90 12 \(f(top + plotHeight / 2)))", text: yAxis))
        var x = fullWidth - right
        for s in series.reversed() {
            x -= Double(s.name.count) * 6.5 + 18
            chart.rects.append(Rect(cls: "legend", x: f(x), y: "5", w: "10", h: "10", fill: s.color))
            chart.label(s.name, x: x + 14, y: 14, anchor: "start", size: 11)
        }
        return chart
    }

    /// A stretch of time in one status, for `timeline`.
    struct Band {
        let from, to: Double
        let status: String
    }

    /// A moment on a timeline: an admin action or an alert.
    struct Marker {
        enum Kind: String { case admin, alert }
        let at: Double
        let kind: Kind
        let label: String
    }

    /// Coloured bands per status over time (`start`…`end`, Unix seconds), admin actions as triangles under
    /// the bands and alerts as dots above them, with the time each band began on the axis. A band is at
    /// least `minimumBandWidth` wide (changes processed in the same second stay visible), so the axis is
    /// proportional to time within each band, not across them. Bands keep their order in the markup
    /// (`data-index`), so a reader (or a test) can follow the statuses in time.
    static func timeline(id: String, title: String, summary: String, bands: [Band], markers: [Marker], start: Double, end: Double) -> SVGChart {
        var chart = SVGChart(id: id, title: title, summary: summary, height: 150)
        let plotWidth = fullWidth - left - right
        let layout = layOut(bands, width: plotWidth)
        func x(_ t: Double) -> Double {
            guard let i = bands.lastIndex(where: { $0.from <= t }) else { return left }
            let (x0, w) = layout[i], band = bands[i]
            let span = band.to - band.from
            return left + x0 + (span > 0 ? w * min(1, (t - band.from) / span) : w)
        }
        var lastTick = -Double.infinity
        for (i, band) in bands.enumerated() {
            let x0 = left + layout[i].x, w = layout[i].width
            chart.rects.append(Rect(
                cls: "band", x: f(x0), y: "44", w: f(w), h: "40", fill: color(ofStatus: band.status),
                tip: "\(band.status) from \(time(band.from)) to \(time(band.to))", status: band.status, index: String(i)))
            if w > 70 { chart.label(band.status, x: x0 + w / 2, y: 68, anchor: "middle", size: 11, fill: "#10151f") }
            if x0 - lastTick >= 110 || i == 0 {
                chart.lines.append(Line(x1: f(x0), y1: "104", x2: f(x0), y2: "108", stroke: "#5b6475"))
                chart.label(time(band.from), x: x0, y: 120, anchor: i == 0 ? "start" : "middle", size: 10)
                lastTick = x0
            }
        }
        chart.lines.append(Line(x1: f(left), y1: "104", x2: f(fullWidth - right), y2: "104", stroke: "#5b6475"))
        chart.lines.append(Line(x1: f(fullWidth - right), y1: "104", x2: f(fullWidth - right), y2: "108", stroke: "#5b6475"))
        if fullWidth - right - lastTick >= 110 { chart.label(time(end), x: fullWidth - right, y: 120, anchor: "end", size: 10) }
        for marker in markers where marker.at >= start && marker.at <= end {
            let tip = "\(time(marker.at)): \(marker.label)"
            switch marker.kind {
            case .admin: chart.shapes.append(Shape(cls: "marker marker-admin", d: "M\(f(x(marker.at))) 88 l-6 10 h12 z", fill: "#1f5fbf", tip: tip))
            case .alert: chart.dots.append(Dot(cls: "marker marker-alert", cx: f(x(marker.at)), cy: "36", r: "5", fill: "#c0392b", tip: tip))
            }
        }
        chart.label("time (UTC); each band starts at the time below it", x: left + plotWidth / 2, y: 140, anchor: "middle", size: 11)
        chart.label("▲ admin action   ● alert", x: fullWidth - right, y: 14, anchor: "end", size: 11)
        return chart
    }

    static let minimumBandWidth = 24.0

    /// Each band's x and width in a plot `width` wide: proportional to its duration, at least
    /// `minimumBandWidth`, the whole scaled to fit.
    static func layOut(_ bands: [Band], width: Double) -> [(x: Double, width: Double)] {
        let total = max(1, bands.reduce(0) { $0 + max(0, $1.to - $1.from) })
        let raw = bands.map { max(minimumBandWidth, width * max(0, $0.to - $0.from) / total) }
        let scale = width / max(1, raw.reduce(0, +))
        var x = 0.0
        return raw.map { w in
            defer { x += w * scale }
            return (x, w * scale)
        }
    }

    /// The colour of a status band (also the legend of the client page).
    static func color(ofStatus status: String) -> String {
        switch status {
        case "PENDING": "#f2c94c"
        case "TRIALING": "#56ccf2"
        case "ACTIVE": "#27ae60"
        case "PAST_DUE": "#f2994a"
        case "UNPAID": "#eb5757"
        case "PAUSED": "#9b51e0"
        case "CANCELED": "#828282"
        default: "#cccccc"
        }
    }

    private mutating func label(_ text: String, x: Double, y: Double, anchor: String, size: Int, fill: String = "#5b6475") {
        labels.append(Label(x: Self.f(x), y: Self.f(y), size: String(size), fill: fill, anchor: anchor, text: text))
    }

    /// The smallest of 1, 2, 5 × 10ⁿ at or above `value` (at least 1), for the y axis.
    static func roundUp(_ value: Int64) -> Int64 {
        guard value > 1 else { return 1 }
        var step: Int64 = 1
        while true {
            for m: Int64 in [1, 2, 5] where step * m >= value { return step * m }
            step *= 10
        }
    }

    /// `YYYY-MM-DD HH:MM` in UTC.
    static func time(_ t: Double) -> String {
        var utc = Calendar(identifier: .gregorian)
        utc.timeZone = TimeZone(identifier: "UTC")!
        let d = utc.dateComponents([.year, .month, .day, .hour, .minute], from: Date(timeIntervalSince1970: t))
        return String(format: "%04d-%02d-%02d %02d:%02d", d.year ?? 0, d.month ?? 0, d.day ?? 0, d.hour ?? 0, d.minute ?? 0)
    }

    private static func f(_ v: Double) -> String { String(format: "%.1f", v) }
}

extension ConsoleTemplates {
    /// An `SVGChart` as inline SVG, every value through an escaping tag. Drawn back to front: grid,
    /// rectangles (background, bars, bands, legend), axes, markers, labels.
    static let chart = """
        <svg xmlns="http://www.w3.org/2000/svg" class="chart" id="{{id}}" role="img" aria-labelledby="{{id}}-title {{id}}-desc" \
        viewBox="0 0 {{width}} {{height}}" width="{{width}}" height="{{height}}">\
        <title id="{{id}}-title">{{title}}</title><desc id="{{id}}-desc">{{summary}}</desc>\
        {{#grid}}<line x1="{{x1}}" y1="{{y1}}" x2="{{x2}}" y2="{{y2}}" stroke="{{stroke}}"/>{{/grid}}\
        {{#rects}}<rect class="{{cls}}" x="{{x}}" y="{{y}}" width="{{w}}" height="{{h}}" fill="{{fill}}"\
        {{#status}} data-status="{{status}}" data-index="{{index}}"{{/status}}>{{#tip}}<title>{{tip}}</title>{{/tip}}</rect>{{/rects}}\
        {{#lines}}<line x1="{{x1}}" y1="{{y1}}" x2="{{x2}}" y2="{{y2}}" stroke="{{stroke}}"/>{{/lines}}\
        {{#shapes}}<path class="{{cls}}" d="{{d}}" fill="{{fill}}"><title>{{tip}}</title></path>{{/shapes}}\
        {{#dots}}<circle class="{{cls}}" cx="{{cx}}" cy="{{cy}}" r="{{r}}" fill="{{fill}}"><title>{{tip}}</title></circle>{{/dots}}\
        {{#labels}}<text x="{{x}}" y="{{y}}" font-size="{{size}}" fill="{{fill}}" text-anchor="{{anchor}}"\
        {{#transform}} transform="{{transform}}"{{/transform}}>{{text}}</text>{{/labels}}\
        </svg>
        """
}
