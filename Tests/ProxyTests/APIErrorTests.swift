import HTTPTypes
import Hummingbird
import Testing

@testable import Proxy

struct APIErrorTests {
    @Test(arguments: [
        (400, APIError.Kind.invalidRequest), (401, .authentication), (402, .billing), (403, .permission),
        (404, .notFound), (408, .timeout), (409, .invalidRequest), (413, .requestTooLarge), (422, .invalidRequest),
        (429, .rateLimit), (500, .api), (502, .api), (503, .overloaded), (504, .timeout), (529, .overloaded),
    ])
    func upstreamStatusMapsToAnthropicType(status: Int, kind: APIError.Kind) {
        let error = APIError.forUpstreamStatus(status, message: "m", retryAfter: 3)
        #expect(error.kind == kind)
        // A provider's 401, 403 and 404 are the configuration's problem, not the client's:
        // 424, so Claude Code neither asks for its own /login nor blames the model it asked for.
        #expect(error.status == ([401, 403, 404].contains(status) ? 424 : kind.status))
        #expect(error.message == "m")
    }

    @Test(arguments: [429, 503, 529])
    func retryAfterIsKeptForRetryableStatuses(status: Int) {
        #expect(APIError.forUpstreamStatus(status, message: "m", retryAfter: 7).retryAfter == 7)
    }

    @Test(arguments: [
        (APIError.Kind.invalidRequest, 400), (.authentication, 401), (.billing, 402), (.permission, 403),
        (.notFound, 404), (.requestTooLarge, 413), (.rateLimit, 429), (.api, 500), (.timeout, 504), (.overloaded, 529),
    ])
    func kindStatuses(kind: APIError.Kind, status: Int) {
        #expect(kind.status == status)
        #expect(APIError(kind, "x").status == status)
    }

    @Test func jsonBodyIsTheAnthropicErrorShape() throws {
        let error = APIError(.rateLimit, "slow down: \"now\"\n")
        let body = try JSONParser.parse(error.jsonBody)
        #expect(body == ["type": "error", "error": ["type": "rate_limit_error", "message": "slow down: \"now\"\n"]])
        #expect(body.objectValue?.keys == ["type", "error"])
    }

    @Test func explicitStatusOverridesTheKindsStatus() {
        #expect(APIError(.api, "x", status: 502).status == 502)
        #expect(APIError(.api, "x", status: 502).description == "502 api_error: x")
    }
}

/// `x-should-retry`: Claude Code retries an error about ten times unless told not to.
struct ShouldRetryHeaderTests {
    @Test func errorsSayNotToRetryUnlessMarkedPassing() {
        let plain = ProxyResponder.error(APIError(.rateLimit, "after our own retries", retryAfter: 30))
        #expect(plain.headers[.init("x-should-retry")!] == "false")
        #expect(plain.headers[.retryAfter] == "30", "the provider's advice is still passed on")
        let passing = ProxyResponder.error(APIError(.overloaded, "busy for a moment", retryAfter: 2, shouldRetry: true))
        #expect(passing.headers[.init("x-should-retry")!] == "true")
        #expect(passing.headers[.retryAfter] == "2")
    }

    @Test func refusalsBeforeTheEngineSayNotToRetry() {
        #expect(ProxyResponder.methodNotAllowed(.get, "/v1/messages").headers[.init("x-should-retry")!] == "false")
    }
}
