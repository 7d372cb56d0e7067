import BasedAPI
import Foundation
import OpenAPIRuntime

/// Artists' dashboards (JSON and CSV) and the admin dashboard.
extension APIHandler {
    var analytics: AnalyticsService { services.analytics }

    func getArtistAnalytics(_ input: Operations.GetArtistAnalytics.Input) async throws -> Operations.GetArtistAnalytics.Output {
        let identity = try RequestScope.requireIdentity()
        let query = input.query
        let report = try await analytics.report(
            identity, owner: try Self.uuid(input.path.userId, "userId"), track: try query.trackId.map { try Self.uuid($0, "trackId") },
            interval: query.interval.flatMap { AnalyticsService.Interval(rawValue: $0.rawValue) }, from: query.from, to: query.to
        )
        return .ok(.init(body: .json(Self.artistAnalytics(report))))
    }

    func exportArtistAnalytics(_ input: Operations.ExportArtistAnalytics.Input) async throws -> Operations.ExportArtistAnalytics.Output {
        let identity = try RequestScope.requireIdentity()
        let query = input.query
        let report = try await analytics.report(
            identity, owner: try Self.uuid(input.path.userId, "userId"), track: try query.trackId.map { try Self.uuid($0, "trackId") },
            interval: query.interval.flatMap { AnalyticsService.Interval(rawValue: $0.rawValue) }, from: query.from, to: query.to
        )
        let name = "based-analytics-\(report.interval.rawValue)-\(report.from)-to-\(report.to).csv"
        return .ok(.init(headers: .init(contentDisposition: "attachment; filename=\"\(name)\""), body: .csv(HTTPBody(AnalyticsService.csv(report)))))
    }

    func getAdminDashboard(_ input: Operations.GetAdminDashboard.Input) async throws -> Operations.GetAdminDashboard.Output {
        let identity = try RequestScope.requireIdentity()
        let board = try await analytics.adminDashboard(identity)
        let roles = board.usersByRole
        return .ok(.init(body: .json(.init(
            generatedAt: board.generatedAt,
            users: .init(
                total: roles.values.reduce(0, +), listeners: roles[.listener] ?? 0, artists: roles[.artist] ?? 0, venues: roles[.venue] ?? 0,
                admins: roles[.admin] ?? 0, newThisWeek: board.newUsersThisWeek
            ),
            monthlyActives: board.monthlyActives,
            storage: .init(bytes: board.storageBytes, files: board.storageFiles),
            jobs: .init(
                queued: board.jobs.queued, running: board.jobs.running, failed: board.jobs.failed, failedLastDay: board.jobs.failedSince,
                oldestQueuedSeconds: board.jobs.oldestDue.map { max(0, board.generatedAt.timeIntervalSince($0)) },
                analyticsBacklog: board.analyticsBacklog
            ),
            moderation: .init(
                openReports: board.openReports, openAppeals: board.openAppeals,
                oldestOpenReportHours: board.oldestOpenReport.map { max(0, board.generatedAt.timeIntervalSince($0) / 3600) }
            )
        ))))
    }

    static func artistAnalytics(_ report: AnalyticsService.Report) -> Components.Schemas.ArtistAnalytics {
        .init(
            artistId: report.owner.text, trackId: report.track?.text, interval: .init(rawValue: report.interval.rawValue)!,
            from: report.from, to: report.to, updatedAt: report.updatedAt, totals: figures(report.totals),
            series: report.series.map { .init(value1: figures($0.figures), value2: .init(start: $0.start)) },
            sources: report.sources.map { .init(source: $0.source, plays: $0.plays) },
            cities: report.cities.map { .init(city: $0.city, plays: $0.plays, listeners: $0.listeners) },
            tracks: report.tracks.map { .init(trackId: $0.id.text, title: $0.title, plays: $0.plays, listeners: $0.listeners) }
        )
    }

    static func figures(_ f: AnalyticsService.Figures) -> Components.Schemas.AnalyticsFigures {
        .init(
            plays: f.plays, listeners: f.listeners, completions: f.completions, skips: f.skips, completionRate: f.completionRate,
            skipRate: f.skipRate, likes: f.likes, playlistAdds: f.playlistAdds, followersGained: f.followersGained,
            followersLost: f.followersLost, rsvps: f.rsvps, checkins: f.checkins
        )
    }
}
