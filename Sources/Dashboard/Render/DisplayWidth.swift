import CNcurses

/// How many terminal columns a character takes, as the terminal (and ncurses) will draw it:
/// the C library's `wcwidth` for the first scalar, with emoji presentation and variation
/// selector 16 widening to two; combining marks and other zero-width scalars add nothing.
enum DisplayWidth {
    static func of(_ character: Character) -> Int {
        let scalars = character.unicodeScalars
        guard let first = scalars.first else { return 0 }
        if first.isASCII { return first.value >= 0x20 && first.value != 0x7F ? 1 : 0 }
        if scalars.contains(where: { $0.value == 0xFE0F }) || first.properties.isEmojiPresentation { return 2 }
        let width = wcwidth(wchar_t(bitPattern: first.value))
        if width < 0 {
            // Unknown to the C library (or a non-UTF-8 locale): assume one column.
            return 1
        }
        return Int(width)
    }

    /// Columns taken by `text`.
    static func of(_ text: String) -> Int {
        text.reduce(0) { $0 + of($1) }
    }

    /// `text` cut to at most `columns` columns, with `ellipsis` when cut.
    static func truncate(_ text: String, to columns: Int, ellipsis: String = "…") -> String {
        guard of(text) > columns else { return text }
        let room = columns - of(ellipsis)
        guard room > 0 else { return String(repeating: ".", count: max(0, columns)) }
        var result = ""
        var used = 0
        for character in text {
            let width = of(character)
            if used + width > room { break }
            result.append(character)
            used += width
        }
        return result + ellipsis
    }

    /// `text` padded with spaces (or cut) to exactly `columns` columns.
    static func pad(_ text: String, to columns: Int, alignRight: Bool = false, ellipsis: String = "…") -> String {
        let cut = truncate(text, to: columns, ellipsis: ellipsis)
        let padding = String(repeating: " ", count: max(0, columns - of(cut)))
        return alignRight ? padding + cut : cut + padding
    }
}
