import BasedDiscovery
import Foundation
import Testing

@Suite struct TasteProfileTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)
    let rock: [Float] = [1, 0, 0]
    let jazz: [Float] = [0, 1, 0]
    let noise: [Float] = [0, 0, 1]

    @Test func leansToWhatWasLikedAndAwayFromSkips() throws {
        let liked = try #require(TasteProfile.vector(from: [
            .init(.fullPlay, vector: rock, at: now), .init(.like, vector: jazz, at: now),
        ], now: now))
        // A like counts twice a full play.
        #expect(liked[1] > liked[0])
        let skipped = try #require(TasteProfile.vector(from: [
            .init(.fullPlay, vector: rock, at: now), .init(.like, vector: jazz, at: now), .init(.skip, vector: noise, at: now),
        ], now: now))
        #expect(skipped[2] < 0)
        #expect(abs(skipped.reduce(0) { $0 + $1 * $1 } - 1) < 1e-5)
    }

    @Test func olderListeningFades() throws {
        let profile = try #require(TasteProfile.vector(from: [
            .init(.like, vector: rock, at: now.addingTimeInterval(-90 * 86_400)), .init(.fullPlay, vector: jazz, at: now),
        ], now: now))
        #expect(profile[1] > profile[0])
    }

    @Test func nothingPositiveIsNoProfile() {
        #expect(TasteProfile.vector(from: [], now: now) == nil)
        #expect(TasteProfile.vector(from: [.init(.skip, vector: rock, at: now)], now: now) == nil)
    }
}

@Suite struct MoodTests {
    let scale = TraitScale((0..<100).map { (step: Int) -> AudioTraits in
        let value = Double(step)
        return AudioTraits(tempo: 60 + value, energy: value / 100, brightness: value, major: step % 2 == 0)
    })

    @Test func energeticPrefersFastLoudTracksAndCalmTheOpposite() {
        let loud = scale.position(of: AudioTraits(tempo: 155, energy: 0.95, brightness: 90, major: true))
        let quiet = scale.position(of: AudioTraits(tempo: 70, energy: 0.1, brightness: 20, major: false))
        #expect(loud.energy > 0.9 && quiet.energy < 0.15)
        #expect(Mood.energetic.fit(loud) > Mood.energetic.fit(quiet))
        #expect(Mood.calm.fit(quiet) > Mood.calm.fit(loud))
        #expect(Mood.happy.fit(loud) > Mood.melancholic.fit(loud))
    }

    @Test func percentilesAreWithinTheCatalogue() {
        #expect(scale.position(of: AudioTraits(tempo: 0, energy: -1, brightness: -1, major: nil)).energy == 0)
        #expect(scale.position(of: AudioTraits(tempo: 1_000, energy: 5, brightness: 500, major: nil)).energy == 1)
        #expect(TraitScale([AudioTraits]()).position(of: AudioTraits(tempo: nil, energy: 1, brightness: 1, major: nil)).energy == 0.5)
    }
}

@Suite struct RankerTests {
    let artists = (0..<4).map { _ in UUID() }

    func candidate(_ artist: Int, relevance: Double, plays: Int = 1_000, reason: String = "for you", vector: [Float]? = nil) -> RankingCandidate {
        RankingCandidate(track: UUID(), artist: artists[artist], relevance: relevance, reason: reason, vector: vector, plays: plays)
    }

    @Test func neverTheSameArtistTwiceInARowWhileOthersRemain() {
        let candidates = (0..<10).map { candidate(0, relevance: 1 - Double($0) / 100) } + (0..<3).map { candidate(1, relevance: 0.2 - Double($0) / 100) }
        let ranked = Ranker.rank(candidates, context: .init(explorationInterval: 0), count: 8)
        #expect(ranked.count == 8)
        let firstSix = ranked.prefix(6).map(\.artist)
        #expect(zip(firstSix, firstSix.dropFirst()).allSatisfy { $0 != $1 }, "\(firstSix)")
        // With only one artist left, it may follow itself.
        #expect(ranked.suffix(2).allSatisfy { $0.artist == artists[0] })
    }

    @Test func aLittlePlayedTrackGetsEveryFifthPlace() {
        var candidates = (0..<20).map { candidate($0 % 3, relevance: 0.9 - Double($0) / 100) }
        let newcomer = candidate(3, relevance: 0.01, plays: 2, reason: "new here")
        candidates.append(newcomer)
        let ranked = Ranker.rank(candidates, context: .init(), count: 10)
        #expect(ranked[4].track == newcomer.track)
        #expect(ranked[4].reason == "new here")
    }

    @Test func soundAlikeTracksAreSpreadOut() {
        let same: [Float] = [1, 0], other: [Float] = [0, 1]
        let candidates = [
            candidate(0, relevance: 0.9, vector: same), candidate(1, relevance: 0.89, vector: same),
            candidate(2, relevance: 0.8, vector: other),
        ]
        let ranked = Ranker.rank(candidates, context: .init(relevanceWeight: 0.5, explorationInterval: 0), count: 3)
        #expect(ranked.map(\.artist) == [artists[0], artists[2], artists[1]])
    }

    @Test func localArtistsAndNearbyShowsRiseAndSayWhy() {
        var local = candidate(1, relevance: 0.5, reason: "")
        local.localReason = "from Leipzig"
        var touring = candidate(2, relevance: 0.5)
        touring.showReason = "on at The Basement Friday"
        let ranked = Ranker.rank([candidate(0, relevance: 0.6), local, touring], context: .init(explorationInterval: 0), count: 3)
        #expect(ranked.map(\.reason) == ["from Leipzig", "on at The Basement Friday", "for you"])
    }

    @Test func aMoodReordersByHowTracksFeel() {
        let scale = TraitScale((0..<10).map { AudioTraits(tempo: 80 + Double($0) * 10, energy: Double($0), brightness: Double($0), major: nil) })
        var calm = candidate(0, relevance: 0.5)
        calm.traits = scale.position(of: .init(tempo: 80, energy: 0, brightness: 0, major: nil))
        var loud = candidate(1, relevance: 0.6)
        loud.traits = scale.position(of: .init(tempo: 170, energy: 9, brightness: 9, major: nil))
        #expect(Ranker.rank([calm, loud], context: .init(mood: .calm, explorationInterval: 0), count: 1).first?.track == calm.track)
        #expect(Ranker.rank([calm, loud], context: .init(mood: .energetic, explorationInterval: 0), count: 1).first?.track == loud.track)
    }

    @Test func aTrackProposedTwiceAppearsOnce() {
        let track = candidate(0, relevance: 0.3)
        var stronger = track
        stronger.relevance = 0.9
        stronger.reason = "because you liked X"
        let ranked = Ranker.rank([track, stronger, candidate(1, relevance: 0.1)], context: .init(explorationInterval: 0), count: 5)
        #expect(ranked.count == 2)
        #expect(ranked.first?.reason == "because you liked X")
    }
}
