import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Proxy

/// A complete HTTP answer.
public struct HTTPResult: Sendable {
    public let status: Int
    public let headers: HTTPHeaders
    public let body: [UInt8]

    public init(status: Int, headers: HTTPHeaders, body: [UInt8]) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    public var text: String { String(decoding: body, as: UTF8.self) }
    public var json: JSONValue? { try? JSONParser.parse(body) }
    /// The first value of a response header.
    public func header(_ name: String) -> String? { headers.first(name: name) }

    /// `error.type` of an Anthropic error body.
    public var errorType: String? { json?["error"]?["type"]?.stringValue }
    /// `error.message` of an Anthropic error body.
    public var errorMessage: String? { json?["error"]?["message"]?.stringValue }
}

/// Plain HTTP calls with AsyncHTTPClient (the process-wide shared client).
public enum TestHTTP {
    public static func send(
        _ method: HTTPMethod,
        _ url: String,
        headers: [(String, String)] = [],
        body: [UInt8]? = nil,
        timeout: Duration = .seconds(30)
    ) async throws -> HTTPResult {
        var request = HTTPClientRequest(url: url)
        request.method = method
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body {
            if !request.headers.contains(name: "content-type") {
                request.headers.add(name: "content-type", value: "application/json")
            }
            request.body = .bytes(ByteBuffer(bytes: body))
        }
        let response = try await HTTPClient.shared.execute(request, timeout: .init(timeout))
        let collected = try await response.body.collect(upTo: 64 * 1024 * 1024)
        return HTTPResult(
            status: Int(response.status.code),
            headers: response.headers,
            body: Array(collected.readableBytesView)
        )
    }

    /// The same, blocking the calling thread (for synchronous test code; never on an event loop).
    public static func sendBlocking(
        _ method: HTTPMethod,
        _ url: String,
        headers: [(String, String)] = [],
        body: [UInt8]? = nil,
        timeout: Duration = .seconds(30)
    ) throws -> HTTPResult {
        var request = try HTTPClient.Request(url: url, method: method)
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body {
            if !request.headers.contains(name: "content-type") {
                request.headers.add(name: "content-type", value: "application/json")
            }
            request.body = .bytes(body)
        }
        let response = try HTTPClient.shared.execute(request: request, deadline: .now() + TimeAmount(timeout)).wait()
        return HTTPResult(
            status: Int(response.status.code),
            headers: response.headers,
            body: response.body.map { Array($0.readableBytesView) } ?? []
        )
    }
}

/// Foundation's JSON objects (`[String: Any]`, arrays, numbers, strings) as ``JSONValue``s.
public enum TestJSON {
    public static func value(_ object: Any) throws -> JSONValue {
        try JSONParser.parse(Array(try JSONSerialization.data(withJSONObject: object, options: [.fragmentsAllowed])))
    }
}
