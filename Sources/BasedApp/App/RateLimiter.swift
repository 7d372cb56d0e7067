import Foundation
import Synchronization

/// Token buckets per key (an IP address, an account): `burst` requests at once,
/// refilled at `perMinute`. Kept in memory, so each server process counts alone.
/// A lock, not an actor: every request takes a token, and a hop to an actor's
/// executor and back cost more than the arithmetic it guards.
public final class RateLimiter: Sendable {
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
    private let buckets = Mutex<[String: Bucket]>([:])
    private let clock = ContinuousClock()
    /// Past this many keys, full buckets are dropped.
    private let pruneThreshold = 10_000

    public init(burst: Int, perMinute: Int) {
        self.burst = Double(max(1, burst))
        self.refillPerSecond = Double(max(1, perMinute)) / 60
    }

    /// Takes one token for `key`, or says how many seconds until one is free.
    public func take(_ key: String) -> Decision {
        let now = clock.now
        return buckets.withLock { buckets in
            var bucket = refreshed(buckets[key], now: now)
            guard bucket.tokens >= 1 else {
                buckets[key] = bucket
                let wait = (1 - bucket.tokens) / refillPerSecond
                return .limited(retryAfter: max(1, Int(wait.rounded(.up))))
            }
            bucket.tokens -= 1
            buckets[key] = bucket
            // Past the threshold, full buckets are dropped so memory stays bounded.
            if buckets.count > pruneThreshold { buckets = buckets.filter { tokens(in: $0.value, at: now) < burst } }
            return .allowed
        }
    }

    /// Seconds until `key` has a token again, or nil when it has one now; takes nothing.
    public func wait(_ key: String) -> Int? {
        let now = clock.now
        let bucket = buckets.withLock { refreshed($0[key], now: now) }
        guard bucket.tokens < 1 else { return nil }
        return max(1, Int(((1 - bucket.tokens) / refillPerSecond).rounded(.up)))
    }

    /// Forgets `key`, as after a successful sign-in.
    public func reset(_ key: String) {
        _ = buckets.withLock { $0.removeValue(forKey: key) }
    }

    private func refreshed(_ bucket: Bucket?, now: ContinuousClock.Instant) -> Bucket {
        guard let bucket else { return Bucket(tokens: burst, updated: now) }
        return Bucket(tokens: tokens(in: bucket, at: now), updated: now)
    }

    /// The bucket's tokens after refilling for the time since it was last touched.
    private func tokens(in bucket: Bucket, at now: ContinuousClock.Instant) -> Double {
        min(burst, bucket.tokens + bucket.updated.duration(to: now).seconds * refillPerSecond)
    }
}
