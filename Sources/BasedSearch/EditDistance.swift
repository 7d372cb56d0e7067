/// Bounded edit distance (optimal string alignment: insertions, deletions,
/// substitutions and swaps of neighbours each cost one) over bytes of
/// normalised text.
public enum EditDistance {
    /// How many typos a word of `length` letters tolerates: one from four
    /// letters, two from eight.
    public static func allowance(forLength length: Int) -> Int {
        length >= 8 ? 2 : (length >= 4 ? 1 : 0)
    }

    /// Whether `a` and `b` are within `limit` edits.
    public static func within(_ limit: Int, _ a: some Collection<UInt8>, _ b: some Collection<UInt8>) -> Bool {
        distance(Array(a), Array(b), limit: limit) <= limit
    }

    /// The distance between `a` and `b`, or `limit + 1` once it is known to exceed `limit`.
    public static func distance(_ a: [UInt8], _ b: [UInt8], limit: Int) -> Int {
        let n = a.count, m = b.count
        if abs(n - m) > limit { return limit + 1 }
        if n == 0 { return m }
        if m == 0 { return n }
        // Three rows: the one before last (for swaps), the last, the current.
        var before = [Int](repeating: 0, count: m + 1)
        var last = Array(0...m)
        var current = [Int](repeating: 0, count: m + 1)
        for i in 1...n {
            current[0] = i
            var rowMinimum = i
            for j in 1...m {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                var value = min(last[j] + 1, current[j - 1] + 1, last[j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    value = min(value, before[j - 2] + 1)
                }
                current[j] = value
                rowMinimum = min(rowMinimum, value)
            }
            if rowMinimum > limit { return limit + 1 }
            swap(&before, &last)
            swap(&last, &current)
        }
        return min(last[m], limit + 1)
    }
}
