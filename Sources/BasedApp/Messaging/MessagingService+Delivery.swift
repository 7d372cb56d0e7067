import Foundation
import SQLKit

/// What live delivery (the realtime layer) reads of stored messages.
extension MessagingService {
    /// The lowest sequence of `conversation` stored since `since`: where a
    /// process that has not delivered this conversation before starts, so a
    /// message that raced ahead of an older one cannot make it skip the older.
    public func firstSequence(of conversation: UUID, storedSince since: Date) async throws -> Int? {
        try await MessagingQueries.firstSequence(conversation, since: since, on: database.sql)
    }
}

extension MessagingQueries {
    static func firstSequence(_ conversation: UUID, since: Date, on sql: any SQLDatabase) async throws -> Int? {
        try await sql.select().column(SQLFunction("MIN", args: SQLColumn("seq")), as: "first").from("messages")
            .where("conversation_id", .equal, conversation).where("created_at", .greaterThanOrEqual, since)
            .first(decodingColumn: "first", as: Int?.self) ?? nil
    }
}
