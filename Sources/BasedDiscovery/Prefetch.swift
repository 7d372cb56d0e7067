// The processor's prefetch hint (prefetcht0 on x86-64, prfm on ARM64). Swift's
// standard library has none, so LLVM's intrinsic is named directly: the
// compiler emits a declaration whose name starts with "llvm." as that
// intrinsic (checked: Swift 6.3, -O and -Onone, one `prefetcht0` instruction).
// Should a compiler ever stop doing so, the build fails to link; it cannot
// silently misbehave, because a prefetch changes no result, only timing.
@_silgen_name("llvm.prefetch.p0")
private func llvmPrefetch(_ address: UnsafeRawPointer, _ write: Int32, _ locality: Int32, _ cacheType: Int32)

/// Asks for the cache line at `address` to be fetched for reading, without
/// waiting for it: several such requests overlap, where loads that miss the
/// cache would stall one after another.
@inline(__always)
func prefetch(_ address: UnsafeRawPointer) {
    llvmPrefetch(address, 0, 3, 1)
}
