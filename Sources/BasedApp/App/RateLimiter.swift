import Foundation

/// Token buckets per key (an IP address, an account): `burst` requests at once,
/// refilled at `perMinute`. Kept in memory, so each server process counts alone.
public actor RateLimiter {
    public enum Decision: Equatable, Sendable {
        case allowed
        case limited(retryAfter: Int)
    }

    private struct Bucket {
        var tokens: Double
        var updated: ContinuousClock.Instant
    }

    private let burst: Double
    private let refillPerSecond: Double
    private var buckets: [String: Bucket] = [:]
    private let clock = ContinuousClock()
    /// Past this many keys, full buckets are dropped so memory stays bounded.
    private let pruneThreshold = 10_000

    public init(burst: Int, perMinute: Int) {
        self.burst = Double(max(1, burst))
        self.refillPerSecond = Double(max(1, perMinute)) / 60
    }

    /// Takes one token for `key`, or says how many seconds until one is free.
    public func take(_ key: String) -> Decision {
        let now = clock.now
        var bucket = refreshed(key, now: now)
        guard bucket.tokens >= 1 else {
            buckets[key] = bucket
            let wait = (1 - bucket.tokens) / refillPerSecond
            return .limited(retryAfter: max(1, Int(wait.rounded(.up))))
        }
        bucket.tokens -= 1
        buckets[key] = bucket
        if buckets.count > pruneThreshold { prune(now: now) }
        return .allowed
    }

    /// Seconds until `key` has a token again, or nil when it has one now; takes nothing.
    public func wait(_ key: String) -> Int? {
        let bucket = refreshed(key, now: clock.now)
        guard bucket.tokens < 1 else { return nil }
        return max(1, Int(((1 - bucket.tokens) / refillPerSecond).rounded(.up)))
    }

    /// Forgets `key`, as after a successful sign-in.
    public func reset(_ key: String) {
        buckets[key] = nil
    }

    private func refreshed(_ key: String, now: ContinuousClock.Instant) -> Bucket {
        guard let bucket = buckets[key] else { return Bucket(tokens: burst, updated: now) }
        return Bucket(tokens: tokens(in: bucket, at: now), updated: now)
    }

    private func prune(now: ContinuousClock.Instant) {
        buckets = buckets.filter { tokens(in: $0.value, at: now) < burst }
    }

    /// The bucket's tokens after refilling for the time since it was last touched.
    private func tokens(in bucket: Bucket, at now: ContinuousClock.Instant) -> Double {
        min(burst, bucket.tokens + bucket.updated.duration(to: now).seconds * refillPerSecond)
    }
}
