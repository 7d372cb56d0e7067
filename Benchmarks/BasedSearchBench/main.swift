import BasedSearch
import Foundation

// `make bench-search` runs this beside the HTTP benchmark: the search index
// alone (no HTTP, no database) over the same generated catalogue, next to a
// linear scan of the same names (the naive `contains` every LIKE '%q%' does).
//
//   BasedSearchBench DOCUMENTS.tsv QUERIES.txt PREFIXES.txt [OUT.json]
//
// DOCUMENTS.tsv: kind, id, title, other names (joined by U+001F), popularity, owner.
// Prints a table (p50/p95/p99 per row) and writes JSON.

func percentile(_ sorted: [Double], _ p: Double) -> Double {
    guard !sorted.isEmpty else { return 0 }
    return sorted[min(sorted.count - 1, max(0, Int((p / 100 * Double(sorted.count)).rounded(.up)) - 1))]
}

func lines(_ path: String) throws -> [String] {
    try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
}

func residentMiB() -> Double {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
    for line in status.split(separator: "\n") where line.hasPrefix("VmRSS:") {
        return Double(line.split(separator: " ")[1]).map { $0 / 1024 } ?? 0
    }
    return 0
}

let arguments = CommandLine.arguments
guard arguments.count >= 4 else {
    FileHandle.standardError.write(Data("usage: BasedSearchBench DOCUMENTS.tsv QUERIES.txt PREFIXES.txt [OUT.json]\n".utf8))
    exit(2)
}
let memoryBefore = residentMiB()
var documents: [SearchDocument] = []
for line in try lines(arguments[1]) {
    let fields = line.split(separator: "\t", omittingEmptySubsequences: false)
    guard fields.count == 6, let kind = SearchKind(rawValue: String(fields[0])), let id = UUID(uuidString: String(fields[1])) else {
        FileHandle.standardError.write(Data("malformed document line: \(line.prefix(80))\n".utf8))
        exit(2)
    }
    documents.append(SearchDocument(
        id: id, kind: kind, title: String(fields[2]),
        alsoKnownAs: fields[3].isEmpty ? [] : fields[3].split(separator: "\u{1F}").map(String.init),
        popularity: Double(fields[4]) ?? 0, owner: UUID(uuidString: String(fields[5]))
    ))
}
let queries = try lines(arguments[2])
let prefixes = try lines(arguments[3])

let clock = ContinuousClock()
var index = SearchIndex()
let buildStart = clock.now
for document in documents { index.upsert(document) }
index.finishBuilding()
let buildSeconds = (clock.now - buildStart) / .seconds(1)
let memoryAfter = residentMiB()

func measure(_ inputs: [String], rounds: Int, _ body: (String) -> Int) -> (p50: Double, p95: Double, p99: Double, results: Double) {
    var times: [Double] = []
    var found = 0
    for _ in 0..<rounds {
        for input in inputs {
            let start = clock.now
            found += body(input)
            times.append((clock.now - start) / .milliseconds(1))
        }
    }
    times.sort()
    return (percentile(times, 50), percentile(times, 95), percentile(times, 99), Double(found) / Double(times.count))
}

// Search asks for a page of 10 (and one more) of every kind; suggestions for 8 in all.
let search = measure(queries, rounds: 3) { index.rankedHits($0, perKind: 11).count }
let suggestions = measure(prefixes, rounds: 3) { index.rankedHits($0, perKind: 8, overall: 8, budget: SearchIndex.suggestionBudget).count }
// The naive reference: every title's key (bytes, normalised once, beforehand)
// searched for the query's key, the way LIKE '%q%' scans a column.
func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
    guard !needle.isEmpty, needle.count <= haystack.count else { return needle.isEmpty }
    return haystack.withUnsafeBufferPointer { h in
        needle.withUnsafeBufferPointer { n in
            for start in 0...(h.count - n.count) where h[start] == n[0] {
                if memcmp(h.baseAddress! + start, n.baseAddress!, n.count) == 0 { return true }
            }
            return false
        }
    }
}
let keys = documents.map { Array(TextKey.normalize($0.title).utf8) }
let naive = measure(queries, rounds: 1) { query in
    let key = Array(TextKey.normalize(query).utf8)
    var taken: [SearchKind: Int] = [:]
    for (position, name) in keys.enumerated() {
        let found = contains(name, key)
        if found { taken[documents[position].kind, default: 0] += 1 }
    }
    return taken.values.reduce(0) { $0 + min($1, 20) }
}

func row(_ name: String, _ figures: (p50: Double, p95: Double, p99: Double, results: Double), _ count: Int) -> String {
    name.padding(toLength: 40, withPad: " ", startingAt: 0)
        + String(format: "%9.3f %9.3f %9.3f %9.1f %8d", figures.p50, figures.p95, figures.p99, figures.results, count)
}
print("search index: \(index.count) documents, \(index.termCount) words; built in \(String(format: "%.1f", buildSeconds)) s; "
    + "\(String(format: "%.0f", memoryAfter - memoryBefore)) MiB resident for the documents and the index")
print("what".padding(toLength: 40, withPad: " ", startingAt: 0) + "   p50 ms    p95 ms    p99 ms  results  queries")
print(row("search (10+1 of every kind)", search, queries.count * 3))
print(row("suggestions (8)", suggestions, prefixes.count * 3))
print(row("naive: scan of every title", naive, queries.count))

if arguments.count > 4 {
    func figures(_ f: (p50: Double, p95: Double, p99: Double, results: Double)) -> [String: Double] {
        ["p50_ms": f.p50, "p95_ms": f.p95, "p99_ms": f.p99, "mean_results": f.results]
    }
    let json: [String: Any] = [
        "documents": index.count, "words": index.termCount, "build_seconds": buildSeconds, "resident_mib": memoryAfter - memoryBefore,
        "search": figures(search), "suggestions": figures(suggestions), "naive_contains": figures(naive),
    ]
    try JSONSerialization.data(withJSONObject: json, options: [.prettyPrinted, .sortedKeys]).write(to: URL(fileURLWithPath: arguments[4]))
}
