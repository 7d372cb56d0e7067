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
