#if !SWITCHBOARD_FUZZ
    @testable import Proxy
#endif

/// `json`: ``JSONParser`` on any bytes. It returns or throws (no crash, no overflow, bounded
/// depth); an error's offset lies inside the input; whatever it accepts, ``JSONWriter`` writes
/// back as text that parses to the same value.
enum JSONParserFuzz {
    static func check(_ input: [UInt8]) throws(FuzzFailure) {
        let value: JSONValue
        do {
            value = try JSONParser.parse(input)
        } catch {
            guard (0...input.count).contains(error.offset) else {
                throw FuzzFailure("error offset \(error.offset) outside the input (\(input.count) bytes)")
            }
            return
        }
        let text = value.jsonString
        let again: JSONValue
        do {
            again = try JSONParser.parse(text)
        } catch {
            throw FuzzFailure("the writer's output does not parse (\(error)): \(text)")
        }
        guard again.sameJSON(as: value) else {
            throw FuzzFailure("the value changed through the writer: \(text)")
        }
    }
}
