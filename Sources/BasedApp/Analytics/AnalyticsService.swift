import BasedMedia
import Foundation
import Logging
import NIOPosix
import SQLKit
import Synchronization

/// Artist analytics and the admin dashboard: the rollup that folds facts into
/// per-day aggregates, and the figures read from them (never from raw plays).
///
/// A class so `AppServices` holds one reference (see `AnalyticsLog`);
/// immutable after init, so Sendable.
public final class AnalyticsService: Sendable {
    public enum Interval: String, Sendable, CaseIterable { case day, week, month }

    /// Buckets a request may ask for, and days it may span.
    public static let maxBuckets = 400
    public static let maxDays = 3_660
    /// Facts per rollup transaction. Each batch rewrites the touched month
    /// rows whole (an artist's month sketch is dense, 4 KiB), so throughput
    /// grows with the batch: 5,000 rolled up half as fast as 20,000 at ten
    /// million plays. Other writers of the process wait their turn behind at
    /// most one batch (`FairGate`), a second or two.
    static let factsPerRollup = 20_000

    public struct Figures: Sendable, Equatable {
        public var plays = 0
        public var listeners = 0
        public var completions = 0
        public var skips = 0
        public var likes = 0
        public var playlistAdds = 0
        public var followersGained = 0
        public var followersLost = 0
        public var rsvps = 0
        public var checkins = 0

        /// Share of the listens started that were played to the end, 0…1.
        public var completionRate: Double { plays == 0 ? 0 : Double(completions) / Double(plays) }
        public var skipRate: Double { plays == 0 ? 0 : Double(skips) / Double(plays) }
    }

    public struct Point: Sendable, Equatable {
        /// The bucket's first day (`YYYY-MM-DD`).
        public var start: String
        public var figures: Figures
    }

    public struct Report: Sendable {
        public var owner: UUID
        public var track: UUID?
        public var interval: Interval
        public var from: String
        public var to: String
        public var totals: Figures
        public var series: [Point]
        public var sources: [(source: String, plays: Int)]
        public var cities: [(city: String, plays: Int, listeners: Int)]
        public var tracks: [(id: UUID, title: String, plays: Int, listeners: Int)]
        /// When the rollup last ran (figures include every fact recorded before it).
        public var updatedAt: Date?
    }

    public struct AdminDashboard: Sendable {
        public var generatedAt: Date
        public var usersByRole: [Role: Int]
        public var newUsersThisWeek: Int
        public var monthlyActives: Int
        public var storageBytes: Int64
        public var storageFiles: Int
        public var jobs: JobQueue.Health
        public var openReports: Int
        public var openAppeals: Int
        public var oldestOpenReport: Date?
        public var analyticsBacklog: Int
    }

    let database: Database
    let log: AnalyticsLog
    let accounts: AccountService
    let tracks: TrackService
    let reports: ReportService
    let blobs: BlobStore
    let logger: Logger
    private let storageCache = Mutex<(at: Date, bytes: Int64, files: Int)?>(nil)

    init(database: Database, log: AnalyticsLog, accounts: AccountService, tracks: TrackService, reports: ReportService, blobs: BlobStore, logger: Logger) {
        self.database = database
        self.log = log
        self.accounts = accounts
        self.tracks = tracks
        self.reports = reports
        self.blobs = blobs
        self.logger = logger
    }

    // MARK: Rollup

    /// Folds waiting facts into the aggregates, `factsPerRollup` per
    /// transaction, until none wait; returns how many it folded. Each
    /// transaction deletes exactly the facts it counted, so a crash counts
    /// nothing twice and loses nothing.
    @discardableResult
    public func rollUp(now: Date = Date()) async throws -> Int {
        var total = 0
        let dialect = database.dialect
        while true {
            let folded = try await database.transaction { sql in
                try await AnalyticsQueries.lock(on: sql)
                let facts = try await AnalyticsQueries.facts(limit: Self.factsPerRollup, on: sql)
                guard !facts.isEmpty else { return 0 }
                let batch = AnalyticsBatch(facts)
                try await Self.write(batch, days: "analytics_days", cities: "analytics_cities", dialect: dialect, on: sql)
                try await Self.write(batch.byMonth(), days: "analytics_months", cities: "analytics_city_months", dialect: dialect, on: sql)
                try await AnalyticsQueries.addSources(batch.sources.map { ($0.key, $0.value) }, dialect: dialect, on: sql)
                try await AnalyticsQueries.deleteFacts(ids: facts.map(\.id), dialect: dialect, on: sql)
                try await AnalyticsQueries.finish(facts: facts.count, now: now, on: sql)
                return facts.count
            }
            total += folded
            if folded < Self.factsPerRollup { return total }
        }
    }

    /// Adds a batch to the per-day (or per-month) rows and city rows, merging listener sketches with the stored ones.
    private static func write(_ batch: AnalyticsBatch, days: String, cities: String, dialect: Database.Dialect, on sql: any SQLDatabase) async throws {
        let stored = try await AnalyticsQueries.sketches(Array(batch.listeners.keys), table: days, dialect: dialect, on: sql)
        try await AnalyticsQueries.addDays(batch.days.map { key, counters in
            var sketch = batch.listeners[key]
            if sketch != nil, let before = stored[key] { sketch!.formUnion(before) }
            return (key, counters, sketch)
        }, table: days, dialect: dialect, on: sql)
        let storedCities = try await AnalyticsQueries.citySketches(Array(batch.cities.keys), table: cities, dialect: dialect, on: sql)
        try await AnalyticsQueries.addCities(batch.cities.map { key, change in
            var sketch = change.listeners
            if let before = storedCities[key] { sketch.formUnion(before) }
            return (key, change.plays, sketch)
        }, table: cities, dialect: dialect, on: sql)
    }

    // MARK: Artist dashboards

    /// An artist's (or venue's) figures per day, week or month over `from...to`
    /// (days, `YYYY-MM-DD`, UTC; the last 30 days by default), for one track or
    /// the whole catalogue. Only the owner and admins may see them.
    public func report(
        _ identity: Identity, owner: UUID, track: UUID?, interval: Interval?, from: String?, to: String?, now: Date = Date()
    ) async throws -> Report {
        guard try await accounts.users(ids: [owner])[owner] != nil else { throw AppError.notFound("The artist") }
        guard identity.userID == owner || identity.role == .admin else {
            throw AppError.forbidden("Only the artist (and admins) can see these figures.", code: "not_your_analytics")
        }
        let interval = interval ?? .day
        let (first, last) = try Self.range(from: from, to: to, interval: interval, today: AnalyticsDay.day(of: now))
        if let track {
            guard let found = try await tracks.track(id: track), found.artistId == owner else { throw AppError.notFound("The track") }
        }
        let sql = database.sql
        // A monthly series reads whole months from the monthly rows; any other, the days.
        let rows = interval == .month
            ? try await covered(first, last) { table, from, to in
                try await AnalyticsQueries.rows(table, owner: owner, track: track ?? AnalyticsBatch.catalogue, from: from, to: to, on: sql)
            }
            : try await AnalyticsQueries.rows("analytics_days", owner: owner, track: track ?? AnalyticsBatch.catalogue, from: first, to: last, on: sql)
        var buckets: [Int: (figures: Figures, sketch: ListenerSketch)] = [:]
        var all = ListenerSketch()
        var totals = Figures()
        for row in rows {
            let start = AnalyticsDay.bucket(row.day, interval)
            var bucket = buckets[start] ?? (Figures(), ListenerSketch())
            Self.add(row, to: &bucket.figures)
            Self.add(row, to: &totals)
            if let bytes = row.listeners, let sketch = ListenerSketch(encoded: bytes) {
                bucket.sketch.formUnion(sketch)
                all.formUnion(sketch)
            }
            buckets[start] = bucket
        }
        totals.listeners = all.count
        var series: [Point] = []
        var start = AnalyticsDay.bucket(first, interval)
        while start <= last {
            var figures = buckets[start]?.figures ?? Figures()
            figures.listeners = buckets[start]?.sketch.count ?? 0
            series.append(Point(start: AnalyticsDay.text(start), figures: figures))
            start = AnalyticsDay.next(start, interval)
        }
        let sources = try await AnalyticsQueries.sources(owner: owner, track: track ?? AnalyticsBatch.catalogue, from: first, to: last, on: sql)
        let cities = track == nil ? try await cityFigures(owner: owner, from: first, to: last) : []
        let top = track == nil ? try await topTracks(owner: owner, from: first, to: last) : []
        return Report(
            owner: owner, track: track, interval: interval, from: AnalyticsDay.text(first), to: AnalyticsDay.text(last), totals: totals,
            series: series, sources: sources, cities: cities, tracks: top, updatedAt: try await AnalyticsQueries.ranAt(on: sql)
        )
    }

    /// Rows over days `first...last`: the whole calendar months inside it
    /// from the monthly table, the days at either edge from the daily one.
    private func covered<Row>(
        _ first: Int, _ last: Int, days: String = "analytics_days", months: String = "analytics_months",
        _ read: (String, Int, Int) async throws -> [Row]
    ) async throws -> [Row] {
        let cover = Self.cover(first, last)
        var rows: [Row] = []
        if let whole = cover.months { rows += try await read(months, whole.lowerBound, whole.upperBound) }
        for edge in cover.days { rows += try await read(days, edge.lowerBound, edge.upperBound) }
        return rows
    }

    /// The whole months inside `first...last` (as the range of their first
    /// days) and the days left over at its edges.
    static func cover(_ first: Int, _ last: Int) -> (months: ClosedRange<Int>?, days: [ClosedRange<Int>]) {
        let startOfFirst = AnalyticsDay.bucket(first, .month)
        let firstWhole = startOfFirst == first ? first : AnalyticsDay.next(startOfFirst, .month)
        let startOfLast = AnalyticsDay.bucket(last, .month)
        let lastWhole = AnalyticsDay.next(startOfLast, .month) - 1 == last ? startOfLast : AnalyticsDay.bucket(startOfLast - 1, .month)
        guard firstWhole <= lastWhole else { return (nil, [first...last]) }
        var days: [ClosedRange<Int>] = []
        if first < firstWhole { days.append(first...(firstWhole - 1)) }
        let afterWhole = AnalyticsDay.next(lastWhole, .month)
        if afterWhole <= last { days.append(afterWhole...last) }
        return (firstWhole...lastWhole, days)
    }

    /// The report as CSV: one line per bucket, a header naming the columns.
    public static func csv(_ report: Report) -> String {
        var lines = ["start,plays,listeners,completions,skips,completion_rate,skip_rate,likes,playlist_adds,followers_gained,followers_lost,rsvps,checkins"]
        for point in report.series {
            let f = point.figures
            lines.append([
                point.start, "\(f.plays)", "\(f.listeners)", "\(f.completions)", "\(f.skips)",
                String(format: "%.4f", f.completionRate), String(format: "%.4f", f.skipRate), "\(f.likes)", "\(f.playlistAdds)",
                "\(f.followersGained)", "\(f.followersLost)", "\(f.rsvps)", "\(f.checkins)",
            ].joined(separator: ","))
        }
        return lines.joined(separator: "\r\n") + "\r\n"
    }

    /// The days a request covers: both ends given, or the 30 days to today.
    static func range(from: String?, to: String?, interval: Interval, today: Int) throws -> (Int, Int) {
        var fields: [AppError.FieldError] = []
        let last = to.map { AnalyticsDay.parse($0) } ?? today
        let first = from.map { AnalyticsDay.parse($0) } ?? last.map { $0 - 29 }
        if last == nil { fields.append(.init("to", "must be a date, YYYY-MM-DD")) }
        if first == nil { fields.append(.init("from", "must be a date, YYYY-MM-DD")) }
        guard fields.isEmpty, let first, let last else { throw AppError.validation(fields) }
        guard first <= last else { throw AppError.validation("from", "must not be after to") }
        guard last - first < maxDays else { throw AppError.validation("to", "must be at most \(maxDays) days after from") }
        var buckets = 0
        var start = AnalyticsDay.bucket(first, interval)
        while start <= last {
            buckets += 1
            start = AnalyticsDay.next(start, interval)
        }
        guard buckets <= maxBuckets else {
            throw AppError.validation("interval", "gives \(buckets) points over this range; at most \(maxBuckets) (choose week or month)")
        }
        return (first, last)
    }

    private static func add(_ row: AnalyticsQueries.DayRow, to figures: inout Figures) {
        figures.plays += row.plays
        figures.completions += row.completions
        figures.skips += row.skips
        figures.likes += row.likes - row.unlikes
        figures.playlistAdds += row.playlistAdds
        figures.followersGained += row.follows
        figures.followersLost += row.unfollows
        figures.rsvps += row.rsvps
        figures.checkins += row.checkins
    }

    /// Plays and listeners of the 20 cities with most plays, most listeners first.
    /// Plays are summed by the database; sketches are read for those 20 only.
    private func cityFigures(owner: UUID, from: Int, to: Int) async throws -> [(city: String, plays: Int, listeners: Int)] {
        var plays: [String: Int] = [:]
        for row in try await covered(from, to, days: "analytics_cities", months: "analytics_city_months", { table, first, last in
            try await AnalyticsQueries.cityPlays(table, owner: owner, from: first, to: last, on: database.sql)
        }) {
            plays[row.city, default: 0] += row.plays
        }
        let top = plays.sorted { ($0.value, $1.key) > ($1.value, $0.key) }.prefix(20).map(\.key)
        var sketches: [String: ListenerSketch] = [:]
        for row in try await covered(from, to, days: "analytics_cities", months: "analytics_city_months", { table, first, last in
            try await AnalyticsQueries.cities(table, owner: owner, cities: top, from: first, to: last, on: database.sql)
        }) {
            if let bytes = row.listeners, let sketch = ListenerSketch(encoded: bytes) { sketches[row.city, default: ListenerSketch()].formUnion(sketch) }
        }
        return top.map { (city: $0, plays: plays[$0] ?? 0, listeners: sketches[$0]?.count ?? 0) }
            .sorted { ($0.listeners, $0.plays, $1.city) > ($1.listeners, $1.plays, $0.city) }
    }

    /// The ten most played tracks over the days, with their listeners.
    private func topTracks(owner: UUID, from: Int, to: Int) async throws -> [(id: UUID, title: String, plays: Int, listeners: Int)] {
        var plays: [UUID: Int] = [:]
        for row in try await covered(from, to, { table, first, last in
            try await AnalyticsQueries.trackPlays(table, owner: owner, from: first, to: last, on: database.sql)
        }) {
            plays[row.track, default: 0] += row.plays
        }
        let top = plays.filter { $0.value > 0 }.sorted { ($0.value, $1.key.text) > ($1.value, $0.key.text) }.prefix(10)
            .map { (track: $0.key, plays: $0.value) }
        var sketches: [UUID: ListenerSketch] = [:]
        let rows = try await covered(from, to) { table, first, last in
            try await AnalyticsQueries.trackSketches(table, owner: owner, tracks: top.map(\.track), from: first, to: last, on: database.sql)
        }
        for row in rows {
            if let bytes = row.listeners, let sketch = ListenerSketch(encoded: bytes) { sketches[row.track, default: ListenerSketch()].formUnion(sketch) }
        }
        let found = try await tracks.tracks(ids: top.map(\.track))
        // A deleted track keeps its figures under a plain name.
        return top.map { (id: $0.track, title: found[$0.track]?.title ?? "Deleted track", plays: $0.plays, listeners: sketches[$0.track]?.count ?? 0) }
    }

    // MARK: Erasure

    /// Forgets an artist's figures (their account is being deleted), waiting
    /// facts included. Listens they made stay in others' figures as hashes.
    public func erase(owner: UUID) async throws {
        try await database.transaction { sql in
            try await AnalyticsQueries.lock(on: sql)
            try await AnalyticsQueries.erase(owner: owner, on: sql)
        }
    }

    // MARK: Admin dashboard

    /// The platform at a glance; admins only.
    public func adminDashboard(_ identity: Identity, now: Date = Date()) async throws -> AdminDashboard {
        guard identity.role == .admin else { throw AppError.forbidden("Only admins can see the dashboard.", code: "admin_only") }
        let today = AnalyticsDay.day(of: now)
        async let census = accounts.census(since: now.addingTimeInterval(-7 * 86_400))
        async let health = log.jobs.health(since: now.addingTimeInterval(-86_400), now: now)
        async let load = reports.load()
        async let backlog = AnalyticsQueries.backlog(on: database.sql)
        async let days = AnalyticsQueries.rows(
            "analytics_days", owner: AnalyticsBatch.platform, track: AnalyticsBatch.catalogue, from: today - 29, to: today, on: database.sql
        )
        var actives = ListenerSketch()
        for row in try await days {
            if let bytes = row.listeners, let sketch = ListenerSketch(encoded: bytes) { actives.formUnion(sketch) }
        }
        let storage = try await storageFigures(now: now)
        let (byRole, fresh) = try await census
        let moderation = try await load
        return AdminDashboard(
            generatedAt: now, usersByRole: byRole, newUsersThisWeek: fresh, monthlyActives: actives.count,
            storageBytes: storage.bytes, storageFiles: storage.files, jobs: try await health,
            openReports: moderation.open, openAppeals: moderation.appealed, oldestOpenReport: moderation.oldestOpen,
            analyticsBacklog: try await backlog.waiting
        )
    }

    /// The media folder's figures, walked at most once a minute and on NIO's
    /// thread pool (a large library is many thousands of files; the executors
    /// are the event loops).
    private func storageFigures(now: Date) async throws -> (bytes: Int64, files: Int) {
        if let cached = storageCache.withLock({ $0 }), now.timeIntervalSince(cached.at) < 60 { return (cached.bytes, cached.files) }
        let root = blobs.root
        let figures = try await NIOThreadPool.singleton.runIfActive { Self.storage(under: root) }
        storageCache.withLock { $0 = (now, figures.bytes, figures.files) }
        return figures
    }

    /// Bytes and files of media on disk (originals, renditions, artwork, cache).
    static func storage(under root: URL) -> (bytes: Int64, files: Int) {
        guard let walker = FileManager.default.enumerator(at: root, includingPropertiesForKeys: [.fileSizeKey, .isRegularFileKey]) else { return (0, 0) }
        var bytes: Int64 = 0
        var files = 0
        for case let url as URL in walker {
            guard let values = try? url.resourceValues(forKeys: [.fileSizeKey, .isRegularFileKey]), values.isRegularFile == true else { continue }
            bytes += Int64(values.fileSize ?? 0)
            files += 1
        }
        return (bytes, files)
    }
}

/// Runs the rollup; queued (once) a moment after facts are recorded.
struct AnalyticsRollupJob: JobHandler {
    static let kind = "analytics_rollup"
    static let dedupeKey = "analytics_rollup"
    struct Payload: Codable {}

    let analytics: AnalyticsService
    var kind: String { Self.kind }

    func run(_ job: Job) async throws {
        // Facts recorded from now on queue a new rollup (it waits for this
        // one's lock), so none is left waiting for a later fact.
        try await analytics.log.jobs.releaseKey(of: job)
        try await analytics.rollUp()
    }

    func gaveUp(_ job: Job, reason: String) async {
        analytics.logger.error("analytics rollup gave up", metadata: ["reason": "\(reason)"])
    }
}
