/// Plain left-aligned columns for terminal output.
enum TextTable {
    static func render(header: [String], rows: [[String]]) -> String {
        var widths = header.map(\.count)
        for row in rows {
            for (i, cell) in row.enumerated() where i < widths.count { widths[i] = max(widths[i], cell.count) }
        }
        func line(_ cells: [String]) -> String {
            var text = ""
            for (i, cell) in cells.enumerated() {
                let last = i == cells.count - 1
                text += last ? cell : cell + String(repeating: " ", count: widths[i] - cell.count + 2)
            }
            return text + "\n"
        }
        return line(header) + rows.map(line).joined()
    }
}
