import Foundation

/// Distances and search boxes on the earth, as a sphere of mean radius (the
/// error against the ellipsoid, under 0.5 %, does not matter for "shows near
/// you"). No I/O: the database scans a `Box` by its (latitude, longitude)
/// index, and `distanceKm` then keeps what is really within the radius.
public enum Geo {
    public static let earthRadiusKm = 6371.0088
    /// The largest radius a nearby search takes.
    public static let maxRadiusKm = 500.0

    /// Great-circle distance in kilometres (haversine).
    public static func distanceKm(_ a: (latitude: Double, longitude: Double), _ b: (latitude: Double, longitude: Double)) -> Double {
        let φ1 = a.latitude * .pi / 180, φ2 = b.latitude * .pi / 180
        let Δφ = φ2 - φ1, Δλ = (b.longitude - a.longitude) * .pi / 180
        let h = sin(Δφ / 2) * sin(Δφ / 2) + cos(φ1) * cos(φ2) * sin(Δλ / 2) * sin(Δλ / 2)
        return 2 * earthRadiusKm * asin(min(1, sqrt(h)))
    }

    /// A box that holds every point within `radiusKm` of the centre, as
    /// latitude and longitude ranges an index can scan. Near a pole, or
    /// across the antimeridian, the longitude range is the whole circle or two ranges.
    public struct Box: Equatable, Sendable {
        public var latitudes: ClosedRange<Double>
        public var longitudes: [ClosedRange<Double>]

        /// Whether the point is inside the box (not necessarily within the radius).
        public func contains(_ point: (latitude: Double, longitude: Double)) -> Bool {
            latitudes.contains(point.latitude) && longitudes.contains { $0.contains(point.longitude) }
        }
    }

    public static func box(around centre: (latitude: Double, longitude: Double), radiusKm: Double) -> Box {
        let angular = radiusKm / earthRadiusKm * 180 / .pi
        let south = centre.latitude - angular, north = centre.latitude + angular
        guard south > -90, north < 90 else {
            return Box(latitudes: max(-90, south)...min(90, north), longitudes: [-180...180])
        }
        // The widest longitude span of the circle: at the latitude where its
        // meridians are tangent, asin(sin(r) / cos(φ)) either side.
        let Δλ = asin(min(1, sin(radiusKm / earthRadiusKm) / cos(centre.latitude * .pi / 180))) * 180 / .pi
        let west = centre.longitude - Δλ, east = centre.longitude + Δλ
        if west < -180 { return Box(latitudes: south...north, longitudes: [(west + 360)...180, -180...east]) }
        if east > 180 { return Box(latitudes: south...north, longitudes: [west...180, -180...(east - 360)]) }
        return Box(latitudes: south...north, longitudes: [west...east])
    }
}
