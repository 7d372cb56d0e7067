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

    /// Whether `key` has a token left, without taking it.
    public func check(_ key: String) -> Decision {
        let bucket = refreshed(key, now: clock.now)
        guard bucket.tokens >= 1 else {
            return .limited(retryAfter: max(1, Int(((1 - bucket.tokens) / refillPerSecond).rounded(.up))))
        }
        return .allowed
    }

    /// Forgets `key`, as after a successful sign-in.
    public func reset(_ key: String) {
        buckets[key] = nil
    }

    private func refreshed(_ key: String, now: ContinuousClock.Instant) -> Bucket {
        guard var bucket = buckets[key] else { return Bucket(tokens: burst, updated: now) }
        let elapsed = bucket.updated.duration(to: now)
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        bucket.tokens = min(burst, bucket.tokens + seconds * refillPerSecond)
        bucket.updated = now
        return bucket
    }

    private func prune(now: ContinuousClock.Instant) {
        buckets = buckets.filter { refreshedTokens($0.value, now: now) < burst }
    }

    private func refreshedTokens(_ bucket: Bucket, now: ContinuousClock.Instant) -> Double {
        let elapsed = bucket.updated.duration(to: now)
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        return min(burst, bucket.tokens + seconds * refillPerSecond)
    }
}
