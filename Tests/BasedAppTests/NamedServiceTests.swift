@testable import BasedApp
import Logging
import ServiceLifecycle
import Synchronization
import Testing

@Suite("Named services")
struct NamedServiceTests {
    @Test("a service still running after shutdown began is named in an error until it ends, and then the group ends")
    func overdueServiceIsNamed() async throws {
        let records = Records()
        let logger = Logger(label: "named") { _ in RecordingHandler(records: records) }
        let (release, releaser) = AsyncStream.makeStream(of: Void.self)
        let group = ServiceGroup(
            services: [
                // Patience no slow machine exhausts: it stops as soon as it is told.
                NamedService("prompt", Prompt(), patience: .seconds(3600), logger: logger),
                NamedService("stubborn", Stubborn(release: release), patience: .milliseconds(20), logger: logger),
            ],
            logger: logger
        )
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            await group.triggerGracefulShutdown()
            // The group stops the last service first; the first waits behind it.
            while records.errors().count < 2 { try await Task.sleep(for: .milliseconds(10)) }
            releaser.yield()
            try await tasks.next()
        }
        let errors = records.errors()
        #expect(Set(errors.map(\.service)) == ["stubborn"])
        #expect(errors.map(\.message).allSatisfy { $0 == "service has not stopped since shutdown began" })
        #expect(records.debug().contains { $0.message == "service ended" && $0.service == "prompt" })
    }

    @Test("a service's own error ends its watch and reaches the group")
    func errorsPassThrough() async throws {
        struct Broken: Service, Error { func run() async throws { throw self } }
        let group = ServiceGroup(services: [NamedService("broken", Broken(), logger: Logger(label: "named"))], logger: Logger(label: "named"))
        await #expect(throws: Broken.self) { try await group.run() }
    }
}

/// Returns as soon as shutdown begins.
private struct Prompt: Service {
    func run() async throws { try? await gracefulShutdown() }
}

/// Ignores shutdown; returns when released.
private struct Stubborn: Service {
    let release: AsyncStream<Void>
    func run() async throws {
        for await _ in release { return }
    }
}

private final class Records: Sendable {
    struct Record: Sendable { var level: Logger.Level; var message: String; var service: String }
    private let all = Mutex<[Record]>([])
    func append(_ record: Record) { all.withLock { $0.append(record) } }
    func errors() -> [Record] { all.withLock { $0.filter { $0.level == .error } } }
    func debug() -> [Record] { all.withLock { $0.filter { $0.level == .debug } } }
}

private struct RecordingHandler: LogHandler {
    let records: Records
    var logLevel: Logger.Level = .debug
    var metadata: Logger.Metadata = [:]

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        guard let service = event.metadata?["service"] else { return }
        records.append(.init(level: event.level, message: "\(event.message)", service: "\(service)"))
    }
}

@Suite("Activity count")
struct ActivityCountTests {
    @Test("a wait says whether the work ended: before the wait, during it, or not within the limit")
    func outcomes() async throws {
        let early = ActivityCount()
        early.enter()
        early.leave()
        #expect(await early.drained(timeout: .seconds(3600)))

        let later = ActivityCount()
        later.enter()
        async let waited = later.drained(timeout: .seconds(3600))
        later.leave()
        #expect(await waited)

        let never = ActivityCount()
        never.enter()
        #expect(await never.drained(timeout: .milliseconds(10)) == false)
    }
}
