/// The `capacity` highest-scoring elements offered, kept in a min-heap: for
/// picking the best few of a large set without sorting it.
public struct BestOf<Element> {
    private var heap: [(element: Element, score: Double)] = []
    public let capacity: Int

    public init(_ capacity: Int) {
        self.capacity = max(0, capacity)
        heap.reserveCapacity(self.capacity)
    }

    /// The lowest score kept, once full: anything not above it would be dropped.
    public var threshold: Double? { heap.count == capacity ? heap.first?.score : nil }

    public mutating func offer(_ element: Element, score: Double) {
        guard capacity > 0 else { return }
        if heap.count < capacity {
            heap.append((element, score))
            var child = heap.count - 1
            while child > 0 {
                let parent = (child - 1) / 2
                guard heap[child].score < heap[parent].score else { break }
                heap.swapAt(child, parent)
                child = parent
            }
        } else if score > heap[0].score {
            heap[0] = (element, score)
            var parent = 0
            while true {
                let left = 2 * parent + 1, right = left + 1
                var smallest = parent
                if left < heap.count, heap[left].score < heap[smallest].score { smallest = left }
                if right < heap.count, heap[right].score < heap[smallest].score { smallest = right }
                if smallest == parent { break }
                heap.swapAt(parent, smallest)
                parent = smallest
            }
        }
    }

    /// What was kept, best first (equal scores in no particular order).
    public func sorted() -> [(element: Element, score: Double)] {
        heap.sorted { $0.score > $1.score }
    }
}
