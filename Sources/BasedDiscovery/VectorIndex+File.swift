import Foundation

/// The index as a file: a 56-byte header, then the keys, each node's layer and
/// flags, the vectors (unpadded), each node's lists (a 16-bit count, then
/// 32-bit node numbers: bottom layer for every node, then layers 1…L for the
/// nodes that have them), and a checksum over everything before it. All
/// numbers little-endian.
///
///     offset  size  field
///          0     8  "BASEDANN"
///          8     4  format version (1)
///         12     1  metric (1 euclidean, 2 cosine), then 3 zero bytes
///         16     4  dimension
///         20     4  neighbours (M)
///         24     4  efConstruction
///         28     4  nodes, deleted ones included
///         32     4  entry point (-1 when empty)
///         36     4  top layer
///         40     8  seed
///         48     8  the layer generator's state, so inserts after loading stay deterministic
extension VectorIndex {
    static let fileMagic = Array("BASEDANN".utf8)
    static let fileVersion: UInt32 = 1
    static let headerSize = 56

    /// Writes the index to `url` (atomically: a reader never sees half a file).
    public func save(to url: URL) throws {
        do {
            try encoded().write(to: url, options: .atomic)
        } catch {
            throw VectorIndexError(.fileUnreadable, "could not write \(url.path): \(error)")
        }
    }

    /// Reads an index written by `save(to:)`, refusing a file that is not one,
    /// is cut short, or fails its checksum or structural checks.
    public static func load(from url: URL) throws -> VectorIndex {
        let data: Data
        do {
            data = try Data(contentsOf: url, options: .mappedIfSafe)
        } catch {
            throw VectorIndexError(.fileUnreadable, "could not read \(url.path): \(error)")
        }
        return try VectorIndex(decoding: data)
    }

    /// The file's bytes.
    public func encoded() -> Data {
        var out = ByteWriter()
        out.bytes.reserveCapacity(Self.headerSize + slotCount * (18 + dimension * 4 + 2 + bottomDegree * 2) + upperLinks.count * 4 + 8)
        out.bytes.append(contentsOf: Self.fileMagic)
        out.put(Self.fileVersion)
        out.put(metric.rawValue)
        out.put(UInt8(0)); out.put(UInt8(0)); out.put(UInt8(0))
        out.put(UInt32(dimension))
        out.put(UInt32(configuration.neighbours))
        out.put(UInt32(configuration.efConstruction))
        out.put(UInt32(slotCount))
        out.put(entryPoint)
        out.put(UInt32(topLevel))
        out.put(configuration.seed)
        out.put(random.state)
        for key in keys {
            withUnsafeBytes(of: key.uuid) { out.bytes.append(contentsOf: $0) }
        }
        out.bytes.append(contentsOf: levels)
        out.bytes.append(contentsOf: isDeleted.map { $0 ? UInt8(1) : 0 })
        for slot in 0..<slotCount {
            for i in 0..<dimension { out.put(vectors[slot * stride + i].bitPattern) }
        }
        withGraph { graph in
            for slot in 0..<Int32(slotCount) { out.putList(graph.neighbours(of: slot, level: 0)) }
            for slot in 0..<Int32(slotCount) where levels[Int(slot)] > 0 {
                for level in 1...Int(levels[Int(slot)]) { out.putList(graph.neighbours(of: slot, level: level)) }
            }
        }
        out.put(FileChecksum.of(out.bytes[...]))
        return Data(out.bytes)
    }

    /// An index from the bytes `encoded()` gave.
    public init(decoding data: Data) throws {
        self = try data.withUnsafeBytes { try Self.decode(ByteReader(bytes: $0)) }
    }

    private static func decode(_ input: ByteReader) throws -> VectorIndex {
        var input = input
        guard input.bytes.count >= fileMagic.count, Array(input.bytes[0..<fileMagic.count]) == fileMagic else {
            throw VectorIndexError(.notAnIndex, "the file does not start with BASEDANN: not a Based vector index")
        }
        input.offset = fileMagic.count
        let version = try input.get(UInt32.self)
        guard version == fileVersion else {
            throw VectorIndexError(.unsupportedVersion, "the file is format version \(version); this build reads version \(fileVersion)")
        }
        let metricCode = try input.get(UInt8.self)
        guard let metric = VectorMetric(rawValue: metricCode) else {
            throw VectorIndexError(.corrupt, "unknown metric in the header")
        }
        input.offset += 3
        let dimension = try Int(input.get(UInt32.self))
        let neighbours = try Int(input.get(UInt32.self))
        let efConstruction = try Int(input.get(UInt32.self))
        let nodes = try Int(input.get(UInt32.self))
        let entryPoint = try input.get(Int32.self)
        let topLevel = try Int(input.get(UInt32.self))
        let seed = try input.get(UInt64.self)
        let state = try input.get(UInt64.self)

        var index: VectorIndex
        do {
            index = try VectorIndex(Configuration(dimension: dimension, metric: metric, neighbours: neighbours, efConstruction: efConstruction, seed: seed))
        } catch let error as VectorIndexError {
            throw VectorIndexError(.corrupt, "the header holds an impossible configuration: \(error.message)")
        }
        guard nodes < Int(Int32.max), nodes * (16 + 2 + dimension * 4 + 2) <= input.remaining else {
            throw VectorIndexError(.truncated, "the header promises \(nodes) vectors, more than the \(input.bytes.count)-byte file holds")
        }
        guard nodes == 0 ? entryPoint == -1 : (0..<Int32(nodes)).contains(entryPoint), topLevel <= maximumLevel else {
            throw VectorIndexError(.corrupt, "the entry point \(entryPoint) or top layer \(topLevel) does not fit \(nodes) nodes")
        }
        index.random.state = state
        index.entryPoint = entryPoint
        index.topLevel = topLevel

        index.keys = try (0..<nodes).map { _ in try UUID(uuid: input.getUUID()) }
        index.levels = Array(try input.take(nodes))
        index.isDeleted = try input.take(nodes).map { $0 != 0 }
        let stride = index.stride
        index.vectors = [Float](repeating: 0, count: nodes * stride)
        for slot in 0..<nodes {
            for i in 0..<dimension {
                let value = Float(bitPattern: try input.get(UInt32.self))
                guard value.isFinite else { throw VectorIndexError(.corrupt, "vector \(slot) holds a non-finite number") }
                index.vectors[slot * stride + i] = value
            }
        }
        let bottomDegree = index.bottomDegree, upperDegree = index.upperDegree
        index.bottomLinks = [Int32](repeating: 0, count: nodes * (bottomDegree + 1))
        for slot in 0..<nodes {
            try input.getList(into: &index.bottomLinks, at: slot * (bottomDegree + 1), limit: bottomDegree, nodes: nodes, owner: slot)
        }
        for slot in 0..<nodes {
            let level = Int(index.levels[slot])
            guard level <= topLevel else {
                throw VectorIndexError(.corrupt, "node \(slot) is on layer \(level), above the top layer \(topLevel)")
            }
            guard level > 0 else {
                index.upperStart.append(-1)
                continue
            }
            let first = index.upperLinks.count
            index.upperStart.append(Int32(first))
            index.upperLinks.append(contentsOf: repeatElement(0, count: level * (upperDegree + 1)))
            for layer in 1...level {
                try input.getList(into: &index.upperLinks, at: first + (layer - 1) * (upperDegree + 1), limit: upperDegree, nodes: nodes, owner: slot)
            }
        }
        guard input.remaining >= 8 else {
            throw VectorIndexError(.truncated, "the file ends before its checksum")
        }
        let body = input.offset
        let stored = try input.get(UInt64.self)
        guard input.remaining == 0 else {
            throw VectorIndexError(.corrupt, "\(input.remaining) unexpected bytes after the checksum")
        }
        guard FileChecksum.of(input.bytes[0..<body]) == stored else {
            throw VectorIndexError(.corrupt, "the checksum does not match: the file was damaged")
        }
        if nodes > 0, Int(index.levels[Int(entryPoint)]) != topLevel {
            throw VectorIndexError(.corrupt, "the entry point is not on the top layer")
        }
        for slot in 0..<nodes where !index.isDeleted[slot] {
            guard index.slots.updateValue(Int32(slot), forKey: index.keys[slot]) == nil else {
                throw VectorIndexError(.corrupt, "key \(index.keys[slot]) is present twice")
            }
        }
        return index
    }
}

/// FNV-1a over the file taken as 64-bit little-endian words (the last one
/// zero-padded): a word at a time is fast enough for a gigabyte, and any
/// damaged byte changes it.
enum FileChecksum {
    static func of(_ bytes: some Collection<UInt8>) -> UInt64 {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        var word: UInt64 = 0
        var shift: UInt64 = 0
        for byte in bytes {
            word |= UInt64(byte) << shift
            shift += 8
            if shift == 64 {
                hash = (hash ^ word) &* 0x0000_0100_0000_01B3
                word = 0
                shift = 0
            }
        }
        if shift > 0 { hash = (hash ^ word) &* 0x0000_0100_0000_01B3 }
        return hash
    }
}

struct ByteWriter {
    var bytes: [UInt8] = []

    mutating func put<T: FixedWidthInteger>(_ value: T) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    mutating func putList(_ list: UnsafeBufferPointer<Int32>) {
        put(UInt16(list.count))
        for node in list { put(node) }
    }
}

struct ByteReader {
    let bytes: UnsafeRawBufferPointer
    var offset = 0

    var remaining: Int { bytes.count - offset }

    mutating func take(_ count: Int) throws -> UnsafeRawBufferPointer {
        guard count <= remaining else {
            throw VectorIndexError(.truncated, "the file ends at byte \(bytes.count), before the index does")
        }
        defer { offset += count }
        return UnsafeRawBufferPointer(rebasing: bytes[offset..<offset + count])
    }

    mutating func get<T: FixedWidthInteger>(_: T.Type) throws -> T {
        let raw = try take(MemoryLayout<T>.size)
        return T(littleEndian: raw.loadUnaligned(as: T.self))
    }

    mutating func getUUID() throws -> uuid_t {
        try take(16).loadUnaligned(as: uuid_t.self)
    }

    /// Reads one list into `links` at `start` (count, then nodes), checking it.
    mutating func getList(into links: inout [Int32], at start: Int, limit: Int, nodes: Int, owner: Int) throws {
        let count = Int(try get(UInt16.self))
        guard count <= limit else {
            throw VectorIndexError(.corrupt, "node \(owner) has \(count) links, more than \(limit)")
        }
        links[start] = Int32(count)
        for i in 0..<count {
            let node = try get(Int32.self)
            guard (0..<Int32(nodes)).contains(node), Int(node) != owner else {
                throw VectorIndexError(.corrupt, "node \(owner) links to \(node), which is not another node")
            }
            links[start + 1 + i] = node
        }
    }
}
