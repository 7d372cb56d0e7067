import Foundation
import SQLKit

/// The opaque cursor of a list ordered by a time, then an id: base64url of
/// `<seconds since 1970>|<id>`. Conversations page by last activity, events by
/// start time; both hand out and read back the same form.
enum TimeIDCursor {
    static func encode(_ date: Date, _ id: UUID) -> String {
        Data("\(date.timeIntervalSince1970)|\(id.text)".utf8).base64URLEncodedString()
    }

    static func decode(_ cursor: String) throws -> (Date, UUID) {
        let invalid = AppError.badRequest("The cursor is not one this server gave out.", code: "invalid_cursor", fields: [.init("cursor", "is not valid")])
        guard cursor.count <= 128, let data = Data(base64URLEncoded: cursor) else { throw invalid }
        let parts = String(decoding: data, as: UTF8.self).split(separator: "|")
        guard parts.count == 2, let seconds = Double(parts[0]), seconds.isFinite, let id = UUID(uuidString: String(parts[1])) else { throw invalid }
        return (Date(timeIntervalSince1970: seconds), id)
    }
}

extension SQLSelectBuilder {
    /// One page of a list ordered by `(time, id)` of `table`: the rows past
    /// `cursor` in `direction`, in that order, at most `limit`. The other half
    /// of `TimeIDCursor`.
    func page(byTime time: String, of table: String, after cursor: (Date, UUID)?, _ direction: SQLDirection, limit: Int) -> SQLSelectBuilder {
        let (timeColumn, idColumn) = (SQLColumn(time, table: table), SQLColumn("id", table: table))
        let past: SQLBinaryOperator = if case .descending = direction { .lessThan } else { .greaterThan }
        if let (date, id) = cursor {
            self.where {
                $0.where(timeColumn, past, SQLBind(date))
                    .orWhere { $0.where(timeColumn, .equal, SQLBind(date)).where(idColumn, past, SQLBind(id)) }
            }
        }
        return orderBy(timeColumn, direction).orderBy(idColumn, direction).limit(limit)
    }
}

/// The size of page a client asked for: `fallback` when it did not say,
/// otherwise 1 to `max` (422 on `limit` past that). Every paged list uses it.
enum PageSize {
    static func resolve(_ limit: Int?, fallback: Int = 20, max: Int = 100) throws -> Int {
        guard let limit else { return fallback }
        guard (1...max).contains(limit) else { throw AppError.validation("limit", "must be 1 to \(max)") }
        return limit
    }
}
