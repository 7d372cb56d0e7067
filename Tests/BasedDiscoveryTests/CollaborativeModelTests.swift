import BasedDiscovery
import Foundation
import Testing

@Suite struct CollaborativeModelTests {
    /// Four users over four items: a and b go together, c and d go together.
    let users: [[(item: String, weight: Float)]] = [
        [("a", 1), ("b", 1)],
        [("a", 1), ("b", 1), ("c", 1)],
        [("c", 1), ("d", 1)],
        [("c", 1), ("d", 1), ("b", 1)],
        [("a", 1), ("b", 1)],
    ]

    @Test func weightsMatchTheClosedFormComputedDirectly() throws {
        let lambda = 0.5
        let model = try CollaborativeModel(training: users, settings: .init(lambda: lambda))
        let items = model.items
        let n = items.count
        // XᵀX + λI, inverted by Gauss–Jordan here, independently of LAPACK.
        var g = [[Double]](repeating: [Double](repeating: 0, count: n), count: n)
        for user in users {
            for (x, _) in user {
                for (y, _) in user { g[items.firstIndex(of: x)!][items.firstIndex(of: y)!] += 1 }
            }
        }
        for i in 0..<n { g[i][i] += lambda }
        let p = invert(g)
        for (i, item) in items.enumerated() {
            let scores = model.scores(for: [(item: item, weight: Float(1))])
            for j in 0..<n {
                let expected = i == j ? 0 : -p[i][j] / p[j][j]
                #expect(abs(Double(scores[j]) - expected) < 1e-5, "B[\(i)][\(j)]")
            }
        }
    }

    @Test func recommendsWhatCoOccursAndNeverWhatIsHeld() throws {
        let model = try CollaborativeModel(training: users, settings: .init(lambda: 0.5))
        let forA = model.recommend(for: [("a", 1)], count: 3)
        #expect(forA.first?.item == "b")
        #expect(!forA.contains { $0.item == "a" })
        let forD = model.recommend(for: [("d", 1)], count: 1)
        #expect(forD.map(\.item) == ["c"])
        let excluded = model.recommend(for: [("a", 1)], count: 3, excluding: { $0 == "b" })
        #expect(!excluded.contains { $0.item == "b" })
        // Items outside the model change nothing.
        #expect(model.scores(for: [("unknown", 1)]).allSatisfy { $0 == 0 })
    }

    @Test func keepsOnlyTheMostTouchedItems() throws {
        // b is touched by four users; a and c by three each, and a appears first.
        let model = try CollaborativeModel(training: users, settings: .init(lambda: 1, maxItems: 2))
        #expect(model.items == ["b", "a"])
        #expect(!model.contains("d"))
    }

    @Test func refusesSettingsItCannotUse() {
        #expect(throws: DiscoveryError.self) { try CollaborativeModel(training: users, settings: .init(lambda: 0)) }
        #expect(throws: DiscoveryError.self) { try CollaborativeModel(training: users, settings: .init(maxItems: 0)) }
        #expect((try? CollaborativeModel<String>(training: [], settings: .init()))?.count == 0)
    }

    @Test func recentInteractionsCountMost() {
        let weights = CollaborativeModel<String>.recencyWeights(count: 5, halfLife: 1, floor: 0.2)
        #expect(weights.last == 1)
        #expect(abs(weights[3] - 0.6) < 1e-6)
        #expect(zip(weights, weights.dropFirst()).allSatisfy { $0 < $1 })
        #expect(weights.allSatisfy { $0 >= 0.2 })
    }

    private func invert(_ matrix: [[Double]]) -> [[Double]] {
        let n = matrix.count
        var a = matrix.enumerated().map { row in row.element + (0..<n).map { $0 == row.offset ? 1 : 0 } }
        for column in 0..<n {
            let pivot = (column..<n).max { abs(a[$0][column]) < abs(a[$1][column]) }!
            a.swapAt(column, pivot)
            let scale = a[column][column]
            a[column] = a[column].map { $0 / scale }
            for row in 0..<n where row != column {
                let factor = a[row][column]
                a[row] = zip(a[row], a[column]).map { $0 - factor * $1 }
            }
        }
        return a.map { Array($0[n...]) }
    }
}

@Suite struct InteractionFileTests {
    @Test func readsColumnsInAnyOrderWithOptionalWeights() throws {
        let file = try InteractionFile(parsing: "item,timestamp,user,weight\nx,10,u1,2\r\n\ny,5,u1,0.5\n")
        #expect(file.interactions.map(\.item) == ["x", "y"])
        #expect(file.interactions.map(\.weight) == [2, 0.5])
        #expect(file.interactions.map(\.line) == [2, 4])
    }

    @Test func namesTheLineOfEveryProblem() {
        let cases: [(String, Int, String)] = [
            ("user,item,timestamp,rating\n", 1, "unknown column \"rating\""),
            ("user,item\n", 1, "missing column \"timestamp\""),
            ("user,item,timestamp,user\n", 1, "appears twice"),
            ("user,item,timestamp\nu,i,1\nu,i\n", 3, "expected 3 fields, found 2"),
            ("user,item,timestamp\nu,i,yesterday\n", 2, "is not a number"),
            ("user,item,timestamp,weight\nu,i,1,-1\n", 2, "not a positive number"),
            ("user,item,timestamp\n,i,1\n", 2, "user is empty"),
            ("user,item,timestamp\n\"u\",i,1\n", 2, "quoted"),
            ("", 1, "no header"),
        ]
        for (text, line, message) in cases {
            do {
                _ = try InteractionFile(parsing: text)
                Issue.record("accepted \(text.debugDescription)")
            } catch {
                guard case .malformedFile(let reported, let text) = error else {
                    Issue.record("\(error)")
                    continue
                }
                #expect(reported == line, "\(text)")
                #expect(text.contains(message), "\(text)")
            }
        }
    }

    @Test func holdsOutEachUsersLastInteractionsInTime() throws {
        let file = try InteractionFile(parsing: """
            user,item,timestamp
            u,a,3
            u,b,1
            v,x,1
            u,c,2
            u,d,3
            """)
        let split = file.split(holdout: 2)
        #expect(split.map(\.user) == ["u", "v"])
        // By time, then line: b(1) c(2) a(3, line 2) d(3, line 6).
        #expect(split[0].training.map(\.item) == ["b", "c"])
        #expect(split[0].heldOut.map(\.item) == ["a", "d"])
        // Too few to hold anything out.
        #expect(split[1].training.map(\.item) == ["x"])
        #expect(split[1].heldOut.isEmpty)
    }

    @Test func theOfflineRecommenderLeavesOutTrainingItems() throws {
        var lines = ["user,item,timestamp"]
        // Two groups of listeners; each listener hears their group's four items in a rotated order.
        var lastItems: [String: String] = [:]
        for user in 0..<32 {
            let group = user % 2 == 0 ? ["a", "b", "c", "d"] : ["w", "x", "y", "z"]
            let shift = (user / 2) % 4
            let items = Array(group[shift...] + group[..<shift])
            for (time, item) in items.enumerated() { lines.append("u\(user),\(item),\(time)") }
            lastItems["u\(user)"] = items.last
        }
        let file = try InteractionFile(parsing: lines.joined(separator: "\r\n"))
        let results = try OfflineRecommender().recommendations(for: file.split(holdout: 1), count: 3)
        #expect(results.count == 32)
        for (user, items) in results {
            // The held-out item is the only one of the group left, and comes first; the rest fill the list.
            #expect(items.first == lastItems[user], "\(user): \(items)")
            #expect(items.count == 3)
            let training = Set(file.split(holdout: 1).first { $0.user == user }!.training.map(\.item))
            #expect(training.isDisjoint(with: items))
        }
    }
}
