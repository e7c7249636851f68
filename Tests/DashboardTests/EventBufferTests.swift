import Testing

@testable import Dashboard
@testable import Proxy

struct EventBufferTests {
    func ids(_ events: [ProxyEvent]) -> [UInt64] { events.map(\.requestID.rawValue) }

    func isProgress(_ event: ProxyEvent) -> Bool {
        if case .progress = event { return true }
        return false
    }

    @Test func eventsComeOutInOrder() {
        let buffer = EventBuffer()
        for event in Events.request(1) + [Events.progress(2, tokens: 1, [.text("a")])] { buffer.receive(event) }
        let (events, dropped) = buffer.drain()
        #expect(ids(events) == [1, 1, 1, 1, 2])
        #expect(isProgress(events[4]))
        #expect(dropped == 0)
    }

    @Test func pastTheDetailLimitProgressIsDroppedButLifecycleEventsAreKept() {
        let buffer = EventBuffer()
        for id in 0..<EventBuffer.detailLimit { buffer.receive(Events.started(UInt64(id))) }
        buffer.receive(Events.progress(1, tokens: 3, [.text("dropped")]))
        buffer.receive(Events.progress(2, tokens: 3, [.text("dropped")]))
        buffer.receive(Events.finished(1, "nim,glm-4.7", input: 1, output: 3))
        buffer.receive(Events.failed(2, nil, APIError(.api, "x")))
        buffer.receive(Events.started(99_999))
        let (events, dropped) = buffer.drain()
        #expect(dropped == 2)
        #expect(events.count == EventBuffer.detailLimit + 3)
        #expect(!events.contains(where: isProgress))
        #expect(ids(events.suffix(3)) == [1, 2, 99_999])
    }

    @Test func progressBelowTheDetailLimitIsKept() {
        let buffer = EventBuffer()
        for id in 0..<(EventBuffer.detailLimit - 1) { buffer.receive(Events.started(UInt64(id))) }
        buffer.receive(Events.progress(1, tokens: 3, [.text("kept")]))
        buffer.receive(Events.progress(1, tokens: 4, [.text("dropped")]))
        let (events, dropped) = buffer.drain()
        #expect(events.count == EventBuffer.detailLimit)
        #expect(events.last.map(isProgress) == true)
        #expect(dropped == 1)
    }

    @Test func theBufferIsBoundedForEveryEvent() {
        let buffer = EventBuffer()
        for id in 0..<(EventBuffer.hardLimit + 10) { buffer.receive(Events.started(UInt64(id))) }
        let (events, dropped) = buffer.drain()
        #expect(events.count == EventBuffer.hardLimit)
        #expect(dropped == 10)
        #expect(ids(events).last == UInt64(EventBuffer.hardLimit - 1), "the oldest are kept; the newest dropped")
    }

    @Test func drainResetsEventsAndTheDropCount() {
        let buffer = EventBuffer()
        for id in 0..<EventBuffer.detailLimit { buffer.receive(Events.started(UInt64(id))) }
        buffer.receive(Events.progress(1, tokens: 1, [.text("dropped")]))
        #expect(buffer.drain().dropped == 1)
        let empty = buffer.drain()
        #expect(empty.events.isEmpty)
        #expect(empty.dropped == 0)
        // With room again, progress gets through.
        buffer.receive(Events.progress(1, tokens: 1, [.text("kept")]))
        let after = buffer.drain()
        #expect(after.events.count == 1)
        #expect(after.dropped == 0)
    }

    @Test func concurrentProducersLoseNothingBelowTheLimit() async {
        let buffer = EventBuffer()
        await withTaskGroup(of: Void.self) { group in
            for producer in 0..<4 {
                group.addTask {
                    for index in 0..<500 { buffer.receive(Events.started(UInt64(producer * 1_000 + index))) }
                }
            }
        }
        let (events, dropped) = buffer.drain()
        #expect(dropped == 0)
        #expect(Set(ids(events)).count == 2_000)
    }
}
