import Foundation
import Testing

@testable import Proxy

/// Client authentication (`APIKEY`) and missing provider keys.
@Suite(.stack)
struct AuthTests {
    static let apiKey = "switchboard-client-key-7d1e"

    static func headers(_ auth: [(String, String)]) -> [(String, String)] {
        [("content-type", "application/json"), ("anthropic-version", "2023-06-01")] + auth
    }

    @Test func apiKeyIsRequiredWhenConfigured() async throws {
        let stack = try Stack.current()
        let model = TestModel.unique("apikey")
        try await stack.upstream.script(model, [["text_stream": ["text": "authorised"]]], repeatLast: true)
        let proxy = try await stack.proxy(extra: ["APIKEY": .string(Self.apiKey)])
        try await withProxy(proxy) { proxy in
            let body = MessagesBody.make(model: "up,\(model)", stream: false)
            let missing = try await proxy.client.post(body: body, headers: Self.headers([]))
            #expect(missing.status == 407)
            #expect(missing.errorType == "authentication_error")
            #expect(missing.json?["type"] == "error")

            let wrong = try await proxy.client.post(body: body, headers: Self.headers([("x-api-key", "not-the-key")]))
            #expect(wrong.status == 407)
            #expect(wrong.errorMessage?.contains("the API key header (ANTHROPIC_API_KEY)") == true, "\(wrong.text)")
            // Claude Code hides any message that mentions this header behind "Invalid API key".
            #expect(wrong.errorMessage?.lowercased().contains("x-api-key") == false)
            #expect(wrong.errorType == "authentication_error")

            let wrongBearer = try await proxy.client.post(
                body: body,
                headers: Self.headers([("authorization", "Bearer not-the-key")])
            )
            #expect(wrongBearer.status == 407)
            #expect(
                wrongBearer.errorMessage?.contains("Authorization: Bearer (ANTHROPIC_AUTH_TOKEN)") == true,
                "\(wrongBearer.text)"
            )

            let viaHeader = try await proxy.client.post(body: body, headers: Self.headers([("x-api-key", Self.apiKey)]))
            #expect(viaHeader.status == 200, "\(viaHeader.text)")
            #expect(viaHeader.json?["content"] == [["type": "text", "text": "authorised"]])

            let viaBearer = try await proxy.client.post(
                body: body,
                headers: Self.headers([("authorization", "Bearer \(Self.apiKey)")])
            )
            #expect(viaBearer.status == 200, "\(viaBearer.text)")

            // Rejected requests never reached the upstream.
            #expect(try await stack.upstream.requests(model).count == 2)
            // The client key is not forwarded either.
            for request in try await stack.upstream.requests(model) {
                #expect(!request.recordText.contains(Self.apiKey))
            }
            // Other endpoints are protected too.
            let models = try await proxy.client.get("/v1/models", headers: Self.headers([]))
            #expect(models.status == 407)
            let count = try await proxy.client.post(
                "/v1/messages/count_tokens",
                body: ["model": "m", "messages": [["role": "user", "content": "hi"]]],
                headers: Self.headers([])
            )
            #expect(count.status == 407)
        }
    }

    @Test func anyKeyWorksWithoutAPIKEY() async throws {
        let stack = try Stack.current()
        let model = TestModel.unique("anykey")
        try await stack.upstream.script(model, [["text_stream": ["text": "welcome"]]], repeatLast: true)
        let body = MessagesBody.make(model: "up,\(model)", stream: false)
        for auth in [[], [("x-api-key", "whatever")], [("authorization", "Bearer anything-at-all")]] {
            let result = try await stack.client.post(body: body, headers: Self.headers(auth))
            #expect(result.status == 200, "\(auth): \(result.text)")
        }
    }

    @Test func unsetProviderKeyVariableIsNamedInA424() async throws {
        let stack = try Stack.current()
        let model = TestModel.unique("nokey")
        try await stack.upstream.script(model, [["text_stream": ["text": "should not be reached"]]])
        let proxy = try await stack.proxy(
            providers: [
                [
                    "name": "keyless", "api_base_url": .string(stack.upstream.apiBaseURL),
                    "api_key": "$SOME_UNSET_VAR", "models": [.string(model)],
                ]
            ],
            router: ["default": .string("keyless,\(model)")],
            environment: ["SOME_UNSET_VAR": nil]
        )
        try await withProxy(proxy) { proxy in
            for stream in [true, false] {
                let result = try await proxy.client.post(
                    body: MessagesBody.make(model: "claude-sonnet-4-5", stream: stream)
                )
                #expect(result.status == 424, "\(result.text)")
                #expect(result.errorType == "authentication_error")
                #expect(result.errorMessage?.contains("SOME_UNSET_VAR") == true, "\(result.text)")
            }
            #expect(try await stack.upstream.requests(model).isEmpty)
        }
    }

    @Test func builtInDefaultConfigAsksForNVIDIA_API_KEY() async throws {
        let home = try TemporaryDirectory("home")
        let proxy = try await SwitchboardProcess.start(
            arguments: ["serve", "--port", "0"],
            environment: [
                "HOME": home.url.path, "NVIDIA_API_KEY": nil, "SWITCHBOARD_CONFIG": nil, "XDG_CONFIG_HOME": nil,
            ],
            directory: home
        )
        try await withProxy(proxy) { proxy in
            let result = try await proxy.client.post(body: MessagesBody.make(model: "claude-sonnet-4-5", stream: true))
            #expect(result.status == 424, "\(result.text)")
            #expect(result.errorType == "authentication_error")
            #expect(result.errorMessage?.contains("NVIDIA_API_KEY") == true, "\(result.text)")
            #expect(proxy.stderr.contains("built-in"), "\(proxy.stderr)")
        }
    }
}
