/// Trims JSON Schema to what a provider accepts.
///
/// Gemini's OpenAI endpoint takes an OpenAPI subset: `$schema`, `additionalProperties`,
/// `$ref`/`$defs`, `const`, `default` and most string `format`s are refused, and a `type` list
/// (`["string","null"]`) must become a type plus `nullable`. Claude Code's schemas carry
/// several of these.
enum SchemaCleaner {
    static let geminiKeys: Set<String> = [
        "type", "format", "description", "nullable", "enum", "items", "properties", "required", "minItems", "maxItems",
        "minimum", "maximum", "anyOf", "minLength", "maxLength", "pattern", "title", "propertyOrdering",
    ]
    static let geminiStringFormats: Set<String> = ["enum", "date-time"]

    static func clean(_ schema: JSONValue, _ mode: ChatRequestBuilder.SchemaCleaning) -> JSONValue {
        switch mode {
        case .none: return schema
        case .stripSchemaKeyword:
            guard case .object(var object) = schema else { return schema }
            object["$schema"] = nil
            return .object(object)
        case .gemini: return gemini(schema)
        }
    }

    private static func gemini(_ schema: JSONValue) -> JSONValue {
        guard case .object(let object) = schema else { return schema }
        var cleaned = JSONObject()
        for member in object.members where geminiKeys.contains(member.key) {
            switch member.key {
            case "properties":
                guard case .object(let properties) = member.value else { continue }
                cleaned["properties"] = .object(JSONObject(properties.members.map { ($0.key, gemini($0.value)) }))
            case "items":
                cleaned["items"] = gemini(member.value)
            case "anyOf":
                cleaned["anyOf"] = .array((member.value.arrayValue ?? []).map(gemini))
            case "type":
                if case .array(let types) = member.value {
                    let names = types.compactMap(\.stringValue)
                    let nonNull = names.filter { $0 != "null" }
                    cleaned["type"] = .string(nonNull.first ?? "string")
                    if names.contains("null") { cleaned["nullable"] = true }
                } else {
                    cleaned["type"] = member.value
                }
            case "format":
                // The type may be a list (`["string", "null"]`), which becomes a string below.
                let type = object["type"]
                let types = type?.arrayValue?.compactMap(\.stringValue) ?? [type?.stringValue ?? ""]
                if types.contains("string"), let format = member.value.stringValue,
                    !geminiStringFormats.contains(format)
                {
                    continue
                }
                cleaned["format"] = member.value
            default:
                cleaned[member.key] = member.value
            }
        }
        if let required = cleaned["required"]?.arrayValue, case .object(let properties)? = cleaned["properties"] {
            // Gemini refuses `required` names that are not properties.
            cleaned["required"] = .array(required.filter { $0.stringValue.map { properties[$0] != nil } ?? false })
        }
        return .object(cleaned)
    }
}
