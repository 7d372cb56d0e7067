/// What the audio analysis says about how a track feels: tempo, energy
/// (mean RMS), brightness (mean spectral centroid) and mode.
public struct AudioTraits: Sendable, Equatable {
    public var tempo: Double?
    public var energy: Double
    public var brightness: Double
    /// True for a major key, false for minor, nil when the key is unclear.
    public var major: Bool?

    public init(tempo: Double?, energy: Double, brightness: Double, major: Bool?) {
        self.tempo = tempo
        self.energy = energy
        self.brightness = brightness
        self.major = major
    }
}

/// Where a track's traits fall within the catalogue, each 0…1 (its
/// percentile), so "energetic" means energetic for this scene's music.
public struct TraitScale: Sendable {
    private let tempos: [Double]
    private let energies: [Double]
    private let brightnesses: [Double]

    public init(_ traits: some Sequence<AudioTraits>) {
        var tempos: [Double] = [], energies: [Double] = [], brightnesses: [Double] = []
        for trait in traits {
            if let tempo = trait.tempo { tempos.append(tempo) }
            energies.append(trait.energy)
            brightnesses.append(trait.brightness)
        }
        self.tempos = tempos.sorted()
        self.energies = energies.sorted()
        self.brightnesses = brightnesses.sorted()
    }

    public struct Position: Sendable, Equatable {
        public var tempo: Double?
        public var energy: Double
        public var brightness: Double
        public var major: Double?
    }

    public func position(of traits: AudioTraits) -> Position {
        Position(
            tempo: traits.tempo.map { Self.percentile($0, in: tempos) },
            energy: Self.percentile(traits.energy, in: energies),
            brightness: Self.percentile(traits.brightness, in: brightnesses),
            major: traits.major.map { $0 ? 1 : 0 }
        )
    }

    /// The share of values below `value`, counting equal ones half (0.5 for an empty scale).
    static func percentile(_ value: Double, in sorted: [Double]) -> Double {
        guard !sorted.isEmpty else { return 0.5 }
        let below = lowerBound(value, in: sorted)
        var equal = below
        while equal < sorted.count, sorted[equal] == value { equal += 1 }
        return (Double(below) + Double(equal - below) / 2) / Double(sorted.count)
    }

    private static func lowerBound(_ value: Double, in sorted: [Double]) -> Int {
        var low = 0, high = sorted.count
        while low < high {
            let middle = (low + high) / 2
            if sorted[middle] < value { low = middle + 1 } else { high = middle }
        }
        return low
    }
}

/// A mood a listener can ask for, as a target in trait percentiles.
public enum Mood: String, Sendable, CaseIterable {
    case calm, chill, happy, melancholic, upbeat, energetic

    /// (tempo, energy, brightness, major) the mood aims at; nil where it does not care.
    var target: (tempo: Double?, energy: Double?, brightness: Double?, major: Double?) {
        switch self {
        case .calm: (0.25, 0.15, 0.3, nil)
        case .chill: (0.4, 0.35, 0.4, nil)
        case .happy: (0.65, 0.6, 0.65, 1)
        case .melancholic: (0.35, 0.3, 0.35, 0)
        case .upbeat: (0.7, 0.7, nil, 1)
        case .energetic: (0.85, 0.9, 0.75, nil)
        }
    }

    /// How well a track at `position` fits, 0…1 (1 is on target).
    public func fit(_ position: TraitScale.Position) -> Double {
        let target = target
        var distance = 0.0, weight = 0.0
        func term(_ wanted: Double?, _ actual: Double?, _ importance: Double) {
            guard let wanted, let actual else { return }
            distance += importance * abs(wanted - actual)
            weight += importance
        }
        term(target.tempo, position.tempo, 1)
        term(target.energy, position.energy, 1.5)
        term(target.brightness, position.brightness, 0.5)
        term(target.major, position.major, 0.75)
        guard weight > 0 else { return 0.5 }
        return max(0, 1 - distance / weight)
    }
}
