import Foundation
import Testing

@testable import Proxy

/// The HTTP surface: body limits and validation, methods and paths, models, health, count_tokens.
@Suite(.stack)
struct HTTPSurfaceTests {
    static let limit = 32 * 1024 * 1024

    /// A syntactically valid request of about `size` bytes (one long user message).
    static func largeBody(size: Int, model: String) -> [UInt8] {
        let head = Array(#"{"model":"\#(model)","max_tokens":16,"messages":[{"role":"user","content":""#.utf8)
        let tail = Array(#""}]}"#.utf8)
        return head + [UInt8](repeating: UInt8(ascii: "a"), count: size - head.count - tail.count) + tail
    }

    /// 33 MB really sent, chunked (no Content-Length to judge by), while reading the answer.
    /// (AsyncHTTPClient cannot be used here: it drops a response that arrives before it has
    /// finished uploading, and reports the upload's failure instead.)
    @Test func bodyOver32MBIsRejectedWith413() async throws {
        let stack = try Stack.current()
        let model = TestModel.unique("huge")
        let body = Self.largeBody(size: 33 * 1024 * 1024, model: "up,\(model)")
        let port = try #require(Int(stack.proxy.url.split(separator: ":").last ?? ""))
        let connection = try await RawConnection.connect(port: port)
        async let answer = connection.read(timeout: .seconds(20)) { RawHTTPResponse($0)?.isComplete == true }
        try await connection.send(
            "POST /v1/messages HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                + "Transfer-Encoding: chunked\r\n\r\n"
        )
        var sendError: (any Error)?
        do {
            for start in stride(from: 0, to: body.count, by: 1 << 20) {
                let piece = body[start..<min(start + (1 << 20), body.count)]
                try await connection.send(Array(String(piece.count, radix: 16).utf8) + [13, 10] + piece + [13, 10])
            }
            try await connection.send("0\r\n\r\n")
        } catch {
            sendError = error  // the proxy may stop reading once it has answered
        }
        let received = try await answer
        let response = try #require(
            RawHTTPResponse(received),
            "no HTTP answer (send error: \(String(describing: sendError)))"
        )
        #expect(response.status == 413)
        #expect(response.json?["type"] == "error")
        #expect(response.json?["error"]?["type"] == "request_too_large")
        #expect(try await stack.upstream.requests(model).isEmpty)
    }

    @Test func contentLengthOver32MBIsRejectedWithoutReadingTheBody() async throws {
        let stack = try Stack.current()
        let port = try #require(Int(stack.proxy.url.split(separator: ":").last ?? ""))
        let connection = try await RawConnection.connect(port: port)
        try await connection.send(
            "POST /v1/messages HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                + "Content-Length: \(Self.limit + 1)\r\n\r\n{\"model\":"
        )
        let start = ContinuousClock.now
        let received = try await connection.read(timeout: .seconds(5)) { bytes in
            RawHTTPResponse(bytes)?.isComplete == true
        }
        let response = try #require(RawHTTPResponse(received), "\(String(decoding: received, as: UTF8.self))")
        #expect(response.status == 413)
        #expect(response.json?["error"]?["type"] == "request_too_large")
        #expect(ContinuousClock.now - start < .seconds(4), "the proxy waited for a body it should refuse")
    }

    @Test func bodyJustUnderTheLimitIsAccepted() async throws {
        let stack = try Stack.current()
        let model = TestModel.unique("big-ok")
        try await stack.upstream.script(model, [["text_stream": ["text": "read it all"]]])
        let body = Self.largeBody(size: 2 * 1024 * 1024, model: "up,\(model)")
        let result = try await stack.client.post(bytes: body)
        #expect(result.status == 200, "\(result.text.prefix(300))")
    }

    @Test func malformedJSONIsA400SayingWhatIsWrong() async throws {
        let stack = try Stack.current()
        let result = try await stack.client.post(bytes: Array(#"{"model": "x", "messages": [ "#.utf8))
        #expect(result.status == 400)
        #expect(result.errorType == "invalid_request_error")
        let message = try #require(result.errorMessage)
        #expect(message.contains("JSON"), "\(message)")
        let notAnObject = try await stack.client.post(bytes: Array("[1,2,3]".utf8))
        #expect(notAnObject.status == 400)
        #expect(notAnObject.errorType == "invalid_request_error")
        let empty = try await stack.client.post(bytes: [])
        #expect(empty.status == 400)
        #expect(empty.errorType == "invalid_request_error")
    }

    @Test(arguments: ["messages", "max_tokens", "model"])
    func missingRequiredFieldIsA400NamingIt(_ field: String) async throws {
        let stack = try Stack.current()
        var body = try #require(MessagesBody.make(model: "up,never-called", stream: true).objectValue)
        body[field] = nil
        let result = try await stack.client.post(body: .object(body))
        #expect(result.status == 400, "\(result.text)")
        #expect(result.errorType == "invalid_request_error")
        #expect(result.errorMessage?.contains(field) == true, "\(result.text)")
    }

    @Test func wrongMethodIs405() async throws {
        let stack = try Stack.current()
        let get = try await stack.client.get("/v1/messages")
        #expect(get.status == 405)
        #expect(get.json?["type"] == "error")
        #expect(get.header("allow") == "POST")
        let post = try await stack.client.post("/v1/models", body: [:])
        #expect(post.status == 405)
        #expect(post.header("allow") == "GET")
    }

    @Test func unknownPathIs404() async throws {
        let stack = try Stack.current()
        let result = try await stack.client.post("/v1/complete", body: ["prompt": "hi"])
        #expect(result.status == 404)
        #expect(result.errorType == "not_found_error")
        #expect(result.json?["type"] == "error")
    }

    @Test func modelsListsConfiguredModels() async throws {
        let stack = try Stack.current()
        let result = try await stack.client.get("/v1/models?limit=100")
        #expect(result.status == 200)
        let ids = try #require(result.json?["data"]?.arrayValue).compactMap { $0["id"]?.stringValue }
        #expect(ids == ["up,default-model", "up,fallback-model"])
    }

    @Test func healthIsOK() async throws {
        let stack = try Stack.current()
        let result = try await stack.client.get("/health")
        #expect(result.status == 200)
        #expect(result.json?["status"] == "ok")
    }

    @Test func countTokensGrowsWithTheInput() async throws {
        let stack = try Stack.current()
        func count(_ text: String, tools: Bool = false) async throws -> Int {
            var body: JSONObject = [
                "model": "claude-sonnet-4-5", "messages": [["role": "user", "content": .string(text)]],
            ]
            if tools { body["tools"] = AnswerTests.tools }
            let result = try await stack.client.post("/v1/messages/count_tokens", body: .object(body))
            #expect(result.status == 200, "\(result.text)")
            return try #require(result.json?["input_tokens"]?.intValue, "\(result.text)")
        }
        let small = try await count("hello world")
        let large = try await count(String(repeating: "The quick brown fox jumps over the lazy dog. ", count: 200))
        let withTools = try await count("hello world", tools: true)
        #expect(small > 0)
        #expect(large > small * 50, "small=\(small) large=\(large)")
        #expect(withTools > small, "tool schemas count: \(withTools) vs \(small)")
    }

    /// The provider reports 1.5× Switchboard's estimate three times (the minimum): count_tokens for that model then
    /// answers in its tokens, while another model's count stays the cl100k estimate.
    @Test func countTokensLearnsTheRoutedModelsRatioFromReportedUsage() async throws {
        let stack = try Stack.current()
        let model = TestModel.unique("calibrated")
        let text = String(repeating: "Route each request to the model that fits it, and count its tokens. ", count: 30)
        func count(_ model: String) async throws -> Int {
            let body: JSONObject = ["model": .string(model), "messages": [["role": "user", "content": .string(text)]]]
            let result = try await stack.client.post("/v1/messages/count_tokens", body: .object(body))
            #expect(result.status == 200, "\(result.text)")
            return try #require(result.json?["input_tokens"]?.intValue, "\(result.text)")
        }
        let estimate = try await count("up,\(model)")
        #expect(estimate > 300)
        let reported = estimate * 3 / 2
        let usage: JSONValue = [
            "prompt_tokens": .int(reported), "completion_tokens": 2, "total_tokens": .int(reported + 2),
        ]
        try await stack.upstream.script(
            model,
            [["text_stream": ["text": "ok", "pieces": 1, "usage": usage]]],
            repeatLast: true
        )
        for round in 0..<3 {
            let result = try await stack.client.post(
                "/v1/messages",
                body: MessagesBody.make(model: "up,\(model)", stream: round == 1, text: text)
            )
            #expect(result.status == 200, "\(result.text)")
            if round < 2 { #expect(try await count("up,\(model)") == estimate, "not before three samples") }
        }
        #expect(try await count("up,\(model)") == reported)
        #expect(try await count("up,\(TestModel.unique("other"))") == estimate)
    }

    @Test func countTokensValidatesItsBody() async throws {
        let stack = try Stack.current()
        let result = try await stack.client.post("/v1/messages/count_tokens", body: ["model": "claude-sonnet-4-5"])
        #expect(result.status == 400)
        #expect(result.errorType == "invalid_request_error")
        #expect(result.errorMessage?.contains("messages") == true, "\(result.text)")
    }
}

/// A response read off a raw socket (Content-Length bodies only).
struct RawHTTPResponse {
    let status: Int
    let headers: [String: String]
    let body: [UInt8]
    let isComplete: Bool

    init?(_ bytes: [UInt8]) {
        let text = String(decoding: bytes, as: UTF8.self)
        guard let end = text.range(of: "\r\n\r\n") else { return nil }
        let lines = text[..<end.lowerBound].split(separator: "\r\n")
        guard let statusLine = lines.first, statusLine.hasPrefix("HTTP/1.1 "),
            let status = Int(statusLine.dropFirst(9).prefix(3))
        else { return nil }
        self.status = status
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingWhitespace()
        }
        self.headers = headers
        let body = Array(bytes[text[..<end.upperBound].utf8.count...])
        self.body = body
        isComplete = headers["content-length"].flatMap(Int.init).map { body.count >= $0 } ?? false
    }

    var json: JSONValue? { try? JSONParser.parse(body) }
}
