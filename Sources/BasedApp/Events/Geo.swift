import Foundation

/// Distances and search boxes on the earth, as a sphere of mean radius (the
/// error against the ellipsoid, under 0.5 %, does not matter for "shows near you").
enum Geo {
    static let earthRadiusKm = 6371.0088
    static let maxRadiusKm = 500.0

    /// Great-circle distance in kilometres (haversine).
    static func distanceKm(_ a: (latitude: Double, longitude: Double), _ b: (latitude: Double, longitude: Double)) -> Double {
        let φ1 = a.latitude * .pi / 180, φ2 = b.latitude * .pi / 180
        let Δφ = φ2 - φ1, Δλ = (b.longitude - a.longitude) * .pi / 180
        let h = sin(Δφ / 2) * sin(Δφ / 2) + cos(φ1) * cos(φ2) * sin(Δλ / 2) * sin(Δλ / 2)
        return 2 * earthRadiusKm * asin(min(1, sqrt(h)))
    }

    /// A box that holds every point within `radiusKm` of the centre, as
    /// latitude and longitude ranges an index can scan. Near a pole, or
    /// across the antimeridian, the longitude range is the whole circle or two ranges.
    struct Box: Equatable {
        var latitudes: ClosedRange<Double>
        var longitudes: [ClosedRange<Double>]
    }

    static func box(around centre: (latitude: Double, longitude: Double), radiusKm: Double) -> Box {
        let angular = radiusKm / earthRadiusKm * 180 / .pi
        let south = centre.latitude - angular, north = centre.latitude + angular
        guard south > -90, north < 90 else {
            return Box(latitudes: max(-90, south)...min(90, north), longitudes: [-180...180])
        }
        // The widest longitude span at the box's latitude farthest from the equator.
        let Δλ = asin(min(1, sin(radiusKm / earthRadiusKm) / cos(centre.latitude * .pi / 180))) * 180 / .pi
        let west = centre.longitude - Δλ, east = centre.longitude + Δλ
        if west < -180 { return Box(latitudes: south...north, longitudes: [(west + 360)...180, -180...east]) }
        if east > 180 { return Box(latitudes: south...north, longitudes: [west...180, -180...(east - 360)]) }
        return Box(latitudes: south...north, longitudes: [west...east])
    }

    /// Refuses a search centre or radius out of range (422, naming each field).
    static func checkSearch(latitude: Double, longitude: Double, radiusKm: Double) throws {
        var fields = problems(latitude: latitude, longitude: longitude)
        if !(radiusKm.isFinite && radiusKm > 0 && radiusKm <= maxRadiusKm) {
            fields.append(.init("radiusKm", "must be more than 0 and at most \(Int(maxRadiusKm))"))
        }
        guard fields.isEmpty else { throw AppError.validation(fields) }
    }

    /// The problems of a point, each by field.
    static func problems(latitude: Double?, longitude: Double?, prefix: String = "") -> [AppError.FieldError] {
        var fields: [AppError.FieldError] = []
        switch (latitude, longitude) {
        case (nil, nil): break
        case (nil, _): fields.append(.init(prefix + "latitude", "is required with longitude"))
        case (_, nil): fields.append(.init(prefix + "longitude", "is required with latitude"))
        case let (latitude?, longitude?):
            if !(latitude.isFinite && (-90...90).contains(latitude)) { fields.append(.init(prefix + "latitude", "must be between -90 and 90")) }
            if !(longitude.isFinite && (-180...180).contains(longitude)) { fields.append(.init(prefix + "longitude", "must be between -180 and 180")) }
        }
        return fields
    }
}

extension Array {
    /// The array, or nil when it is empty.
    var nonEmpty: Self? { isEmpty ? nil : self }
}
