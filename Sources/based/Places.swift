import ArgumentParser
import BasedApp
import Foundation

struct Places: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "The gazetteer: the cities that autocomplete, nearby searches and alerts place by name.",
        subcommands: [ImportFile.self]
    )

    struct ImportFile: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "import",
            abstract: "Import a GeoNames cities file (cities15000.txt, or what scripts/places/install-gazetteer.sh writes).",
            discussion: "Every line is checked before anything is written; a bad line names its number and changes nothing. "
                + "Importing again updates the places it names. GeoNames data is CC BY 4.0 (geonames.org).\n\n"
                + CommandConfiguration.settingsPointer
        )
        @Argument(help: "The tab-separated GeoNames file.") var file: String
        // After `file`: the settings collect what is left over, so they come after every positional.
        @OptionGroup var options: SettingOptions
        @Flag(help: "Do nothing when the gazetteer already holds places (what `make run` does).") var ifEmpty = false

        func run() async throws {
            let configuration = options.load()
            if ifEmpty, try await withServices(configuration, { try await $0.gazetteer.count() }) > 0 {
                print("The gazetteer holds places already; nothing imported.")
                return
            }
            let text: String
            do {
                text = try String(contentsOfFile: file, encoding: .utf8)
            } catch {
                throw ValidationError("cannot read \(file): \(error.localizedDescription)")
            }
            do {
                let report = try await withServices(configuration) { services in try await services.gazetteer.importFile(text) }
                print("Imported \(report.places) places under \(report.names) names.")
            } catch let error as Gazetteer.ImportError {
                throw ValidationError("\(file): \(error)")
            }
        }
    }
}
