import Foundation
import Testing

@testable import Proxy

/// Several Switchboards, one ledger: a real PostgreSQL server (no mock), the local SQLite
/// file as the outbox.
@Suite(.stack, .serialized)
struct PostgresLedgerTests {
    static func proxy(
        _ stack: Stack,
        state: LedgerTests.State,
        model: String,
        postgres: PostgresServer,
        instance: String
    ) async throws -> SwitchboardProcess {
        try await stack.proxy(
            providers: [
                [
                    "name": "led", "api_base_url": .string(stack.upstream.apiBaseURL), "api_key": "k",
                    "models": [.string(model)], "price": LedgerTests.price,
                ]
            ],
            router: ["default": .string("led,\(model)")],
            extra: ["USAGE_DB": .string(postgres.url)],
            environment: ["XDG_STATE_HOME": state.home, "SWITCHBOARD_INSTANCE": instance]
        )
    }

    func count(_ postgres: PostgresServer) async -> Int {
        (try? await postgres.query("SELECT count(*) FROM switchboard_request")).flatMap { Int($0) } ?? -1
    }

    /// Runs `body` with a fresh PostgreSQL server, stopped afterwards whatever happened.
    func withPostgres(_ body: (PostgresServer) async throws -> Void) async throws {
        let postgres = try await PostgresServer.start()
        do {
            try await body(postgres)
        } catch {
            await postgres.stop()
            throw error
        }
        await postgres.stop()
    }

    @Test func twoInstancesShareOneLedger() async throws {
        try await withPostgres { postgres in try await sharedLedger(postgres) }
    }

    @Test func outageLosesNothing() async throws {
        try await withPostgres { postgres in try await outage(postgres) }
    }

    func sharedLedger(_ postgres: PostgresServer) async throws {
        let stack = try Stack.current()
        let model = TestModel.unique("pg-shared")
        try await stack.upstream.script(
            model,
            [["text_stream": ["text": "hi", "usage": LedgerTests.usage]]],
            repeatLast: true
        )
        let states = [try LedgerTests.State(), try LedgerTests.State()]
        let alpha = try await Self.proxy(stack, state: states[0], model: model, postgres: postgres, instance: "alpha")
        let beta = try await Self.proxy(stack, state: states[1], model: model, postgres: postgres, instance: "beta")
        let configPath = alpha.configDirectory.url.appendingPathComponent("config.json").path
        try await withProxy(alpha) { alpha in
            try await withProxy(beta) { beta in
                let statuses = [
                    try await alpha.client.post(body: MessagesBody.make(model: "x", stream: false)).status,
                    try await beta.client.post(body: MessagesBody.make(model: "x", stream: false)).status,
                    try await beta.client.post(body: MessagesBody.make(model: "x", stream: false)).status,
                ]
                #expect(statuses == [200, 200, 200])
                let arrived = await eventually(timeout: .seconds(15), every: .milliseconds(200)) {
                    await count(postgres) == 3
                }
                let rows = await count(postgres)
                #expect(arrived, "rows in PostgreSQL: \(rows)\n\(alpha.stderr)\n\(beta.stderr)")
            }
        }
        let run = try await SwitchboardProcess.run(
            ["stats", "--config", configPath, "--since", "1h", "--by", "instance", "--json"],
            environment: ["XDG_STATE_HOME": states[0].home]
        )
        #expect(run.status == .exited(0), "\(run.stderr)")
        let json = try JSONParser.parse(run.stdout)
        #expect(json["totals"]?["requests"]?.intValue == 3)
        let rows = json["rows"]?.arrayValue ?? []
        let byInstance = Dictionary(
            uniqueKeysWithValues: rows.map { ($0["key"]?.stringValue ?? "", $0["requests"]?.intValue ?? 0) }
        )
        #expect(byInstance == ["alpha": 1, "beta": 2])
        #expect(abs((json["totals"]?["cost_usd"]?.doubleValue ?? -1) - 3 * 0.0034) < 1e-6)
    }

    func outage(_ postgres: PostgresServer) async throws {
        let stack = try Stack.current()
        let model = TestModel.unique("pg-outage")
        try await stack.upstream.script(
            model,
            [["text_stream": ["text": "hi", "usage": LedgerTests.usage]]],
            repeatLast: true
        )
        let state = try LedgerTests.State()
        let proxy = try await Self.proxy(stack, state: state, model: model, postgres: postgres, instance: "solo")
        try await withProxy(proxy) { proxy in
            #expect(try await proxy.client.post(body: MessagesBody.make(model: "x", stream: false)).status == 200)
            let first = await eventually(timeout: .seconds(15), every: .milliseconds(200)) {
                await count(postgres) == 1
            }
            #expect(first, "\(proxy.stderr)")
            await postgres.stop()
            for _ in 0..<3 {
                // Traffic flows while PostgreSQL is away.
                #expect(try await proxy.client.post(body: MessagesBody.make(model: "x", stream: true)).status == 200)
            }
            let waiting = await eventually(timeout: .seconds(15), every: .milliseconds(200)) {
                proxy.stderr.contains("rows waiting in")
            }
            #expect(waiting, "\(proxy.stderr)")
            #expect((try? UsageStore(path: state.ledger, readOnly: true).waitingCount()) == 3)
            try await postgres.start()
            let all = await eventually(timeout: .seconds(20), every: .milliseconds(200)) { await count(postgres) == 4 }
            let rows = await count(postgres)
            #expect(all, "rows in PostgreSQL: \(rows)\n\(proxy.stderr)")
            #expect(proxy.stderr.contains("reachable again"))
            #expect((try? UsageStore(path: state.ledger, readOnly: true).waitingCount()) == 0)
        }
        #expect(try await postgres.query("SELECT count(DISTINCT instance) FROM switchboard_request") == "1")
    }
}
