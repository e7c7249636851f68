/// The columns of a pane's table: fixed widths, one flexible column taking what is left, and
/// rows padded to them (right-aligned numbers, cut text with an ellipsis).
struct TableLayout {
    struct Column {
        var title: String
        var width: Int
        var right: Bool

        static func left(_ title: String, _ width: Int) -> Column { Column(title: title, width: width, right: false) }
        static func right(_ title: String, _ width: Int) -> Column { Column(title: title, width: width, right: true) }
    }

    private(set) var columns: [Column]
    let ellipsis: String

    /// Gives the column titled `flexible` the width the others leave (at least `minimum`).
    init(_ columns: [Column], flexible: String, minimum: Int, width: Int, ellipsis: String) {
        self.columns = columns
        self.ellipsis = ellipsis
        let fixed = columns.reduce(0) { $0 + $1.width } + columns.count + 1
        if let index = columns.firstIndex(where: { $0.title == flexible }) {
            self.columns[index].width = max(minimum, width - fixed)
        }
    }

    /// The x offset of the column titled `title`, from the table's left edge.
    func offset(of title: String) -> Int {
        var x = 1
        for column in columns {
            if column.title == title { return x }
            x += column.width + 1
        }
        return x
    }

    /// The width of the column titled `title`.
    func width(of title: String) -> Int {
        columns.first { $0.title == title }?.width ?? 0
    }

    /// The header row.
    var header: String { row(columns.map(\.title)) }

    /// One row of values, in column order.
    func row(_ values: [String]) -> String {
        var text = " "
        for (column, value) in zip(columns, values) {
            text += DisplayWidth.pad(value, to: column.width, alignRight: column.right, ellipsis: ellipsis) + " "
        }
        return text
    }
}
