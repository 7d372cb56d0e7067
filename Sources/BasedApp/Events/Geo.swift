import BasedGeo
import Foundation

/// The checks of points and radii that requests send; the maths is `BasedGeo`'s.
extension Geo {
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
