/// A JSON document as a value tree.
///
/// Objects keep their keys in document order: tool schemas and tool inputs are forwarded to
/// models, and the order of properties in them is part of the prompt a model sees.
public enum JSONValue: Sendable, Equatable {
    /// JSON `null`.
    case null
    /// `true` or `false`.
    case bool(Bool)
    /// A number written without fraction or exponent that fits in an `Int`.
    case int(Int)
    /// Any other number (a fraction, an exponent, an integer too large for `Int`).
    case double(Double)
    /// A string, unescaped.
    case string(String)
    /// An array, in order.
    case array([JSONValue])
    /// An object, keys in document order.
    case object(JSONObject)

    /// The value for `key` when this is an object, else `nil`.
    public subscript(key: String) -> JSONValue? {
        if case .object(let object) = self { return object[key] }
        return nil
    }

    /// The string when this is a string, else `nil`.
    public var stringValue: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    /// The integer when this is a number with an integral value, else `nil`.
    public var intValue: Int? {
        switch self {
        case .int(let value): return value
        case .double(let value) where value.rounded() == value && abs(value) < 9.0e15: return Int(value)
        default: return nil
        }
    }

    /// The number as a `Double` when this is a number, else `nil`.
    public var doubleValue: Double? {
        switch self {
        case .int(let value): return Double(value)
        case .double(let value): return value
        default: return nil
        }
    }

    /// The Boolean when this is `true` or `false`, else `nil`.
    public var boolValue: Bool? {
        if case .bool(let value) = self { return value }
        return nil
    }

    /// The elements when this is an array, else `nil`.
    public var arrayValue: [JSONValue]? {
        if case .array(let value) = self { return value }
        return nil
    }

    /// The object when this is an object, else `nil`.
    public var objectValue: JSONObject? {
        if case .object(let value) = self { return value }
        return nil
    }

    /// `true` for `null`.
    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }

    /// The JSON type name, for error messages ("string", "object", …).
    public var typeName: String {
        switch self {
        case .null: return "null"
        case .bool: return "boolean"
        case .int, .double: return "number"
        case .string: return "string"
        case .array: return "array"
        case .object: return "object"
        }
    }
}

/// A JSON object whose keys keep their insertion order. Lookups are linear, which is faster
/// than hashing for the small objects of this protocol.
public struct JSONObject: Sendable, Equatable, ExpressibleByDictionaryLiteral {
    /// The members in document order.
    public private(set) var members: [(key: String, value: JSONValue)]

    /// An empty object.
    public init() { members = [] }

    /// An object with the given members, in that order.
    public init(_ members: [(key: String, value: JSONValue)]) {
        self.members = []
        self.members.reserveCapacity(members.count)
        for (key, value) in members { self[key] = value }
    }

    /// An object from a dictionary literal, members in the order written.
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self.init(elements.map { (key: $0.0, value: $0.1) })
    }

    /// The keys in order.
    public var keys: [String] { members.map(\.key) }

    /// The number of members.
    public var count: Int { members.count }

    /// `true` when the object has no members.
    public var isEmpty: Bool { members.isEmpty }

    /// Gets a member, or sets it (replacing in place, appending when new, removing on `nil`).
    public subscript(key: String) -> JSONValue? {
        get {
            for member in members where member.key == key { return member.value }
            return nil
        }
        set {
            if let index = members.firstIndex(where: { $0.key == key }) {
                if let newValue { members[index].value = newValue } else { members.remove(at: index) }
            } else if let newValue {
                members.append((key: key, value: newValue))
            }
        }
    }

    /// Replaces the value of the member at `position` (for parsers that found the key).
    mutating func replaceValue(at position: Int, with value: JSONValue) {
        members[position].value = value
    }

    /// Appends a member without checking for a duplicate key (for parsers and builders that
    /// know the key is new).
    mutating func appendUnchecked(_ key: String, _ value: JSONValue) {
        members.append((key: key, value: value))
    }

    /// Equal when both have the same keys with equal values, in any order.
    public static func == (lhs: JSONObject, rhs: JSONObject) -> Bool {
        guard lhs.members.count == rhs.members.count else { return false }
        // Same order (nearly always): one pass; else by key, through an index past a few keys.
        if zip(lhs.members, rhs.members).allSatisfy({ $0.key == $1.key && $0.value == $1.value }) { return true }
        guard lhs.members.count > 16 else {
            for member in lhs.members where rhs[member.key] != member.value { return false }
            return true
        }
        let index = Dictionary(rhs.members.map { ($0.key, $0.value) }, uniquingKeysWith: { $1 })
        for member in lhs.members where index[member.key] != member.value { return false }
        return true
    }
}

extension JSONValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral,
    ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral, ExpressibleByNilLiteral, ExpressibleByFloatLiteral
{
    /// A string literal stands for `.string`.
    public init(stringLiteral value: String) { self = .string(value) }
    /// An integer literal stands for `.int`.
    public init(integerLiteral value: Int) { self = .int(value) }
    /// A floating-point literal stands for `.double`.
    public init(floatLiteral value: Double) { self = .double(value) }
    /// `true` and `false` stand for `.bool`.
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    /// An array literal stands for `.array`.
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    /// `nil` stands for `.null`.
    public init(nilLiteral: ()) { self = .null }
    /// A dictionary literal stands for `.object`, members in the order written.
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self = .object(JSONObject(elements.map { (key: $0.0, value: $0.1) }))
    }
}
