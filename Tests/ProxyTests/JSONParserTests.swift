import Foundation
import Testing

@testable import Proxy

struct JSONParserTests {
    // MARK: - Values

    @Test func parsesEveryKindOfValue() throws {
        let value = try JSONParser.parse(
            #" {"s":"x","i":-12,"d":1.5,"t":true,"f":false,"n":null,"a":[1,"2",[]],"o":{}} "#
        )
        #expect(value["s"] == .string("x"))
        #expect(value["i"] == .int(-12))
        #expect(value["d"] == .double(1.5))
        #expect(value["t"] == .bool(true))
        #expect(value["f"] == .bool(false))
        #expect(value["n"] == .null)
        #expect(value["a"] == .array([.int(1), .string("2"), .array([])]))
        #expect(value["o"] == .object(JSONObject()))
    }

    @Test func keepsKeyOrder() throws {
        let text = #"{"zeta":1,"alpha":{"y":1,"b":2,"x":3},"mid":[{"k2":0,"k1":0}]}"#
        let value = try JSONParser.parse(text)
        #expect(value.objectValue?.keys == ["zeta", "alpha", "mid"])
        #expect(value["alpha"]?.objectValue?.keys == ["y", "b", "x"])
        #expect(value.jsonString == text)
    }

    @Test func duplicateKeysKeepTheFirstPositionAndTheLastValue() throws {
        let value = try JSONParser.parse(#"{"a":1,"b":2,"a":3}"#)
        #expect(value.objectValue?.keys == ["a", "b"])
        #expect(value["a"] == .int(3))
    }

    static let roundTrips = [
        #"{"a":[1,2.5,-3,true,false,null,"s"],"b":{"c":{"d":[]}},"e":""}"#,
        #"["line\nbreak","tab\t","quote\"","back\\slash","ctrl\u0001","ünïcödé 東京 😀"]"#,
        #"[-1.5e+300,1e-07,123456789012]"#,
        "[]", "{}", #""""#, "0", "-7", "true", "null",
    ]

    @Test(arguments: roundTrips)
    func writerOutputParsesBackToTheSameValue(text: String) throws {
        let value = try JSONParser.parse(text)
        let written = value.jsonString
        #expect(try JSONParser.parse(written) == value)
        #expect(try JSONParser.parse(value.jsonBytes) == value)
    }

    @Test func bytesAndStringGiveTheSameValue() throws {
        let text = #"{"k":"v 😀","n":[1,2]}"#
        #expect(try JSONParser.parse(Array(text.utf8)) == JSONParser.parse(text))
        #expect(try JSONParser.parse(Array(text.utf8)[...]) == JSONParser.parse(text))
    }

    // MARK: - Strings

    @Test(arguments: [
        (#""\"\\\/\b\f\n\r\t""#, "\"\\/\u{08}\u{0C}\n\r\t"),
        (#""\u0041\u00e9\u6771""#, "Aé東"),
        (#""\ud83d\ude00""#, "😀"),
        (#""\uD83D\uDE00""#, "😀"),
        (#""a\ud800b""#, "a\u{FFFD}b"),
        (#""\ude00""#, "\u{FFFD}"),
        (#""\ud800\u0041""#, "\u{FFFD}A"),
        (#""\ud800\ud800\udc00""#, "\u{FFFD}𐀀"),
        (#""\ud800""#, "\u{FFFD}"),
        ("\"raw ü 東 😀\"", "raw ü 東 😀"),
    ])
    func stringEscapes(text: String, expected: String) throws {
        #expect(try JSONParser.parse(text) == .string(expected))
    }

    // MARK: - Numbers

    @Test(arguments: [
        ("0", JSONValue.int(0)), ("-0", .int(0)), ("42", .int(42)), ("-42", .int(-42)),
        ("9223372036854775807", .int(Int.max)), ("-9223372036854775808", .int(Int.min)),
        ("9223372036854775808", .double(9_223_372_036_854_775_808)), ("1.0", .double(1)), ("1.25", .double(1.25)),
        ("1e3", .double(1000)), ("1E+3", .double(1000)), ("25e-2", .double(0.25)), ("-0.5", .double(-0.5)),
    ])
    func numbers(text: String, expected: JSONValue) throws {
        #expect(try JSONParser.parse(text) == expected)
    }

    @Test func negativeZero() throws {
        let integer = try JSONParser.parse("-0")
        #expect(integer.doubleValue == 0)
        let double = try JSONParser.parse("-0.0")
        #expect(double.doubleValue == 0)
        #expect(double.doubleValue?.sign == .minus)
    }

    @Test func integralDoublesStillReadAsIntegers() throws {
        #expect(try JSONParser.parse("3.0").intValue == 3)
        #expect(try JSONParser.parse("3.5").intValue == nil)
        #expect(try JSONParser.parse("1e300").intValue == nil)
    }

    // MARK: - Errors

    @Test(arguments: [
        ("", 0, "unexpected end of JSON"),
        ("   ", 3, "unexpected end of JSON"),
        (#"{"a":1,}"#, 7, "expected a string key in object"),
        (#"{"a" 1}"#, 5, "expected ':' after object key"),
        (#"{"a":1"#, 6, "unexpected end of JSON in object"),
        (#"{"a":1 "b":2}"#, 7, "expected ',' or '}' in object"),
        ("[1,2", 4, "unexpected end of JSON in array"),
        ("[1 2]", 3, "expected ',' or ']' in array"),
        ("[1,]", 3, "unexpected character ']'"),
        ("{} x", 3, "unexpected data after the JSON value"),
        ("{}{}", 2, "unexpected data after the JSON value"),
        ("01", 1, "unexpected data after the JSON value"),
        ("-", 1, "invalid number"),
        ("1.", 2, "invalid number"),
        ("1e", 2, "invalid number"),
        ("+1", 0, "unexpected character '+'"),
        (".5", 0, "unexpected character '.'"),
        ("tru", 0, "unexpected end of JSON"),
        ("trux", 0, "invalid literal"),
        ("nul", 0, "unexpected end of JSON"),
        ("\"abc", 4, "unterminated string"),
        ("\"a\\q\"", 3, "invalid escape in string"),
        ("\"a\\u12G4\"", 6, "invalid \\u escape"),
        ("\"a\nb\"", 2, "unescaped control character in string"),
        ("\"\\n\u{01}\"", 3, "unescaped control character in string"),
        ("'a'", 0, "unexpected character '''"),
        ("NaN", 0, "unexpected character 'N'"),
    ])
    func errorsCarryAnOffsetAndAReason(text: String, offset: Int, reason: String) throws {
        let error = try #require(throws: JSONParser.SyntaxError.self) { try JSONParser.parse(text) }
        #expect(error.offset == offset)
        #expect(error.reason == reason)
    }

    @Test func errorDescriptionNamesTheByte() {
        let error = JSONParser.SyntaxError(reason: "invalid literal", offset: 12)
        #expect(error.description == "invalid literal at byte 12")
    }

    @Test func controlByteInAnErrorIsPrintable() throws {
        let error = try #require(throws: JSONParser.SyntaxError.self) { try JSONParser.parse("\u{01}") }
        #expect(error.reason == "unexpected character '\\u{1}'")
    }

    // MARK: - Depth

    @Test func hundredThousandNestedArraysThrowInsteadOfCrashing() throws {
        let text = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        let error = try #require(throws: JSONParser.SyntaxError.self) { try JSONParser.parse(text) }
        #expect(error.reason == "JSON nested too deeply")
        #expect(error.offset == JSONParser.maximumDepth)
    }

    @Test func hundredThousandNestedObjectsThrowInsteadOfCrashing() {
        let text = String(repeating: #"{"a":"#, count: 100_000) + "1" + String(repeating: "}", count: 100_000)
        #expect(throws: JSONParser.SyntaxError.self) { try JSONParser.parse(text) }
    }

    @Test func nestingUpToTheLimitIsAccepted() throws {
        let depth = JSONParser.maximumDepth
        let text = String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
        var value = try JSONParser.parse(text)
        var levels = 0
        while case .array(let elements) = value {
            levels += 1
            value = elements.first ?? .null
        }
        #expect(levels == depth)
        #expect(throws: JSONParser.SyntaxError.self) { try JSONParser.parse("[" + text + "]") }
    }

    // MARK: - Writer

    @Test func writerEscapesEveryControlCharacter() throws {
        let all = String((0..<0x20).map { Character(Unicode.Scalar(UInt8($0))) })
        let written = JSONValue.string(all + "\"\\").jsonString
        #expect(!written.utf8.dropFirst().dropLast().contains { $0 < 0x20 })
        #expect(written.hasPrefix(#""\u0000\u0001"#))
        #expect(written.contains(#"\b"#) || written.contains(#"\u0008"#))
        #expect(written.contains(#"\n"#))
        #expect(written.contains(#"\t"#))
        #expect(written.contains(#"\r"#))
        #expect(written.contains(#"\u001f"#))
        #expect(written.hasSuffix(#"\"\\""#))
        #expect(try JSONParser.parse(written) == .string(all + "\"\\"))
    }

    @Test func writerLeavesNonASCIIAndSlashAlone() {
        #expect(JSONValue.string("é/東😀\u{7F}").jsonString == "\"é/東😀\u{7F}\"")
    }

    @Test(arguments: [
        (JSONValue.double(1.5), "1.5"), (.double(100), "100"), (.double(-0.25), "-0.25"), (.double(.infinity), "null"),
        (.double(.nan), "null"), (.int(-7), "-7"), (.bool(true), "true"), (.null, "null"),
        (.array([]), "[]"), (.object(JSONObject()), "{}"),
    ])
    func writerNumbersAndLiterals(value: JSONValue, expected: String) {
        #expect(value.jsonString == expected)
    }

    @Test func writerIsCompactAndKeepsOrder() {
        let value: JSONValue = ["b": 1, "a": ["x": [true, nil, "s"]]]
        #expect(value.jsonString == #"{"b":1,"a":{"x":[true,null,"s"]}}"#)
    }
}

/// Wide objects: parsed in linear time, duplicate keys resolved the same way past the index threshold.
struct JSONParserWideObjectTests {
    @Test func duplicateKeysInAWideObjectKeepTheirPlaceAndTakeTheLastValue() throws {
        var text = "{"
        for index in 0..<100 { text += "\"k\(index)\":\(index)," }
        text += #""k3":"again","k90":"again","k100":true}"#
        let value = try JSONParser.parse(text)
        let object = try #require(value.objectValue)
        #expect(object.count == 101)
        #expect(object["k3"] == "again")
        #expect(object["k90"] == "again")
        #expect(object.keys[3] == "k3", "a repeated key keeps its first position")
        #expect(object.keys.last == "k100")
    }

    @Test func objectsCompareWhateverTheirOrder() throws {
        let keys = (0..<50).map { "k\($0)" }
        let forward = JSONObject(keys.map { (key: $0, value: JSONValue.string($0)) })
        let backward = JSONObject(keys.reversed().map { (key: $0, value: JSONValue.string($0)) })
        #expect(forward == backward)
        var changed = backward
        changed["k7"] = "other"
        #expect(forward != changed)
    }
}
