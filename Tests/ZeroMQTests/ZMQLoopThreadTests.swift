import Foundation
import Testing
@testable import ZeroMQ

@Suite struct ZMQLoopThreadTests {
    @Test func executedWorkRunsInSubmissionOrderOnTheLoopThread() throws {
        let context = ZMQContext()
        let thread = ZMQLoopThread(name: "test-order", context: context)
        defer { thread.shutdown() }
        try thread.start { _ in }

        let order = Inbox<Int>()
        let threadNames = Inbox<String>()
        let caller = pthread_self()
        let onCaller = Inbox<Bool>()
        for index in 0..<1000 {
            thread.execute { _ in
                if index == 0 {
                    threadNames.append(Thread.current.name ?? "")
                    onCaller.append(pthread_equal(pthread_self(), caller) != 0)
                }
                order.append(index)
            }
        }
        #expect(order.wait(for: 1000) == Array(0..<1000))
        #expect(threadNames.items == ["test-order"])
        #expect(onCaller.items == [false])
    }

    @Test func registeredPullSocketReceivesMessagesSentFromAnotherThread() throws {
        let context = ZMQContext()
        let received = Inbox<[UInt8]>()
        let thread = ZMQLoopThread(name: "test-pull", context: context)
        defer { thread.shutdown() }
        try thread.start { loop in
            let pull = try ZMQSocket(context: loop.context, type: .pull)
            try pull.bind("inproc://loop-pull")
            loop.register(pull, interest: .readable) { socket, events in
                #expect(events == .readable)
                for _ in 0..<1024 {
                    guard let message = try? socket.receive(dontWait: true) else { break }
                    received.append(message)
                }
            }
        }

        let push = try ZMQSocket.make(context, .push)
        try push.connect("inproc://loop-pull")
        let sent = (0..<500).map { "message \($0)".bytes }
        for message in sent { try push.send(message) }
        #expect(received.wait(for: sent.count) == sent)
    }

    @Test func timerFiresAtItsDeadlineAndNotBefore() throws {
        let context = ZMQContext()
        let thread = ZMQLoopThread(name: "test-timer", context: context)
        defer { thread.shutdown() }
        try thread.start { _ in }

        let fired = Inbox<(deadline: ContinuousClock.Instant, firedAt: ContinuousClock.Instant)>()
        thread.execute { loop in
            let deadline = ContinuousClock.now + .milliseconds(40)
            loop.schedule(at: deadline) { fired.append((deadline, .now)) }
        }
        let result = fired.wait(for: 1)
        #expect(result.count == 1)
        if let first = result.first {
            #expect(first.firedAt >= first.deadline)
        }
    }

    @Test func cancelledTimerNeverFiresAndTimersFireInDeadlineOrder() throws {
        let context = ZMQContext()
        let thread = ZMQLoopThread(name: "test-cancel", context: context)
        defer { thread.shutdown() }
        try thread.start { _ in }

        let fired = Inbox<String>()
        thread.execute { loop in
            loop.schedule(after: .milliseconds(60)) { fired.append("last") }
            let cancelled = loop.schedule(after: .milliseconds(20)) { fired.append("cancelled") }
            loop.schedule(after: .milliseconds(30)) { fired.append("second") }
            loop.schedule(after: .milliseconds(10)) { fired.append("first") }
            loop.cancel(cancelled)
        }
        #expect(fired.wait(for: 3) == ["first", "second", "last"])
    }

    @Test func idleLoopSleepsInsteadOfSpinning() throws {
        let context = ZMQContext()
        let thread = ZMQLoopThread(name: "test-idle", context: context)
        defer { thread.shutdown() }
        try thread.start { _ in }

        let iterations = Inbox<Int>()
        thread.execute { loop in
            let start = loop.iterations
            loop.schedule(after: .milliseconds(200)) { iterations.append(loop.iterations - start) }
        }
        let counted = iterations.wait(for: 1)
        #expect(counted.count == 1)
        #expect(counted.allSatisfy { $0 <= 5 })
    }

    @Test func shutdownRunsPendingWorkJoinsAndIgnoresLaterWork() throws {
        let context = ZMQContext()
        let thread = ZMQLoopThread(name: "test-shutdown", context: context)
        try thread.start { _ in }

        let log = Inbox<String>()
        thread.execute { _ in
            usleep(100_000)  // Slow work, so only a shutdown that waits sees it finished.
            log.append("pending work")
        }
        thread.shutdown()
        #expect(log.items == ["pending work"])

        thread.execute { _ in log.append("late work") }
        thread.shutdown()
        #expect(log.items == ["pending work"])
    }

    @Test func shutdownClosesRegisteredSockets() throws {
        let context = ZMQContext()
        let monitor = try ZMQMonitor(context: context, endpoint: "inproc://loop-socket-events")
        try monitor.socket.setReceiveTimeout(.seconds(5))
        let thread = ZMQLoopThread(name: "test-close", context: context)
        try thread.start { loop in
            let pull = try ZMQSocket(context: loop.context, type: .pull)
            try pull.monitor(endpoint: "inproc://loop-socket-events", events: [.closed, .monitorStopped])
            try pull.bind("tcp://127.0.0.1:*")
            loop.register(pull, interest: .readable) { _, _ in }
        }
        thread.shutdown()

        var kinds: [ZMQMonitorEvent.Kind] = []
        while let event = try monitor.receiveEvent(), event.kind != .monitorStopped {
            kinds.append(event.kind)
        }
        #expect(kinds == [.closed])
    }

    @Test func setUpErrorIsRethrownFromStartAndTheLoopTakesNoWork() throws {
        let context = ZMQContext()
        let thread = ZMQLoopThread(name: "test-setup", context: context)
        let error = #expect(throws: ZMQError.self) {
            try thread.start { loop in
                let socket = try ZMQSocket(context: loop.context, type: .pull)
                try socket.bind("carrier-pigeon://loft")
            }
        }
        #expect(error?.operation == "bind carrier-pigeon://loft")

        let ran = Inbox<Bool>()
        thread.execute { _ in ran.append(true) }
        thread.shutdown()
        #expect(ran.items.isEmpty)
        #expect(throws: ZMQError.self) { try thread.start { _ in } }
    }

    @Test func writableInterestAddedLaterLetsTheHandlerFlush() throws {
        let context = ZMQContext()
        let thread = ZMQLoopThread(name: "test-writable", context: context)
        defer { thread.shutdown() }
        try thread.start { loop in
            let push = try ZMQSocket(context: loop.context, type: .push)
            try push.bind("inproc://flush")
            // Nothing to flush yet: registered, but not watched.
            loop.register(push, interest: []) { socket, events in
                guard events.contains(.writable) else { return }
                _ = try? socket.send("flushed".bytes, dontWait: true)
                loop.setInterest(socket, [])
            }
            let bound = ZMQLoopBound(push, loop: loop)
            thread.execute { loop in loop.setInterest(bound.value, .writable) }
        }
        let pull = try ZMQSocket.make(context, .pull)
        try pull.connect("inproc://flush")
        #expect(try pull.receive() == "flushed".bytes)
        #expect(try pull.receive(dontWait: true) == nil)
    }

    @Test func registeredFileDescriptorHandlerRunsWhenItBecomesReadable() throws {
        let context = ZMQContext()
        let external = try ZMQWakeup()
        let calls = Inbox<ZMQPollEvents>()
        let thread = ZMQLoopThread(name: "test-fd", context: context)
        defer { thread.shutdown() }
        try thread.start { loop in
            loop.register(fileDescriptor: external.fileDescriptor) { _, events in
                external.drain()
                calls.append(events)
            }
        }
        external.signal()
        #expect(calls.wait(for: 1) == [.readable])
    }
}
