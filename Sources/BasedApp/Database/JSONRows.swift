import Foundation

/// Many rows in one bound value: a JSON array of arrays that a statement
/// reads as a table (`json_each` on SQLite, `jsonb_array_elements` on
/// PostgreSQL). A statement of a thousand rows then binds one value instead
/// of thousands, and binding, not the database, is what large multi-row
/// statements spend their time on (analytics' rollup, docs/decisions.md).
///
///     let rows = JSONRows(dialect, [.uuid, .int])
///     for chunk in rows.chunks(values) {
///         try await sql.raw("INSERT INTO t (a, b) SELECT \(unsafeRaw: rows.cells) FROM \(unsafeRaw: rows.open)\(bind: chunk)\(unsafeRaw: rows.close) WHERE true").run()
///     }
struct JSONRows: Sendable {
    enum Kind: Sendable { case uuid, int, text, blob }

    enum Cell: Sendable {
        case uuid(UUID)
        case int(Int)
        case text(String)
        /// Written as hex; nil is SQL NULL.
        case blob([UInt8]?)
    }

    /// Rows per statement at most, and (roughly) bytes of JSON.
    static let maxRows = 2_000
    static let maxBytes = 1 << 20

    let dialect: Database.Dialect
    let kinds: [Kind]

    init(_ dialect: Database.Dialect, _ kinds: [Kind]) {
        self.dialect = dialect
        self.kinds = kinds
    }

    /// Before the bound JSON in a `FROM`.
    var open: String { dialect == .sqlite ? "json_each(" : "jsonb_array_elements(" }
    /// After it: the rows are `r`.
    var close: String { dialect == .sqlite ? ") AS r" : "::jsonb) AS r(value)" }

    /// Column `index` of a row, as SQL of its kind.
    func cell(_ index: Int) -> String {
        let text = "(r.value ->> \(index))"
        switch (kinds[index], dialect) {
        case (.blob, .sqlite): return "unhex(r.value ->> \(index))"
        case (.blob, .postgres): return "decode(r.value ->> \(index), 'hex')"
        case (.uuid, .postgres): return "\(text)::uuid"
        case (.int, .postgres): return "\(text)::bigint"
        default: return text
        }
    }

    /// Every column, in order, for a `SELECT`.
    var cells: String { kinds.indices.map(cell).joined(separator: ", ") }

    /// The rows as JSON texts, each small enough for one statement.
    func chunks(_ rows: [[Cell]]) -> [String] {
        var chunks: [String] = []
        var current = "["
        var count = 0
        for row in rows {
            if count > 0 { current += "," }
            current += "["
            for (index, cell) in row.enumerated() {
                if index > 0 { current += "," }
                Self.write(cell, into: &current)
            }
            current += "]"
            count += 1
            if count >= Self.maxRows || current.utf8.count >= Self.maxBytes {
                chunks.append(current + "]")
                current = "["
                count = 0
            }
        }
        if count > 0 { chunks.append(current + "]") }
        return chunks
    }

    private static func write(_ cell: Cell, into out: inout String) {
        switch cell {
        case .uuid(let id): out += "\"\(id.uuidString)\""
        case .int(let value): out += String(value)
        case .text(let text): writeString(text, into: &out)
        case .blob(nil): out += "null"
        case .blob(let bytes?):
            var hex = [UInt8](repeating: 0, count: bytes.count * 2 + 2)
            hex[0] = UInt8(ascii: "\"")
            for (index, byte) in bytes.enumerated() {
                hex[1 + 2 * index] = hexDigits[Int(byte >> 4)]
                hex[2 + 2 * index] = hexDigits[Int(byte & 15)]
            }
            hex[hex.count - 1] = UInt8(ascii: "\"")
            out += String(decoding: hex, as: UTF8.self)
        }
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    /// A JSON string literal: quotes, backslashes and control characters escaped.
    private static func writeString(_ text: String, into out: inout String) {
        out += "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case _ where scalar.value < 0x20: out += String(format: "\\u%04x", scalar.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        out += "\""
    }
}
