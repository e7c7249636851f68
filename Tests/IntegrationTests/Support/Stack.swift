import Testing

@testable import Proxy

/// One scripted upstream and one `switchboard serve` in front of it (``TestConfig/standard``),
/// shared by every test of a suite marked `.stack`.
///
/// The suite trait starts both before the suite's first test and stops both (SIGTERM, then
/// SIGKILL) after its last, whatever the tests did. Tests reach it with ``Stack/current()``.
final class Stack: Sendable {
    let upstream: ScriptedUpstream
    let proxy: SwitchboardProcess

    init(upstream: ScriptedUpstream, proxy: SwitchboardProcess) {
        self.upstream = upstream
        self.proxy = proxy
    }

    @TaskLocal static var scoped: Stack?

    /// The stack of the running suite.
    static func current(sourceLocation: SourceLocation = #_sourceLocation) throws -> Stack {
        try #require(scoped, "this suite needs the .stack trait", sourceLocation: sourceLocation)
    }

    var client: AnthropicClient { proxy.client }

    /// Starts an extra proxy for this stack's upstream with its own config.
    func proxy(
        providers: [JSONValue] = [],
        router: JSONObject? = nil,
        extra: JSONObject = [:],
        arguments: [String] = [],
        environment: [String: String?] = [:]
    ) async throws -> SwitchboardProcess {
        try await SwitchboardProcess.start(
            config: TestConfig.standard(upstream: upstream, providers: providers, router: router, extra: extra),
            arguments: arguments,
            environment: environment
        )
    }
}

/// Starts a ``Stack`` around a whole suite.
struct StackTrait: SuiteTrait, TestScoping {
    func provideScope(
        for test: Test,
        testCase: Test.Case?,
        performing function: @Sendable () async throws -> Void
    ) async throws {
        let upstream = try await ScriptedUpstream.start()
        let proxy: SwitchboardProcess
        do {
            proxy = try await SwitchboardProcess.start(config: TestConfig.standard(upstream: upstream))
        } catch {
            await upstream.stop()
            throw error
        }
        let stack = Stack(upstream: upstream, proxy: proxy)
        let outcome: Result<Void, any Error>
        do {
            try await Stack.$scoped.withValue(stack) { try await function() }
            outcome = .success(())
        } catch {
            outcome = .failure(error)
        }
        await proxy.stop()
        await upstream.stop()
        try outcome.get()
    }
}

extension Trait where Self == StackTrait {
    /// Runs the suite against a shared scripted upstream and proxy.
    static var stack: Self { StackTrait() }
}

/// Runs `body` with `proxy`, then stops it whatever happened.
func withProxy<T>(
    _ proxy: SwitchboardProcess,
    _ body: (SwitchboardProcess) async throws -> T
) async throws -> T {
    do {
        let value = try await body(proxy)
        await proxy.stop()
        return value
    } catch {
        await proxy.stop()
        throw error
    }
}

/// Runs `body` with a fresh scripted upstream of its own, then stops it whatever happened.
func withUpstream<T>(_ body: (ScriptedUpstream) async throws -> T) async throws -> T {
    let upstream = try await ScriptedUpstream.start()
    do {
        let value = try await body(upstream)
        await upstream.stop()
        return value
    } catch {
        await upstream.stop()
        throw error
    }
}
