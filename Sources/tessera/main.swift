import ArgumentParser
import Foundation
import OrderedCollections
import Tessera

/// The `tessera` command line: a thin layer over the Tessera library.
/// Exit status: 0 success, 1 internal error (or `run --compare` beyond its tolerance), 2 bad
/// input or usage. Errors print as `tessera: error: <message>`; what Tessera does not
/// support (TesseraError.unsupported: an op, attribute, mode or dtype) as
/// `tessera: error: unsupported: <message>`, so that scripts can tell it from a bad model.
struct TesseraCLI: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tessera",
        abstract: "Compile neural-network models to portable C for microcontrollers.",
        discussion: "Exit status: 0 success, 1 internal error (or run --compare beyond its tolerance), 2 bad input or usage. Errors print as \"tessera: error: <message>\", and what Tessera does not support as \"tessera: error: unsupported: <message>\".",
        version: Tessera.version,
        subcommands: [Inspect.self, Compile.self, Run.self, Import.self, Generate.self, Targets.self, BenchCommand.self]
    )
}

func fail(_ message: String, _ status: Int32) -> Never {
    FileHandle.standardError.write(Data("tessera: error: \(message)\n".utf8))
    exit(status)
}

do {
    var command = try TesseraCLI.parseAsRoot()
    try command.run()
} catch let error as TesseraError {
    if case .unsupported = error { fail("unsupported: \(error.description)", error.exitStatus) }
    fail(error.description, error.exitStatus)
} catch {
    let code = TesseraCLI.exitCode(for: error)
    if code == .success { TesseraCLI.exit(withError: error) }
    if code == .validationFailure {
        FileHandle.standardError.write(Data((TesseraCLI.fullMessage(for: error) + "\n").utf8))
        exit(2)
    }
    fail(TesseraCLI.fullMessage(for: error), code.rawValue == 0 ? 1 : code.rawValue)
}
