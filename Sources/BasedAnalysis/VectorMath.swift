/// Dot products with eight-lane SIMD accumulators: Swift does not reorder float
/// additions on its own, so without these the filterbank and FIR loops run one
/// multiply at a time.
enum VectorMath {
    @inline(__always)
    static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int) -> Float {
        var lanes = SIMD8<Float>()
        var i = 0
        let rawA = UnsafeRawPointer(a), rawB = UnsafeRawPointer(b)
        while i + 8 <= count {
            let x = rawA.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
            let y = rawB.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
            // Not addingProduct: without FMA in the baseline x86-64 target it calls a slow fma().
            lanes += x * y
            i += 8
        }
        var sum = lanes.sum()
        while i < count {
            sum += a[i] * b[i]
            i += 1
        }
        return sum
    }
}

extension VectorMath {
    /// Σ max(0, a[i] − b[i]), eight lanes at a time.
    static func positiveDifferenceSum(_ a: [Float], _ b: [Float]) -> Float {
        precondition(a.count == b.count)
        return a.withUnsafeBufferPointer { a in
            b.withUnsafeBufferPointer { b in
                let rawA = UnsafeRawPointer(a.baseAddress!), rawB = UnsafeRawPointer(b.baseAddress!)
                var lanes = SIMD8<Float>()
                var i = 0
                while i + 8 <= a.count {
                    let difference = rawA.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
                        - rawB.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
                    lanes += difference.replacing(with: 0, where: difference .< 0)
                    i += 8
                }
                var sum = lanes.sum()
                while i < a.count {
                    sum += max(0, a[i] - b[i])
                    i += 1
                }
                return sum
            }
        }
    }
}
