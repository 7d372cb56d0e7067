import ArgumentParser
import BasedDiscovery
import Foundation

struct Recommend: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Recommendation tools.", subcommands: [Evaluate.self])

    /// The offline half of `make eval-recs`: the collaborative component the
    /// server uses, on a held-out split of any interaction log.
    struct Evaluate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Hold out each user's last interactions, train the server's collaborative model on the rest, and write every such user's top items.",
            discussion: """
            The input is CSV with a header naming user, item, timestamp and optionally weight \
            (any order; no other columns). Users with more than --holdout interactions have their \
            last --holdout (by timestamp, then line) held out. The output is CSV: user,item,rank, \
            the top --top items per held-out user, leaving out what they trained with.
            """
        )
        @Option(help: "The interaction log (CSV).") var interactions: String
        @Option(help: "Interactions held out per user.") var holdout = 5
        @Option(help: "Items written per user.") var top = 20
        @Option(help: "Where the recommendations go (CSV); standard output when absent.") var output: String?
        @Option(help: "EASE's ridge penalty.") var lambda = CollaborativeModel<String>.Settings().lambda
        @Option(help: "The most items the model keeps (the most-touched).") var maxItems = 20_000
        @Option(help: "Recency half-life, in interactions.") var halfLife = OfflineRecommender.Recency.standard.halfLife
        @Option(help: "The weight of the oldest interactions, 0…1.") var recencyFloor = OfflineRecommender.Recency.standard.floor

        func validate() throws {
            guard holdout >= 1 else { throw ValidationError("--holdout must be at least 1") }
            guard (1...1_000).contains(top) else { throw ValidationError("--top must be 1…1000") }
            guard (1...40_000).contains(maxItems) else { throw ValidationError("--max-items must be 1…40000") }
        }

        func run() async throws {
            let started = ContinuousClock.now
            let text: String
            do {
                text = try String(contentsOfFile: interactions, encoding: .utf8)
            } catch {
                throw failure("cannot read \(interactions): \(error.localizedDescription)")
            }
            let file: InteractionFile
            do {
                file = try InteractionFile(parsing: text)
            } catch {
                throw failure("\(interactions): \(error)")
            }
            let split = file.split(holdout: holdout)
            let recommender = OfflineRecommender(
                model: .init(lambda: lambda, maxItems: maxItems),
                recency: .init(halfLife: halfLife, floor: recencyFloor)
            )
            let results: [(user: String, items: [String])]
            do {
                results = try recommender.recommendations(for: split, count: top)
            } catch {
                throw failure("\(error)")
            }
            var csv = "user,item,rank\n"
            for (user, items) in results {
                for (rank, item) in items.enumerated() { csv += "\(user),\(item),\(rank + 1)\n" }
            }
            if let output {
                do {
                    try Data(csv.utf8).write(to: URL(fileURLWithPath: output))
                } catch {
                    throw failure("cannot write \(output): \(error.localizedDescription)")
                }
            } else {
                FileHandle.standardOutput.write(Data(csv.utf8))
            }
            let seconds = (ContinuousClock.now - started).components
            FileHandle.standardError.write(Data((
                "based recommend evaluate: \(file.interactions.count) interactions, \(split.count) users, "
                    + "\(results.count) evaluated, \(Double(seconds.seconds) + Double(seconds.attoseconds) / 1e18) s\n"
            ).utf8))
        }

        private func failure(_ message: String) -> any Error {
            FileHandle.standardError.write(Data("based recommend evaluate: \(message)\n".utf8))
            return ExitCode(2)
        }
    }
}
