import BasedDiscovery
import Foundation
import Testing

@Suite struct AchievementRulesTests {
    let start = Date(timeIntervalSince1970: 1_800_000_000)
    let artist = UUID(), track = UUID(), otherTrack = UUID()

    func listens(_ users: [UUID], track: UUID, from offset: Int = 0) -> [AchievementRules.Listen] {
        users.enumerated().map { .init(user: $0.element, track: track, at: start.addingTimeInterval(Double(offset + $0.offset)), completed: true) }
    }

    func evaluate(
        _ listens: [AchievementRules.Listen], likes: [(user: UUID, track: UUID, at: Date)] = [], shows: [UUID: Int] = [:],
        cities: [UUID: String] = [:], artists: [UUID: UUID]? = nil
    ) -> Set<String> {
        let artistOf = artists ?? [track: artist, otherTrack: artist]
        return Set(AchievementRules.evaluate(listens: listens, likes: likes, shows: shows, artistOf: { artistOf[$0] }, cityOf: { cities[$0] })
            .map { "\($0.user == artist ? "artist" : $0.user.uuidString) \($0.achievement.rawValue)" })
    }

    @Test func aHundredDistinctListenersMakeTheMark() {
        let ninetyNine = (0..<99).map { _ in UUID() }
        // Repeat plays and the artist's own do not count.
        let almost = listens(ninetyNine, track: track) + listens(ninetyNine, track: otherTrack, from: 200) + listens([artist], track: track, from: 400)
        #expect(!evaluate(almost).contains("artist first-100-listeners"))
        #expect(evaluate(almost + listens([UUID()], track: otherTrack, from: 500)).contains("artist first-100-listeners"))
    }

    @Test func aLikeBeforeTheThousandthPlayIsEarly() {
        let fan = UUID(), late = UUID()
        let plays = listens((0..<1_000).map { _ in UUID() }, track: track)
        let likes = [(user: fan, track: track, at: start.addingTimeInterval(500)), (user: late, track: track, at: start.addingTimeInterval(1_000))]
        let awards = evaluate(plays, likes: likes)
        #expect(awards.contains("\(fan.uuidString) early-listener"))
        #expect(!awards.contains("\(late.uuidString) early-listener"))
        // A track that never reached 1,000 plays makes nobody early.
        #expect(!evaluate(Array(plays.prefix(999)), likes: likes).contains("\(fan.uuidString) early-listener"))
    }

    @Test func tenShowsAtTheDoor() {
        let regular = UUID(), newcomer = UUID()
        let awards = evaluate([], shows: [regular: 10, newcomer: 9])
        #expect(awards == ["\(regular.uuidString) ten-shows"])
    }

    @Test func fiftyArtistsOfOnesOwnCityHeardToTheEnd() {
        let fan = UUID()
        let locals = (0..<50).map { _ in (artist: UUID(), track: UUID()) }
        var cities = [fan: "leipzig"]
        var artists: [UUID: UUID] = [:]
        for local in locals {
            cities[local.artist] = "leipzig"
            artists[local.track] = local.artist
        }
        let heard = locals.enumerated().map { AchievementRules.Listen(user: fan, track: $0.element.track, at: start.addingTimeInterval(Double($0.offset)), completed: true) }
        #expect(evaluate(heard, cities: cities, artists: artists) == ["\(fan.uuidString) fifty-local-artists"])
        // A skipped one is not heard; an artist of another city is not local.
        var skipped = heard
        skipped[0].completed = false
        #expect(evaluate(skipped, cities: cities, artists: artists).isEmpty)
        cities[locals[1].artist] = "berlin"
        #expect(evaluate(heard, cities: cities, artists: artists).isEmpty)
    }
}
