import BasedApp
import SQLKit
import Testing

@Suite("Column names")
struct ColumnNamesTests {
    /// Property names of every shape: SQLKit's own conversion (through its
    /// public encoder, which shares the rule with `.convertFromSnakeCase`) is
    /// the reference.
    struct Shapes: Encodable {
        var id = 1
        var artistId = 1
        var createdAt = 1
        var durationSeconds = 1
        var myURLValue = 1
        var trackID = 1
        var a1B2 = 1
        var x = 1
        var épéeNom = 1
        var _leading = 1
        var trailing_ = 1
        var alreadySnake_case = 1
        var HTTPStatus = 1
    }

    @Test("property names become the columns SQLKit's snake case would read")
    func sameAsSQLKit() throws {
        let encoded = try SQLQueryEncoder(keyEncodingStrategy: .convertToSnakeCase).encode(Shapes())
        let properties = ["id", "artistId", "createdAt", "durationSeconds", "myURLValue", "trackID", "a1B2", "x", "épéeNom", "_leading",
                          "trailing_", "alreadySnake_case", "HTTPStatus"]
        #expect(encoded.count == properties.count)
        for (property, (column, _)) in zip(properties, encoded) {
            #expect(ColumnNames.column(for: property) == column, "\(property)")
        }
    }
}
