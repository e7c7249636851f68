import Testing

@testable import Proxy

/// Tool schemas as Gemini's and Groq's OpenAI endpoints get them.
struct SchemaCleanerTests {
    /// Every key anywhere in a schema, outside `properties` maps (whose keys are property names).
    static func schemaKeywords(_ value: JSONValue) -> Set<String> {
        var keys: Set<String> = []
        func walk(_ value: JSONValue, propertyMap: Bool) {
            switch value {
            case .object(let object):
                for member in object.members {
                    if !propertyMap { keys.insert(member.key) }
                    walk(member.value, propertyMap: !propertyMap && member.key == "properties")
                }
            case .array(let elements): for element in elements { walk(element, propertyMap: false) }
            default: break
            }
        }
        walk(value, propertyMap: false)
        return keys
    }

    /// The parameters of each tool in the built body, by name.
    static func parameters(_ body: JSONObject) -> [(name: String, schema: JSONValue)] {
        (body["tools"]?.arrayValue ?? []).compactMap { tool in
            guard let name = tool["function"]?["name"]?.stringValue, let schema = tool["function"]?["parameters"] else {
                return nil
            }
            return (name, schema)
        }
    }

    static func gemini(_ schema: JSONValue) -> JSONValue { SchemaCleaner.clean(schema, .gemini) }

    @Test func claudeCodeToolsLoseWhatGeminiRefuses() throws {
        let request = try ClaudeCodeRequests.request(ClaudeCodeRequests.mainTurn)
        let body = ClaudeCodeRequests.chatBody(request, preset: .gemini, model: "gemini-2.5-pro")
        let tools = Self.parameters(body)
        #expect(tools.count == 12)
        for tool in tools {
            let keywords = Self.schemaKeywords(tool.schema)
            for refused in ["$schema", "additionalProperties", "default", "exclusiveMinimum", "const", "$ref", "$defs"]
            {
                #expect(!keywords.contains(refused), "\(tool.name) still has \(refused)")
            }
        }
    }

    @Test func propertyOrderIsPreservedAtEveryLevel() throws {
        let original = try ClaudeCodeRequests.request(ClaudeCodeRequests.mainTurn).tools
        let body = ClaudeCodeRequests.chatBody(
            try ClaudeCodeRequests.request(ClaudeCodeRequests.mainTurn),
            preset: .gemini,
            model: "gemini-2.5-pro"
        )
        var compared = 0
        func compare(_ before: JSONValue?, _ after: JSONValue?, path: String) {
            guard case .object(let old)? = before?["properties"], case .object(let new)? = after?["properties"] else {
                return
            }
            #expect(new.keys == old.keys, "\(path)")
            compared += 1
            for key in old.keys { compare(old[key], new[key], path: path + "." + key) }
            compare(before?["items"], after?["items"], path: path + "[]")
        }
        for (tool, cleaned) in zip(original, Self.parameters(body)) {
            compare(tool.inputSchema, cleaned.schema, path: tool.name)
        }
        #expect(compared > 10)
        // Order survives even when it is not alphabetical and the type comes last.
        let schema: JSONValue = [
            "properties": ["zeta": ["type": "string"], "alpha": ["type": "integer"], "mid": ["type": "boolean"]],
            "type": "object",
        ]
        #expect(Self.gemini(schema)["properties"]?.objectValue?.keys == ["zeta", "alpha", "mid"])
    }

    @Test func unsupportedStringFormatsAreRemovedAndSupportedOnesKept() {
        let schema: JSONValue = [
            "type": "object",
            "properties": [
                "url": ["type": "string", "format": "uri"],
                "mail": ["type": "string", "format": "email"],
                "when": ["type": "string", "format": "date-time"],
                "kind": ["type": "string", "format": "enum", "enum": ["a", "b"]],
                "count": ["type": "integer", "format": "int32"],
            ],
        ]
        let properties = Self.gemini(schema)["properties"]
        #expect(properties?["url"] == ["type": "string"])
        #expect(properties?["mail"] == ["type": "string"])
        #expect(properties?["when"] == ["type": "string", "format": "date-time"])
        #expect(properties?["kind"]?["format"] == "enum")
        #expect(properties?["count"] == ["type": "integer", "format": "int32"])
    }

    @Test func aNullableStringLosesAnUnsupportedFormatToo() {
        let schema: JSONValue = ["type": ["string", "null"], "format": "uri", "description": "a link"]
        #expect(Self.gemini(schema) == ["type": "string", "nullable": true, "description": "a link"])
    }

    @Test func typeListsBecomeATypeAndNullable() {
        #expect(Self.gemini(["type": ["string", "null"]]) == ["type": "string", "nullable": true])
        #expect(Self.gemini(["type": ["null", "integer"]]) == ["type": "integer", "nullable": true])
        #expect(Self.gemini(["type": ["number"]]) == ["type": "number"])
        let nested: JSONValue = [
            "type": "object",
            "properties": [
                "tags": ["type": "array", "items": ["type": ["string", "null"], "additionalProperties": false]]
            ],
        ]
        #expect(Self.gemini(nested)["properties"]?["tags"]?["items"] == ["type": "string", "nullable": true])
    }

    @Test func requiredIsPrunedToExistingProperties() {
        let schema: JSONValue = [
            "type": "object",
            "properties": ["path": ["type": "string"], "mode": ["type": "string"]],
            "required": ["path", "ghost", "mode"],
        ]
        #expect(Self.gemini(schema)["required"] == ["path", "mode"])
    }

    @Test func anyOfBranchesAreCleanedToo() {
        let schema: JSONValue = [
            "anyOf": [
                ["type": "string", "format": "uri", "$schema": "x"], ["type": "object", "additionalProperties": true],
            ]
        ]
        #expect(Self.gemini(schema) == ["anyOf": [["type": "string"], ["type": "object"]]])
    }

    @Test func groqLosesOnlyTheSchemaKeyword() throws {
        let request = try ClaudeCodeRequests.request(ClaudeCodeRequests.mainTurn)
        let body = ClaudeCodeRequests.chatBody(request, preset: .groq, model: "openai/gpt-oss-120b")
        for (tool, cleaned) in zip(request.tools, Self.parameters(body)) {
            guard case .object(var expected)? = tool.inputSchema else { continue }
            #expect(cleaned.schema["$schema"] == nil, "\(tool.name)")
            expected["$schema"] = nil
            #expect(cleaned.schema == .object(expected), "\(tool.name): only $schema may change")
        }
    }

    @Test func otherPresetsSendSchemasUnchanged() throws {
        let request = try ClaudeCodeRequests.request(ClaudeCodeRequests.mainTurn)
        for preset in [ProviderPreset.nvidia, .deepseek, .openai] {
            let body = ClaudeCodeRequests.chatBody(request, preset: preset, model: "m")
            #expect(Self.parameters(body).map(\.schema) == request.tools.compactMap(\.inputSchema), "\(preset)")
        }
    }
}
