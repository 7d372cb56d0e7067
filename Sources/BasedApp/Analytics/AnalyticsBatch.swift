import Foundation

/// Facts folded into the changes they make to the per-day aggregates: pure,
/// so the rollup's arithmetic is tested without a database.
struct AnalyticsBatch: Sendable {
    /// Owner of the platform-wide rows (monthly actives, total plays).
    static let platform = UUID(uuid: (255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255))
    /// The `track_id` of an owner's whole-catalogue rows.
    static let catalogue = UUID(uuid: (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0))

    struct DayKey: Hashable, Sendable {
        var owner: UUID
        var track: UUID
        var day: Int
    }

    struct SourceKey: Hashable, Sendable {
        var owner: UUID
        var track: UUID
        var day: Int
        var source: String
    }

    struct CityKey: Hashable, Sendable {
        var owner: UUID
        var day: Int
        var city: String
    }

    /// The counters of one aggregate row, in `columns` order.
    struct Counters: Equatable, Sendable {
        static let columns = ["plays", "completions", "skips", "likes", "unlikes", "playlist_adds", "follows", "unfollows", "rsvps", "checkins"]
        var values = [Int](repeating: 0, count: columns.count)

        subscript(kind: AnalyticsLog.Kind) -> Int {
            get { values[Self.column(kind)] }
            set { values[Self.column(kind)] = newValue }
        }

        static func column(_ kind: AnalyticsLog.Kind) -> Int {
            switch kind {
            case .play: 0
            case .completion: 1
            case .skip: 2
            case .like: 3
            case .unlike: 4
            case .playlistAdd: 5
            case .follow: 6
            case .unfollow: 7
            case .rsvp: 8
            case .checkin: 9
            }
        }
    }

    struct CityChange: Sendable {
        var plays = 0
        var listeners = ListenerSketch()
    }

    /// A fact as stored, with the day it counts on.
    struct StoredFact: Sendable {
        var id: Int64
        var kind: AnalyticsLog.Kind
        var owner: UUID
        var track: UUID?
        var day: Int
        var listener: UInt64?
        var city: String?
        var source: String?
    }

    private(set) var days: [DayKey: Counters] = [:]
    /// Listeners to add to rows of `days`.
    private(set) var listeners: [DayKey: ListenerSketch] = [:]
    private(set) var sources: [SourceKey: Int] = [:]
    private(set) var cities: [CityKey: CityChange] = [:]

    init(_ facts: some Sequence<StoredFact>) {
        for fact in facts { add(fact) }
    }

    private init(days: [DayKey: Counters], listeners: [DayKey: ListenerSketch], cities: [CityKey: CityChange]) {
        self.days = days
        self.listeners = listeners
        self.cities = cities
    }

    /// The same changes to the per-month rows (whose `day` is the month's
    /// first day), which dashboards read for whole months. Sources have none:
    /// they are summed in SQL.
    func byMonth() -> AnalyticsBatch {
        var firstDays: [Int: Int] = [:]
        func month(_ day: Int) -> Int {
            if let first = firstDays[day] { return first }
            let first = AnalyticsDay.bucket(day, .month)
            firstDays[day] = first
            return first
        }
        var days: [DayKey: Counters] = [:]
        for (key, counters) in self.days {
            let monthKey = DayKey(owner: key.owner, track: key.track, day: month(key.day))
            var sum = days[monthKey] ?? Counters()
            for index in sum.values.indices { sum.values[index] += counters.values[index] }
            days[monthKey] = sum
        }
        var listeners: [DayKey: ListenerSketch] = [:]
        for (key, sketch) in self.listeners {
            listeners[DayKey(owner: key.owner, track: key.track, day: month(key.day)), default: ListenerSketch()].formUnion(sketch)
        }
        var cities: [CityKey: CityChange] = [:]
        for (key, change) in self.cities {
            let monthKey = CityKey(owner: key.owner, day: month(key.day), city: key.city)
            var sum = cities[monthKey] ?? CityChange()
            sum.plays += change.plays
            sum.listeners.formUnion(change.listeners)
            cities[monthKey] = sum
        }
        return AnalyticsBatch(days: days, listeners: listeners, cities: cities)
    }

    mutating func add(_ fact: StoredFact) {
        let catalogue = DayKey(owner: fact.owner, track: Self.catalogue, day: fact.day)
        var keys = [catalogue]
        if let track = fact.track { keys.append(DayKey(owner: fact.owner, track: track, day: fact.day)) }
        switch fact.kind {
        case .play:
            keys.append(DayKey(owner: Self.platform, track: Self.catalogue, day: fact.day))
            let source = fact.source ?? "unknown"
            for key in keys where key.owner == fact.owner {
                sources[SourceKey(owner: key.owner, track: key.track, day: key.day, source: source), default: 0] += 1
            }
            if let city = fact.city {
                let key = CityKey(owner: fact.owner, day: fact.day, city: city)
                cities[key, default: CityChange()].plays += 1
                if let listener = fact.listener { cities[key]!.listeners.insert(listener) }
            }
            if let listener = fact.listener {
                for key in keys { listeners[key, default: ListenerSketch()].insert(listener) }
            }
        case .follow, .unfollow, .rsvp, .checkin:
            keys = [catalogue]
        case .completion, .skip, .like, .unlike, .playlistAdd:
            break
        }
        for key in keys { days[key, default: Counters()][fact.kind] += 1 }
    }
}
