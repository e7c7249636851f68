import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Testing

@testable import Proxy

/// The HTTP surface, tested in memory (no sockets): paths, methods, auth, limits, errors.
struct ProxyResponderTests {
    static let configText = """
        {"Providers":[{"name":"keyless","api_base_url":"http://127.0.0.1:9/v1","api_key":"$SB_TEST_UNSET_KEY","models":["m"]}],
         "Router":{"default":"keyless,m"}}
        """

    func withApp(
        config text: String = configText,
        environment: [String: String] = [:],
        _ body: @Sendable (any TestClientProtocol) async throws -> Void
    ) async throws {
        let config = try ConfigLoader(environment: environment, homeDirectory: "/x").parse(
            Data(text.utf8),
            source: .builtin
        )
        let client = UpstreamClient(environment: [:])
        let engine = ProxyEngine(
            store: ConfigStore(config),
            client: client,
            logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
        )
        let app = Application(responder: ProxyResponder(engine: engine))
        do {
            try await app.test(.router, body)
        } catch {
            await client.shutdown()
            throw error
        }
        await client.shutdown()
    }

    static func errorOf(_ response: TestResponse) -> (type: String, message: String) {
        let json = (try? JSONParser.parse(response.body.readableBytesView)) ?? .null
        #expect(json["type"] == "error", "not an Anthropic error body")
        return (json["error"]?["type"]?.stringValue ?? "", json["error"]?["message"]?.stringValue ?? "")
    }

    static func body(_ text: String) -> ByteBuffer { ByteBuffer(string: text) }

    @Test func healthAndModels() async throws {
        try await withApp { client in
            try await client.execute(uri: "/health", method: .get) { response in
                #expect(response.status == .ok)
            }
            try await client.execute(uri: "/v1/models?limit=1000", method: .get) { response in
                #expect(response.status == .ok)
                let json = try JSONParser.parse(response.body.readableBytesView)
                #expect(json["data"]?.arrayValue?.compactMap { $0["id"]?.stringValue } == ["keyless,m"])
            }
        }
    }

    @Test func unknownPathIs404AndWrongMethodIs405() async throws {
        try await withApp { client in
            try await client.execute(uri: "/v1/complete", method: .post, body: Self.body("{}")) { response in
                #expect(response.status == .notFound)
                #expect(Self.errorOf(response).type == "not_found_error")
            }
            try await client.execute(uri: "/v1/messages", method: .get) { response in
                #expect(response.status.code == 405)
                #expect(response.headers[.allow] == "POST")
                #expect(Self.errorOf(response).type == "invalid_request_error")
            }
        }
    }

    @Test func malformedAndIncompleteBodiesAre400WithAReason() async throws {
        let cases: [(String, String)] = [
            ("", "empty"),
            ("{not json", "not valid JSON"),
            ("[1]", "must be a JSON object"),
            (#"{"max_tokens":5,"messages":[]}"#, "model: Field required"),
            (#"{"model":"x","messages":[]}"#, "max_tokens: Field required"),
            (#"{"model":"x","max_tokens":5}"#, "messages: Field required"),
            (#"{"model":"x","max_tokens":"lots","messages":[]}"#, "max_tokens: Input should be a valid integer"),
            (#"{"model":"x","max_tokens":5,"messages":[{"role":"robot","content":"hi"}]}"#, "messages.0.role"),
            (
                #"{"model":"x","max_tokens":5,"messages":[{"role":"user","content":[{"type":"text"}]}]}"#,
                "messages.0.content.0.text"
            ),
            (String(repeating: "[", count: 100_000), "nested too deeply"),
        ]
        try await withApp { client in
            for (body, reason) in cases {
                try await client.execute(uri: "/v1/messages?beta=true", method: .post, body: Self.body(body)) {
                    response in
                    #expect(response.status == .badRequest, "\(reason)")
                    let error = Self.errorOf(response)
                    #expect(error.type == "invalid_request_error")
                    #expect(error.message.contains(reason), "\(error.message)")
                }
            }
        }
    }

    @Test func oversizedBodiesAre413() async throws {
        try await withApp { client in
            // (A Content-Length announcing more than 32 MB is refused before reading; the in-memory
            // client rewrites Content-Length, so that case is in the integration tests.)
            let big = ByteBuffer(repeating: UInt8(ascii: " "), count: 32 * 1024 * 1024 + 1)
            try await client.execute(uri: "/v1/messages/count_tokens", method: .post, body: big) { response in
                #expect(response.status == .contentTooLarge)
                #expect(Self.errorOf(response).type == "request_too_large")
            }
        }
    }

    @Test func countTokensGrowsWithTheInput() async throws {
        try await withApp { client in
            var counts: [Int] = []
            for text in ["hi", String(repeating: "The quick brown fox jumps over the lazy dog. ", count: 50)] {
                let body = #"{"model":"claude-sonnet-4-5","messages":[{"role":"user","content":"\#(text)"}]}"#
                try await client.execute(
                    uri: "/v1/messages/count_tokens?beta=true",
                    method: .post,
                    body: Self.body(body)
                ) {
                    response in
                    #expect(response.status == .ok)
                    counts.append(try JSONParser.parse(response.body.readableBytesView)["input_tokens"]?.intValue ?? -1)
                }
            }
            #expect(counts[0] > 0)
            #expect(counts[1] > 400)
        }
    }

    @Test func missingProviderKeyIsAnAuthenticationErrorNamingTheVariable() async throws {
        try await withApp { client in
            let body = #"{"model":"claude-sonnet-4-5","max_tokens":10,"messages":[{"role":"user","content":"hi"}]}"#
            try await client.execute(uri: "/v1/messages", method: .post, body: Self.body(body)) { response in
                #expect(response.status.code == 424, "not 401: Claude Code answers that with \"Please run /login\"")
                let error = Self.errorOf(response)
                #expect(error.type == "authentication_error")
                #expect(error.message.contains("SB_TEST_UNSET_KEY"))
                // No retry can fix a missing key: Claude Code must show it at once.
                #expect(response.headers[.init("x-should-retry")!] == "false")
            }
        }
    }

    @Test func explicitUnknownProviderIs400() async throws {
        try await withApp { client in
            let body = #"{"model":"ghost,m","max_tokens":10,"messages":[{"role":"user","content":"hi"}]}"#
            try await client.execute(uri: "/v1/messages", method: .post, body: Self.body(body)) { response in
                #expect(response.status == .badRequest)
                #expect(Self.errorOf(response).message.contains("ghost"))
            }
        }
    }

    @Test func apiKeyIsRequiredWhenConfigured() async throws {
        let config = """
            {"APIKEY":"$SB_CLIENT","Providers":[{"name":"p","api_base_url":"http://127.0.0.1:9/v1","models":["m"]}],
             "Router":{"default":"p,m"}}
            """
        try await withApp(config: config, environment: ["SB_CLIENT": "letmein-123"]) { client in
            let body = Self.body(#"{"model":"x","messages":[{"role":"user","content":"hi"}]}"#)
            try await client.execute(uri: "/v1/messages/count_tokens", method: .post, body: body) { response in
                #expect(response.status.code == 407)
                #expect(Self.errorOf(response).type == "authentication_error")
            }
            var wrong = HTTPFields()
            wrong[.init("x-api-key")!] = "letmein-124"
            try await client.execute(uri: "/v1/messages/count_tokens", method: .post, headers: wrong, body: body) {
                response in
                #expect(response.status.code == 407)
            }
            var apiKey = HTTPFields()
            apiKey[.init("x-api-key")!] = "letmein-123"
            try await client.execute(uri: "/v1/messages/count_tokens", method: .post, headers: apiKey, body: body) {
                response in
                #expect(response.status == .ok)
            }
            var bearer = HTTPFields()
            bearer[.authorization] = "Bearer letmein-123"
            try await client.execute(uri: "/v1/messages/count_tokens", method: .post, headers: bearer, body: body) {
                response in
                #expect(response.status == .ok)
            }
            try await client.execute(uri: "/health", method: .get) { response in
                #expect(response.status == .ok, "health needs no key")
            }
            try await client.execute(uri: "/v1/models", method: .get) { response in
                #expect(response.status.code == 407)
            }
        }
    }

    @Test func withoutAPIKeyAnyClientKeyIsAccepted() async throws {
        try await withApp { client in
            var headers = HTTPFields()
            headers[.init("x-api-key")!] = "whatever-the-vscode-extension-sends"
            let body = Self.body(#"{"model":"x","messages":[{"role":"user","content":"hi"}]}"#)
            try await client.execute(uri: "/v1/messages/count_tokens", method: .post, headers: headers, body: body) {
                response in
                #expect(response.status == .ok)
            }
        }
    }
}
