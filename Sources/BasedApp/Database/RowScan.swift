import Foundation
import SQLKit

/// A column's value as read back without knowing its table: for exports.
public enum ScannedValue: Encodable, Sendable, Equatable {
    case null, int(Int), double(Double), string(String), bool(Bool), date(Date), bytes(Data)

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .int(let value): try container.encode(value)
        case .double(let value): try container.encode(value)
        case .string(let value): try container.encode(value)
        case .bool(let value): try container.encode(value)
        case .date(let value): try container.encode(value.formatted(.iso8601.year().month().day().time(includingFractionalSeconds: true)))
        case .bytes(let value): try container.encode(value.base64EncodedString())
        }
    }
}

extension Database {
    /// Every table of the schema, with its columns that hold ids.
    func idColumns() async throws -> [(table: String, columns: [String])] {
        var result: [(String, [String])] = []
        switch dialect {
        case .sqlite:
            let tables = try await sql.raw("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
                .all().map { try $0.decode(column: "name", as: String.self) }
            for table in tables {
                let columns = try await sql.raw("SELECT name FROM pragma_table_info(\(bind: table))").all()
                    .map { try $0.decode(column: "name", as: String.self) }
                    .filter { $0 == "id" || $0.hasSuffix("_id") || $0 == "granted_by" || $0 == "acted_by" || $0 == "resolved_by" }
                if !columns.isEmpty { result.append((table, columns)) }
            }
        case .postgres:
            let rows = try await sql.raw("""
                SELECT c.table_name, c.column_name FROM information_schema.columns c
                JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
                WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE' AND c.data_type = 'uuid'
                ORDER BY c.table_name, c.ordinal_position
                """).all()
            for row in rows {
                let table = try row.decode(column: "table_name", as: String.self)
                let column = try row.decode(column: "column_name", as: String.self)
                if result.last?.0 == table { result[result.count - 1].1.append(column) } else { result.append((table, [column])) }
            }
        }
        return result
    }

    /// Every row of every table that names `id` in one of its id columns,
    /// table by table: what a data export gathers, and what an erasure must
    /// leave none of. Reads the schema itself, so tables added later are covered.
    /// Columns in `ignoring` are not matched (where the user is only the
    /// object of someone else's private choice: who blocked or muted them).
    public func rows(naming id: UUID, ignoring: Set<String> = []) async throws -> [(table: String, rows: [[String: ScannedValue]])] {
        var found: [(String, [[String: ScannedValue]])] = []
        for (table, all) in try await idColumns() {
            let columns = all.filter { !ignoring.contains($0) }
            guard !columns.isEmpty else { continue }
            let query = sql.select().column("*").from(table)
            query.where { group in
                for column in columns { group.orWhere(SQLIdentifier(column), .equal, SQLBind(id)) }
                return group
            }
            let rows = try await query.all().map(Self.scan)
            if !rows.isEmpty { found.append((table, rows)) }
        }
        return found
    }

    private static func scan(_ row: any SQLRow) -> [String: ScannedValue] {
        var values: [String: ScannedValue] = [:]
        for column in row.allColumns {
            values[column] = if (try? row.decodeNil(column: column)) == true { .null }
                else if let value = try? row.decode(column: column, as: Int.self) { .int(value) }
                else if let value = try? row.decode(column: column, as: Double.self) { .double(value) }
                // Ids as the API writes them (SQLite stores them in capitals).
                else if let value = try? row.decode(column: column, as: String.self) { .string(UUID(uuidString: value).map(\.text) ?? value) }
                else if let value = try? row.decode(column: column, as: Bool.self) { .bool(value) }
                else if let value = try? row.decode(column: column, as: Date.self) { .date(value) }
                else if let value = try? row.decode(column: column, as: UUID.self) { .string(value.uuidString.lowercased()) }
                else if let value = try? row.decode(column: column, as: Data.self) { .bytes(value) }
                else { .null }
        }
        return values
    }
}
