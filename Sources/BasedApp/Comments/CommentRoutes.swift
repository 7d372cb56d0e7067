import BasedAPI
import Foundation

/// Comment handlers.
extension APIHandler {
    var comments: CommentService { services.comments }

    func listTrackComments(_ input: Operations.ListTrackComments.Input) async throws -> Operations.ListTrackComments.Output {
        let viewer = try RequestScope.get().identity
        let page = try await comments.comments(
            track: try Self.uuid(input.path.trackId, "trackId"), viewer: viewer?.userID, cursor: input.query.cursor, limit: input.query.limit
        )
        let authors = try await accounts.users(ids: page.threads.flatMap { [$0.comment.authorId] + $0.replies.map(\.authorId) })
        let items: [Components.Schemas.CommentThread] = page.threads.compactMap { thread in
            Self.commentBody(thread.comment, authors).map { .init(comment: $0, replies: thread.replies.compactMap { Self.commentBody($0, authors) }) }
        }
        return .ok(.init(body: .json(.init(items: items, enabled: page.enabled, nextCursor: page.nextCursor))))
    }

    func postTrackComment(_ input: Operations.PostTrackComment.Input) async throws -> Operations.PostTrackComment.Output {
        let identity = try RequestScope.requireIdentity()
        guard case .json(let body) = input.body else { throw AppError.unsupportedMediaType("Send JSON.") }
        let parent = try body.parentId.map { text in
            guard let id = UUID(uuidString: text) else { throw AppError.validation("parentId", "is not a comment id") }
            return id
        }
        let comment = try await comments.post(
            identity, track: try Self.uuid(input.path.trackId, "trackId"), text: body.text, at: body.atSeconds, replyTo: parent
        )
        let authors = try await accounts.users(ids: [comment.authorId])
        guard let created = Self.commentBody(comment, authors) else { throw AppError.notFound("The author") }
        return .created(.init(body: .json(created)))
    }

    func setTrackCommentSettings(_ input: Operations.SetTrackCommentSettings.Input) async throws -> Operations.SetTrackCommentSettings.Output {
        let identity = try RequestScope.requireIdentity()
        guard case .json(let body) = input.body else { throw AppError.unsupportedMediaType("Send JSON.") }
        try await comments.setEnabled(identity, track: try Self.uuid(input.path.trackId, "trackId"), enabled: body.enabled)
        return .noContent(.init())
    }

    func editComment(_ input: Operations.EditComment.Input) async throws -> Operations.EditComment.Output {
        let identity = try RequestScope.requireIdentity()
        guard case .json(let body) = input.body else { throw AppError.unsupportedMediaType("Send JSON.") }
        let comment = try await comments.edit(identity, comment: try Self.uuid(input.path.commentId, "commentId"), text: body.text)
        guard let edited = Self.commentBody(comment, try await accounts.users(ids: [comment.authorId])) else { throw AppError.notFound("The author") }
        return .ok(.init(body: .json(edited)))
    }

    func deleteComment(_ input: Operations.DeleteComment.Input) async throws -> Operations.DeleteComment.Output {
        let identity = try RequestScope.requireIdentity()
        try await comments.delete(identity, comment: try Self.uuid(input.path.commentId, "commentId"))
        return .noContent(.init())
    }

    static func commentBody(_ comment: TrackComment, _ authors: [UUID: User]) -> Components.Schemas.Comment? {
        authors[comment.authorId].map { author in
            .init(
                id: comment.id.text, trackId: comment.trackId.text, author: summary(author), parentId: comment.parentId?.text,
                atSeconds: comment.atSeconds, text: comment.text, createdAt: comment.createdAt, editedAt: comment.editedAt
            )
        }
    }
}
