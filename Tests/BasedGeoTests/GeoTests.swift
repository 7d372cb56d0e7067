import BasedGeo
import Foundation
import Testing

/// The earth's maths for nearby searches: distances against known figures,
/// and boxes that never leave out a point within the radius.
@Suite("Geo")
struct GeoTests {
    static let leipzig = (latitude: 51.3397, longitude: 12.3731)

    @Test("haversine distances match known great-circle figures within 0.5 %", arguments: [
        // (from, to, km): Leipzig–Berlin, London–Paris, a quarter meridian, across the antimeridian.
        ((51.3397, 12.3731), (52.5200, 13.4050), 149.0),
        ((51.5074, -0.1278), (48.8566, 2.3522), 343.6),
        ((0.0, 0.0), (90.0, 0.0), 10_007.5),
        ((-17.7, 179.9), (-17.7, -179.9), 21.2),
    ])
    func distances(from: (Double, Double), to: (Double, Double), km: Double) {
        let distance = Geo.distanceKm((from.0, from.1), (to.0, to.1))
        #expect(abs(distance - km) / km < 0.005, "\(distance)")
        #expect(abs(Geo.distanceKm((to.0, to.1), (from.0, from.1)) - distance) < 1e-9)
        #expect(Geo.distanceKm((from.0, from.1), (from.0, from.1)) == 0)
    }

    @Test("a box holds every point within its radius, at any latitude, across the antimeridian and near a pole")
    func boxesHoldTheirCircle() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2_000 {
            let centre = (latitude: Double.random(in: -89...89, using: &generator), longitude: Double.random(in: -180...180, using: &generator))
            let radius = Double.random(in: 0.1...Geo.maxRadiusKm, using: &generator)
            let box = Geo.box(around: centre, radiusKm: radius)
            for _ in 0..<20 {
                // A point at a random bearing and a random distance up to the radius.
                let bearing = Double.random(in: 0..<(2 * .pi), using: &generator)
                let δ = Double.random(in: 0...radius, using: &generator) / Geo.earthRadiusKm
                let φ1 = centre.latitude * .pi / 180, λ1 = centre.longitude * .pi / 180
                let φ2 = asin(sin(φ1) * cos(δ) + cos(φ1) * sin(δ) * cos(bearing))
                var λ2 = λ1 + atan2(sin(bearing) * sin(δ) * cos(φ1), cos(δ) - sin(φ1) * sin(φ2))
                λ2 = (λ2 + 3 * .pi).truncatingRemainder(dividingBy: 2 * .pi) - .pi
                let point = (latitude: φ2 * 180 / .pi, longitude: λ2 * 180 / .pi)
                #expect(box.contains(point), "centre \(centre) radius \(radius) point \(point)")
                if !box.contains(point) { return }
            }
        }
    }

    @Test("across the antimeridian a box is two longitude ranges; near a pole it is the whole circle")
    func boxShapes() {
        #expect(Geo.box(around: (latitude: -17.7, longitude: 179.9), radiusKm: 50).longitudes.count == 2)
        #expect(Geo.box(around: (latitude: 89.9, longitude: 0), radiusKm: 50).longitudes == [-180...180])
        let leipzig = Geo.box(around: Self.leipzig, radiusKm: 150)
        #expect(leipzig.contains((latitude: 52.5200, longitude: 13.4050)))
        #expect(!leipzig.contains((latitude: 48.1351, longitude: 11.5820)))
    }
}
