import Testing

@testable import Proxy

/// A value within a time limit: the body's when it comes first, none (or ``TimedOut``) after.
struct DeadlineTests {
    @Test func aQuickBodysValueIsReturned() async throws {
        #expect(await valueWithin(.seconds(30)) { 7 } == 7)
        #expect(await valueWithin(nil) { "no limit" } == "no limit")
        #expect(try await withTimeout(.seconds(30)) { 7 } == 7)
    }

    @Test func aBodyPastTheLimitIsCancelledAndGivesNothing() async {
        // The body would take an hour; the limit ends it (cancelled, so the test does not wait).
        let value = await valueWithin(.milliseconds(20)) { () -> Int? in
            try? await Task.sleep(for: .seconds(3_600))
            return Task.isCancelled ? nil : 1
        }
        #expect(value == nil)
        await #expect(throws: TimedOut.self) {
            try await withTimeout(.milliseconds(20)) { try await Task.sleep(for: .seconds(3_600)) }
        }
    }

    @Test func aBodysOwnErrorIsThrownAsIs() async {
        struct Refused: Error {}
        await #expect(throws: Refused.self) {
            try await withTimeout(.seconds(30)) { () async throws -> Int in throw Refused() }
        }
    }
}
