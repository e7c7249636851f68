import Foundation

#if !SWITCHBOARD_FUZZ
    @testable import Proxy
#endif

/// `json-differential`: ``JSONParser`` against Foundation's `JSONSerialization` (with
/// `.fragmentsAllowed`; RFC 8259 allows any value at the top). Every text Foundation accepts,
/// ours accepts, with the same value; every text ours accepts, Foundation accepts, except where
/// we differ on purpose:
/// - invalid UTF-8 and lone UTF-16 surrogates (`"\ud800"`): ours reads them as U+FFFD (a
///   model's stray byte must not cost a whole answer), Foundation rejects the text;
/// - nesting past 500 levels: both stop near 512 but count differently; such inputs are skipped;
/// - encodings: Foundation also reads UTF-16 and UTF-32 (guessed from NUL bytes at the start)
///   and skips a byte-order mark; HTTP bodies here are UTF-8, so those inputs are skipped;
/// - trailing commas (`[1,]`, `{"a":1,}`): Foundation accepts them, ours (RFC 8259) does not;
///   such a text must parse once its trailing commas are removed (found by fuzzing);
/// - duplicate keys: both keep the last value (compared);
/// - numbers: compared by value to 1e-9 (Foundation may keep a big integer as a Decimal);
///   ours reads a number too large for a Double as infinity, Foundation rejects it.
enum JSONDifferentialFuzz {
    static func check(_ input: [UInt8]) throws(FuzzFailure) {
        if input.prefix(4).contains(0) || input.starts(with: [0xEF, 0xBB, 0xBF]) || input.starts(with: [0xFE, 0xFF])
            || input.starts(with: [0xFF, 0xFE])
        {
            return
        }
        if input.lazy.filter({ $0 == UInt8(ascii: "[") || $0 == UInt8(ascii: "{") }).count > 500 { return }
        let ours = try? JSONParser.parse(input)
        let theirs = try? JSONSerialization.jsonObject(with: Data(input), options: [.fragmentsAllowed])
        switch (ours, theirs) {
        case (nil, nil): return
        case (nil, _?):
            if (try? JSONParser.parse(removingTrailingCommas(input))) != nil { return }
            throw FuzzFailure("Foundation accepts a text JSONParser rejects")
        case (let value?, nil):
            if String(validating: input, as: UTF8.self) == nil || hasSurrogateEscape(input) || hasNonFinite(value) {
                return
            }
            throw FuzzFailure("JSONParser accepts a text Foundation rejects")
        case (let value?, let object?):
            guard same(value, object) else { throw FuzzFailure("the values differ: ours \(value.jsonString)") }
        }
    }

    /// The text without any `,` that is followed (after whitespace) by `]` or `}` outside strings.
    static func removingTrailingCommas(_ input: [UInt8]) -> [UInt8] {
        var output: [UInt8] = []
        var inString = false
        var index = 0
        while index < input.count {
            let byte = input[index]
            if inString {
                if byte == UInt8(ascii: "\\"), index + 1 < input.count {
                    output += [byte, input[index + 1]]
                    index += 2
                    continue
                }
                if byte == UInt8(ascii: "\"") { inString = false }
            } else if byte == UInt8(ascii: "\"") {
                inString = true
            } else if byte == UInt8(ascii: ",") {
                var next = index + 1
                while next < input.count, [0x20, 0x09, 0x0A, 0x0D].contains(input[next]) { next += 1 }
                if next < input.count, input[next] == UInt8(ascii: "]") || input[next] == UInt8(ascii: "}") {
                    index += 1
                    continue
                }
            }
            output.append(byte)
            index += 1
        }
        return output
    }

    /// A `\uD800`–`\uDFFF` escape (lone or paired; paired ones are rare enough to skip too).
    static func hasSurrogateEscape(_ input: [UInt8]) -> Bool {
        var index = 0
        while index + 2 < input.count {
            if input[index] == UInt8(ascii: "\\"), input[index + 1] == UInt8(ascii: "u"),
                input[index + 2] | 0x20 == UInt8(ascii: "d")
            {
                return true
            }
            index += 1
        }
        return false
    }

    static func hasNonFinite(_ value: JSONValue) -> Bool {
        switch value {
        case .double(let number): return !number.isFinite
        case .array(let elements): return elements.contains(where: hasNonFinite)
        case .object(let object): return object.members.contains { hasNonFinite($0.value) }
        default: return false
        }
    }

    static func same(_ value: JSONValue, _ object: Any) -> Bool {
        switch value {
        case .null: return object is NSNull
        case .bool(let flag):
            guard let number = object as? NSNumber, !(object is NSDecimalNumber) else { return false }
            return number.boolValue == flag
        case .int(let integer): return sameNumber(Double(integer), object)
        case .double(let number): return sameNumber(number, object)
        case .string(let text): return (object as? String) == text
        case .array(let elements):
            guard let others = object as? [Any], others.count == elements.count else { return false }
            return zip(elements, others).allSatisfy { same($0, $1) }
        case .object(let members):
            guard let others = object as? [String: Any], others.count == members.count else { return false }
            return members.members.allSatisfy { member in others[member.key].map { same(member.value, $0) } ?? false }
        }
    }

    static func sameNumber(_ number: Double, _ object: Any) -> Bool {
        guard let other = (object as? NSNumber)?.doubleValue else { return false }
        if number == other { return true }
        return abs(number - other) <= 1e-9 * max(abs(number), abs(other))
    }
}
