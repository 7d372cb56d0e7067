import Foundation

/// The distinct listeners of a day (of a track, a catalogue, a city…), small
/// enough to keep per day and mergeable into weeks, months and totals.
///
/// A HyperLogLog (Flajolet et al. 2007) with the sparse start of HLL++
/// (Heule et al. 2013): up to `sparseLimit` listeners it keeps their 64-bit
/// hashes, so small counts are exact; beyond that 2^12 one-byte registers,
/// a standard error of 1.04/√4096 ≈ 1.6 %. Both forms are 4 KiB at most.
/// Pure: no I/O, so its tests are fast.
public struct ListenerSketch: Sendable, Equatable {
    public static let precision = 12
    public static let registerCount = 1 << precision
    /// Hashes kept exactly before switching to registers (the same 4 KiB).
    public static let sparseLimit = registerCount / 8

    enum Storage: Equatable {
        /// Sorted, distinct.
        case sparse([UInt64])
        case dense([UInt8])
    }

    private(set) var storage: Storage

    public init() { storage = .sparse([]) }

    public var isExact: Bool {
        if case .sparse = storage { return true }
        return false
    }

    public mutating func insert(_ hash: UInt64) {
        switch storage {
        case .sparse(var hashes):
            let at = hashes.insertionIndex(of: hash)
            guard at == hashes.count || hashes[at] != hash else { return }
            hashes.insert(hash, at: at)
            storage = .sparse(hashes)
            if hashes.count > Self.sparseLimit { densify() }
        case .dense(var registers):
            Self.add(hash, to: &registers)
            storage = .dense(registers)
        }
    }

    public mutating func formUnion(_ other: ListenerSketch) {
        switch (storage, other.storage) {
        case (.sparse(let mine), .sparse(let theirs)):
            storage = .sparse(Self.mergeSorted(mine, theirs))
            if case .sparse(let merged) = storage, merged.count > Self.sparseLimit { densify() }
        case (.dense(var registers), .sparse(let theirs)):
            storage = .sparse([])
            for hash in theirs { Self.add(hash, to: &registers) }
            storage = .dense(registers)
        case (.sparse(let mine), .dense(var registers)):
            for hash in mine { Self.add(hash, to: &registers) }
            storage = .dense(registers)
        case (.dense(var registers), .dense(let theirs)):
            storage = .sparse([])  // lets go of the registers, so they change in place rather than copied
            registers.withUnsafeMutableBufferPointer { mine in
                theirs.withUnsafeBufferPointer { theirs in
                    for index in 0..<Self.registerCount where theirs[index] > mine[index] { mine[index] = theirs[index] }
                }
            }
            storage = .dense(registers)
        }
    }

    /// Distinct listeners: exact while sparse, estimated once dense.
    public var count: Int {
        switch storage {
        case .sparse(let hashes):
            return hashes.count
        case .dense(let registers):
            let m = Double(Self.registerCount)
            var sum = 0.0
            var zeros = 0
            Self.inversePowers.withUnsafeBufferPointer { inverse in
                for register in registers {
                    sum += inverse[Int(register & 63)]
                    if register == 0 { zeros += 1 }
                }
            }
            let alpha = 0.7213 / (1 + 1.079 / m)
            let raw = alpha * m * m / sum
            // Linear counting where it is the better estimate (small ranges).
            if raw <= 2.5 * m, zeros > 0 { return Int((m * log(m / Double(zeros))).rounded()) }
            return Int(raw.rounded())
        }
    }

    // MARK: Stored form

    /// One tag byte (1 sparse, 2 dense), then the hashes (little-endian) or the registers.
    public var encoded: [UInt8] {
        switch storage {
        case .sparse(let hashes):
            var bytes: [UInt8] = [1]
            bytes.reserveCapacity(1 + hashes.count * 8)
            for hash in hashes { withUnsafeBytes(of: hash.littleEndian) { bytes.append(contentsOf: $0) } }
            return bytes
        case .dense(let registers):
            return [2] + registers
        }
    }

    /// Reads a stored sketch; nil for bytes that are not one.
    public init?(encoded bytes: some Collection<UInt8>) {
        let read = bytes.withContiguousStorageIfAvailable { Self.decode($0) } ?? Array(bytes).withUnsafeBufferPointer { Self.decode($0) }
        guard let read else { return nil }
        storage = read
    }

    private static func decode(_ bytes: UnsafeBufferPointer<UInt8>) -> Storage? {
        guard let tag = bytes.first else { return nil }
        let body = UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(bytes)[1...])
        switch tag {
        case 1:
            guard body.count % 8 == 0 else { return nil }
            let hashes = (0..<(body.count / 8)).map { UInt64(littleEndian: body.loadUnaligned(fromByteOffset: $0 * 8, as: UInt64.self)) }
            for index in hashes.indices.dropFirst() where hashes[index - 1] >= hashes[index] { return nil }
            return .sparse(hashes)
        case 2:
            guard body.count == registerCount else { return nil }
            return .dense(Array(body))
        default:
            return nil
        }
    }

    /// 2^-r for every rank a register can hold.
    private static let inversePowers: [Double] = (0..<64).map { 1 / Double(UInt64(1) << UInt64($0)) }

    // MARK: Registers

    private mutating func densify() {
        guard case .sparse(let hashes) = storage else { return }
        var registers = [UInt8](repeating: 0, count: Self.registerCount)
        for hash in hashes { Self.add(hash, to: &registers) }
        storage = .dense(registers)
    }

    /// The first `precision` bits choose the register; it keeps the longest
    /// run of leading zeros (plus one) seen in the rest.
    private static func add(_ hash: UInt64, to registers: inout [UInt8]) {
        let index = Int(hash >> UInt64(64 - precision))
        let rest = (hash << UInt64(precision)) | (1 << UInt64(precision - 1))
        let rank = UInt8(rest.leadingZeroBitCount + 1)
        if rank > registers[index] { registers[index] = rank }
    }

    private static func mergeSorted(_ a: [UInt64], _ b: [UInt64]) -> [UInt64] {
        var merged: [UInt64] = []
        merged.reserveCapacity(a.count + b.count)
        var i = 0, j = 0
        while i < a.count, j < b.count {
            if a[i] < b[j] { merged.append(a[i]); i += 1 }
            else if b[j] < a[i] { merged.append(b[j]); j += 1 }
            else { merged.append(a[i]); i += 1; j += 1 }
        }
        merged.append(contentsOf: a[i...])
        merged.append(contentsOf: b[j...])
        return merged
    }
}

extension [UInt64] {
    /// Where `value` is or would go, in a sorted array.
    fileprivate func insertionIndex(of value: UInt64) -> Int {
        var low = 0, high = count
        while low < high {
            let mid = (low + high) / 2
            if self[mid] < value { low = mid + 1 } else { high = mid }
        }
        return low
    }
}
