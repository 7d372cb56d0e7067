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

extension VectorMath {
    /// Square roots of eight non-negative values, with vector arithmetic only: Swift's
    /// `squareRoot()` goes lane by lane through libm's `sqrtf` (with its errno branch),
    /// which made the STFT magnitudes a third of the frame analysis. The classic
    /// inverse-square-root estimate, refined by three Newton steps (relative error
    /// 2e-3, 5e-6, then below float rounding), times x. Zero gives zero.
    @inline(__always)
    static func squareRoot(_ x: SIMD8<Float>) -> SIMD8<Float> {
        let bits = unsafeBitCast(x, to: SIMD8<UInt32>.self)
        var y = unsafeBitCast(SIMD8<UInt32>(repeating: 0x5F37_59DF) &- (bits &>> 1), to: SIMD8<Float>.self)
        let half = 0.5 * x
        for _ in 0..<3 { y = y * (1.5 - half * y * y) }
        return x * y
    }

    /// output[i] = a[i] * b[i], eight at a time (the compiler cannot rule out that the
    /// pointers overlap, so it leaves the plain loop scalar).
    @inline(__always)
    static func multiply(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, into output: UnsafeMutablePointer<Float>, count: Int) {
        let rawA = UnsafeRawPointer(a), rawB = UnsafeRawPointer(b), rawOutput = UnsafeMutableRawPointer(output)
        var i = 0
        while i + 8 <= count {
            let product = rawA.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
                * rawB.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
            rawOutput.storeBytes(of: product, toByteOffset: i * 4, as: SIMD8<Float>.self)
            i += 8
        }
        while i < count {
            output[i] = a[i] * b[i]
            i += 1
        }
    }
}
