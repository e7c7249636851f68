import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

@testable import Proxy

/// An Anthropic Messages API client for the proxy under test.
struct AnthropicClient: Sendable {
    let baseURL: String

    /// The client key tests send; it must never reach the upstream or the logs.
    static let clientKey = "client-secret-5be0c2d9"

    /// Headers an Anthropic SDK sends (with the client's own key).
    static let defaultHeaders: [(String, String)] = [
        ("content-type", "application/json"), ("anthropic-version", "2023-06-01"), ("x-api-key", clientKey),
    ]

    /// Sends `body` and collects the whole answer.
    func post(
        _ path: String = "/v1/messages",
        body: JSONValue,
        headers: [(String, String)] = defaultHeaders,
        timeout: Duration = .seconds(30)
    ) async throws -> HTTPResult {
        try await TestHTTP.send(.POST, baseURL + path, headers: headers, body: body.jsonBytes, timeout: timeout)
    }

    /// Sends raw bytes.
    func post(
        _ path: String = "/v1/messages",
        bytes: [UInt8],
        headers: [(String, String)] = defaultHeaders,
        timeout: Duration = .seconds(30)
    ) async throws -> HTTPResult {
        try await TestHTTP.send(.POST, baseURL + path, headers: headers, body: bytes, timeout: timeout)
    }

    func get(_ path: String, headers: [(String, String)] = defaultHeaders) async throws -> HTTPResult {
        try await TestHTTP.send(.GET, baseURL + path, headers: headers)
    }

    /// Sends a streaming request and reads the SSE answer frame by frame as it arrives.
    func stream(
        _ path: String = "/v1/messages",
        body: JSONValue,
        headers: [(String, String)] = defaultHeaders,
        timeout: Duration = .seconds(30)
    ) async throws -> StreamResult {
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = .POST
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        request.body = .bytes(ByteBuffer(bytes: body.jsonBytes))
        let start = ContinuousClock.now
        let response = try await HTTPClient.shared.execute(request, timeout: .init(timeout))
        let status = Int(response.status.code)
        let isEventStream = response.headers.first(name: "content-type")?.contains("text/event-stream") ?? false
        var raw: [UInt8] = []
        var splitter = SSEFrameSplitter()
        var frames: [SSEFrame] = []
        for try await buffer in response.body {
            raw.append(contentsOf: buffer.readableBytesView)
            if isEventStream {
                let elapsed = ContinuousClock.now - start
                frames += splitter.feed(buffer.readableBytesView).map {
                    SSEFrame(event: $0.event, data: $0.data, at: elapsed)
                }
            }
        }
        if isEventStream {
            frames += splitter.finish().map {
                SSEFrame(event: $0.event, data: $0.data, at: ContinuousClock.now - start)
            }
        }
        return StreamResult(
            status: status,
            headers: response.headers,
            raw: raw,
            frames: frames,
            isEventStream: isEventStream,
            duration: ContinuousClock.now - start
        )
    }
}

/// What a streaming request got back.
struct StreamResult: Sendable {
    let status: Int
    let headers: HTTPHeaders
    let raw: [UInt8]
    let frames: [SSEFrame]
    let isEventStream: Bool
    let duration: Duration

    var text: String { String(decoding: raw, as: UTF8.self) }
    func header(_ name: String) -> String? { headers.first(name: name) }
    var json: JSONValue? { try? JSONParser.parse(raw) }
    var errorType: String? { json?["error"]?["type"]?.stringValue }
    var errorMessage: String? { json?["error"]?["message"]?.stringValue }

    /// The frames checked against Anthropic's event grammar.
    var transcript: Transcript { Transcript(frames: frames, raw: raw) }
}

/// Request bodies.
enum MessagesBody {
    /// A minimal Messages request; `extra` members are added (or replace) at the top level.
    static func make(
        model: String,
        stream: Bool,
        text: String = "Say hello.",
        maxTokens: Int = 256,
        extra: JSONObject = [:]
    )
        -> JSONValue
    {
        var body: JSONObject = [
            "model": .string(model), "max_tokens": .int(maxTokens), "stream": .bool(stream),
            "messages": [["role": "user", "content": .string(text)]],
        ]
        for member in extra.members { body[member.key] = member.value }
        return .object(body)
    }
}
