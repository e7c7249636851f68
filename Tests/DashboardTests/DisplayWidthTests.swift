import Foundation
import Testing

@testable import Dashboard

/// Known widths (as glibc's `wcwidth` in a UTF-8 locale and the terminals give them), from the
/// pure table: no locale is set anywhere in these tests.
struct DisplayWidthTests {
    static let known: [(String, Int, String)] = [
        ("a", 1, "ASCII"), ("~", 1, "ASCII"), ("é", 1, "precomposed Latin"), ("e\u{301}", 1, "e + combining acute"),
        ("Ж", 1, "Cyrillic"), ("ا", 1, "Arabic"), ("…", 1, "East Asian Ambiguous"), ("─", 1, "box drawing"),
        ("│", 1, "box drawing"), ("→", 1, "arrow"), ("▶", 1, "triangle (text presentation)"), ("⏎", 1, "symbol"),
        ("❤", 1, "heart without VS16"), ("ｱ", 1, "halfwidth katakana"), ("\u{AD}", 1, "soft hyphen"),
        // East Asian Wide and Fullwidth.
        ("日", 2, "CJK ideograph"), ("語", 2, "CJK ideograph"), ("ロ", 2, "katakana"), ("こ", 2, "hiragana"),
        ("한", 2, "Hangul syllable"), ("ᄀ", 2, "Hangul choseong"), ("Ａ", 2, "fullwidth Latin"),
        ("！", 2, "fullwidth punctuation"), ("\u{3000}", 2, "ideographic space"), ("𠀀", 2, "CJK extension B"),
        ("\u{2FFFD}", 2, "plane 2, unassigned: wide by default"), ("⌚", 2, "watch (Emoji_Presentation, W)"),
        // Emoji.
        ("🤖", 2, "emoji"), ("👍🏽", 2, "emoji + skin tone"), ("👨‍👩‍👧", 2, "ZWJ family"), ("🇯🇵", 2, "flag"),
        ("❤️", 2, "heart + VS16"), ("1️⃣", 2, "keycap"),
        // Zero width.
        ("\u{301}", 0, "lone combining acute"), ("\u{20DD}", 0, "enclosing circle"),
        ("\u{200B}", 0, "zero width space"),
        ("\u{200D}", 0, "lone ZWJ"), ("\u{FE0F}", 0, "lone VS16"), ("\u{1160}", 0, "Hangul jungseong filler"),
        ("\u{3099}", 0, "combining kana voiced mark"),
        // Controls.
        ("\u{0}", 0, "NUL"), ("\u{7}", 0, "BEL"), ("\u{1B}", 0, "ESC"), ("\u{7F}", 0, "DEL"), ("\u{85}", 0, "NEL (C1)"),
        ("\u{9B}", 0, "CSI (C1)"),
    ]

    @Test func knownCharacterWidths() {
        for (text, width, what) in Self.known {
            #expect(text.count == 1, "\(what) is one character")
            #expect(
                DisplayWidth.of(Character(text)) == width,
                "\(what): U+\(text.unicodeScalars.map { String($0.value, radix: 16, uppercase: true) }.joined(separator: " U+"))"
            )
        }
    }

    @Test func textWidthsAddUp() {
        #expect(DisplayWidth.of("Switchboard") == 11)
        #expect(DisplayWidth.of("nim,x日本語") == 11)
        #expect(DisplayWidth.of("こんにちは 🤖 world") == 19)
        #expect(DisplayWidth.of("a\u{1B}[31mb") == 6, "ESC takes no column; the rest of the sequence is text")
    }

    @Test func truncationNeverSplitsAWideCharacter() {
        #expect(DisplayWidth.truncate("日本語日本語", to: 6) == "日本…")
        #expect(DisplayWidth.truncate("日本語日本語", to: 7) == "日本語…")
        #expect(DisplayWidth.pad("日本語日本語", to: 6) == "日本… ")
        #expect(DisplayWidth.truncate("ab🤖cd", to: 4, ellipsis: "~") == "ab~")
    }

    @Test func widthsDoNotDependOnTheProcessLocale() {
        let saved = setlocale(LC_CTYPE, nil).map { String(cString: $0) }
        setlocale(LC_CTYPE, "C")
        defer { setlocale(LC_CTYPE, saved ?? "") }
        #expect(DisplayWidth.of(Character("日")) == 2)
        #expect(DisplayWidth.of(Character("\u{301}")) == 0)
        #expect(DisplayWidth.of("ロボ🤖") == 6)
    }
}
