/// Mean and population standard deviation of a stream of values, accumulated in
/// Double so that hours of frames lose no precision (Welford's update).
struct RunningMoments: Sendable {
    private(set) var count = 0
    private var runningMean = 0.0
    private var squaredDeviations = 0.0

    mutating func add(_ value: Double) {
        guard value.isFinite else { return }
        count += 1
        let delta = value - runningMean
        runningMean += delta / Double(count)
        squaredDeviations += delta * (value - runningMean)
    }

    var mean: Double { count > 0 ? runningMean : 0 }
    var standardDeviation: Double { count > 0 ? (max(squaredDeviations, 0) / Double(count)).squareRoot() : 0 }
    var summary: Summary { Summary(mean: mean, std: standardDeviation) }
}

/// A feature's mean and population standard deviation over the frames of a track
/// (as `np.mean` / `np.std` over librosa's frame axis).
public struct Summary: Codable, Sendable, Equatable {
    public var mean: Double
    public var std: Double

    public init(mean: Double, std: Double) {
        self.mean = mean
        self.std = std
    }
}

enum Correlation {
    /// Pearson correlation; 0 when either side is constant, so digital silence never yields NaN.
    static func pearson(_ x: [Double], _ y: [Double]) -> Double {
        precondition(x.count == y.count)
        guard !x.isEmpty else { return 0 }
        let meanX = x.reduce(0, +) / Double(x.count), meanY = y.reduce(0, +) / Double(y.count)
        var covariance = 0.0, varianceX = 0.0, varianceY = 0.0
        for i in x.indices {
            let dx = x[i] - meanX, dy = y[i] - meanY
            covariance += dx * dy
            varianceX += dx * dx
            varianceY += dy * dy
        }
        let denominator = (varianceX * varianceY).squareRoot()
        guard denominator > 1e-12, denominator.isFinite else { return 0 }
        return covariance / denominator
    }
}
