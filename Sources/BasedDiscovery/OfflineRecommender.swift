/// What `based recommend evaluate` runs: the collaborative component the
/// server uses, trained on the training part of a split and asked for each
/// held-out user's top items, exactly as the server folds in a listener.
public struct OfflineRecommender: Sendable {
    public var model: CollaborativeModel<String>.Settings
    public var recency: Recency

    /// How a listener's history is weighted when scored (training is unweighted by time).
    public struct Recency: Sendable, Equatable {
        public var halfLife: Double
        public var floor: Double

        public init(halfLife: Double, floor: Double) {
            self.halfLife = halfLife
            self.floor = floor
        }

        /// What the server uses.
        public static let standard = Recency(halfLife: 25, floor: 0.35)
    }

    public init(model: CollaborativeModel<String>.Settings = .init(maxItems: 20_000), recency: Recency = .standard) {
        self.model = model
        self.recency = recency
    }

    /// Each evaluated user (one with held-out interactions) and their top `count` items, best first.
    public func recommendations(for split: [InteractionFile.UserSplit], count: Int) throws(DiscoveryError) -> [(user: String, items: [String])] {
        guard recency.halfLife > 0, (0...1).contains(recency.floor) else { throw .invalidSetting("recency half-life must be positive, floor within 0…1") }
        let histories = split.map { Self.history($0.training) }
        let model = try CollaborativeModel(training: histories.map { $0.map { ($0.item, $0.weight) } }, settings: model)
        var result: [(user: String, items: [String])] = []
        for (user, history) in zip(split, histories) where !user.heldOut.isEmpty {
            let weights = CollaborativeModel<String>.recencyWeights(count: history.count, halfLife: recency.halfLife, floor: recency.floor)
            let weighted = zip(history, weights).map { (item: $0.item, weight: $0.weight * $1) }
            result.append((user.user, model.recommend(for: weighted, count: count, positiveOnly: false).map(\.item)))
        }
        return result
    }

    /// A user's distinct items, oldest first by their latest interaction, each
    /// with its largest weight.
    static func history(_ interactions: [InteractionFile.Interaction]) -> [(item: String, weight: Float)] {
        var latest: [String: (order: Int, weight: Float)] = [:]
        for (order, interaction) in interactions.enumerated() {
            let weight = max(latest[interaction.item]?.weight ?? 0, interaction.weight)
            latest[interaction.item] = (order, weight)
        }
        return latest.sorted { $0.value.order < $1.value.order }.map { ($0.key, $0.value.weight) }
    }
}
