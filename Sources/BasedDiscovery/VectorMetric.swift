/// How the distance between two vectors is measured.
public enum VectorMetric: UInt8, Sendable, Codable, CaseIterable {
    /// Euclidean distance (results report it; the graph orders by its square).
    case euclidean = 1
    /// One minus the cosine similarity: 0 for the same direction, 2 for the
    /// opposite one. Vectors are normalised when they are stored.
    case cosine = 2
}

/// The distance kernels, over vectors padded with zeros to a multiple of
/// eight floats so the loops need no scalar tail.
enum Distance {
    /// How many floats a stored vector of `dimension` takes.
    static func stride(forDimension dimension: Int) -> Int {
        (dimension + 7) & ~7
    }

    /// The distance the graph orders by: the squared Euclidean distance, or
    /// one minus the dot product of two unit vectors.
    @inline(__always)
    static func ordering(_ metric: VectorMetric, _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ count: Int) -> Float {
        switch metric {
        case .euclidean: squaredEuclidean(a, b, count)
        case .cosine: 1 - dot(a, b, count)
        }
    }

    /// What a result reports for an ordering distance.
    @inline(__always)
    static func reported(_ metric: VectorMetric, _ ordering: Float) -> Float {
        switch metric {
        case .euclidean: ordering.squareRoot()
        case .cosine: ordering
        }
    }

    // Sixteen lanes at a time, kept in one SIMD16 accumulator (four
    // independent SSE registers, or one AVX-512 register when compiled for
    // it), then one SIMD8 step for a remainder of eight. No fused
    // multiply-add: without hardware FMA it would become a library call per lane.
    @inline(__always)
    static func squaredEuclidean(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ count: Int) -> Float {
        let ra = UnsafeRawPointer(a), rb = UnsafeRawPointer(b)
        var sum16 = SIMD16<Float>()
        var offset = 0
        let bytes = count &* 4
        while offset &+ 64 <= bytes {
            let d = ra.loadUnaligned(fromByteOffset: offset, as: SIMD16<Float>.self)
                - rb.loadUnaligned(fromByteOffset: offset, as: SIMD16<Float>.self)
            sum16 += d * d
            offset &+= 64
        }
        var sum8 = sum16.lowHalf + sum16.highHalf
        if offset < bytes {
            let d = ra.loadUnaligned(fromByteOffset: offset, as: SIMD8<Float>.self)
                - rb.loadUnaligned(fromByteOffset: offset, as: SIMD8<Float>.self)
            sum8 += d * d
        }
        return horizontalSum(sum8)
    }

    @inline(__always)
    static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ count: Int) -> Float {
        let ra = UnsafeRawPointer(a), rb = UnsafeRawPointer(b)
        var sum16 = SIMD16<Float>()
        var offset = 0
        let bytes = count &* 4
        while offset &+ 64 <= bytes {
            sum16 += ra.loadUnaligned(fromByteOffset: offset, as: SIMD16<Float>.self)
                * rb.loadUnaligned(fromByteOffset: offset, as: SIMD16<Float>.self)
            offset &+= 64
        }
        var sum8 = sum16.lowHalf + sum16.highHalf
        if offset < bytes {
            sum8 += ra.loadUnaligned(fromByteOffset: offset, as: SIMD8<Float>.self)
                * rb.loadUnaligned(fromByteOffset: offset, as: SIMD8<Float>.self)
        }
        return horizontalSum(sum8)
    }

    @inline(__always)
    static func horizontalSum(_ v: SIMD8<Float>) -> Float {
        let four = v.lowHalf + v.highHalf
        let two = four.lowHalf + four.highHalf
        return two[0] + two[1]
    }

    /// Copies `vector` into `destination` (`stride` floats), zero-padded, as
    /// a unit vector for the cosine metric. A zero vector stays zero.
    static func store(_ vector: UnsafeBufferPointer<Float>, metric: VectorMetric, into destination: UnsafeMutablePointer<Float>, stride: Int) {
        var scale: Float = 1
        if metric == .cosine {
            var squares: Double = 0
            for x in vector { squares += Double(x) * Double(x) }
            if squares > 0 { scale = Float(1 / squares.squareRoot()) }
        }
        for i in 0..<vector.count { destination[i] = vector[i] * scale }
        for i in vector.count..<stride { destination[i] = 0 }
    }
}
