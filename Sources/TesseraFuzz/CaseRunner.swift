import Foundation
import Tessera

/// What the fuzzer found wrong with a case.
public enum FindingKind: String, Sendable, CaseIterable {
    /// The process died on a signal (a Swift trap, a crash, killed for memory).
    case trap
    /// No answer within the hard limit: killed.
    case hang
    /// It finished, later than the time limit.
    case slow
    /// A TesseraError of exit status 1 (internal error) for a bad file.
    case internalError = "internal-error"
    /// An error that is not a TesseraError.
    case foreignError = "foreign-error"
    /// Files left behind by a failure, or an incomplete output after success.
    case partialOutput = "partial-output"
    /// `tessera import` would write model JSON that Tessera does not load.
    case importMismatch = "import-mismatch"
}

/// The outcome of one case.
public enum Outcome: Sendable, Equatable {
    /// Loaded, inspected, compiled and written completely.
    case compiled
    /// A TesseraError of exit status 2 (bad input), and nothing written.
    case rejected(String)
    case finding(FindingKind, String)
}

/// A fault the self-test plants in a case, to check that the fuzzer reports it.
public enum PlantedFault: String, Sendable, CaseIterable {
    case trap, hang, slow, internalError = "internal-error", foreignError = "foreign-error", partialOutput = "partial-output"
}

/// Runs one case in process, as the CLI would: load (model JSON, or ONNX import and the
/// model JSON `tessera import` writes, which must load again), `inspect`, `compile`, and
/// the write of the output directory, then classifies what happened.
public struct CaseRunner {
    /// A directory of the runner's own: the case's output goes to `work/out`.
    public let work: String
    /// A case slower than this (seconds) is a finding.
    public let timeLimit: Double

    public init(work: String, timeLimit: Double) {
        self.work = work
        self.timeLimit = timeLimit
    }

    var output: String { (work as NSString).appendingPathComponent("out") }

    /// The files the runner itself keeps in `work`.
    static let ownFiles: Set<String> = ["current.json", "current.onnx", "current.txt", "worker.stderr"]

    public func run(_ input: FuzzInput, plant: PlantedFault? = nil) -> Outcome {
        let fm = FileManager.default
        try? fm.removeItem(atPath: output)
        let start = DispatchTime.now()
        var outcome = classify(input, plant: plant)
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
        if case .finding = outcome {} else if seconds > timeLimit {
            outcome = .finding(.slow, String(format: "took %.2f s (limit %.2f s)", seconds, timeLimit))
        }
        if case .finding = outcome {} else if let stray = strayEntries(), !stray.isEmpty {
            outcome = .finding(.partialOutput, "left \(stray.joined(separator: ", ")) beside the output directory")
        }
        try? fm.removeItem(atPath: output)
        for name in strayEntries() ?? [] { try? fm.removeItem(atPath: (work as NSString).appendingPathComponent(name)) }
        return outcome
    }

    /// Entries of `work` that neither the runner nor a successful write made.
    private func strayEntries() -> [String]? {
        (try? FileManager.default.contentsOfDirectory(atPath: work))?.filter { !CaseRunner.ownFiles.contains($0) && $0 != "out" }.sorted()
    }

    private func classify(_ input: FuzzInput, plant: PlantedFault?) -> Outcome {
        do {
            try planted(plant)
            let graph = try load(input)
            _ = try InspectReport.report(graph, original: input.variant.inspectOriginal, json: input.variant.inspectJSON)
            let v = input.variant
            let model = try Compiler.compile(graph, options: CompileOptions(target: v.target, precision: v.precision,
                                                                            dumpIRAfter: v.dumpIR ? ["all"] : [], io: v.io, inPlace: v.inPlace))
            do {
                try Compiler.write(model, to: output)
            } catch {
                return .finding(.partialOutput, "writing the output failed: \(error)")
            }
            return complete(model)
        } catch let error as TesseraError {
            if error.exitStatus != 2 { return .finding(.internalError, error.description) }
            if FileManager.default.fileExists(atPath: output) {
                return .finding(.partialOutput, "\(error.description), yet \(output) exists")
            }
            return .rejected(error.description)
        } catch let error as ImportMismatch {
            return .finding(.importMismatch, error.message)
        } catch {
            return .finding(.foreignError, "\(type(of: error)): \(error)")
        }
    }

    struct ImportMismatch: Error {
        var message: String
    }

    private func load(_ input: FuzzInput) throws -> Graph {
        switch input.kind {
        case .json:
            return try FrontEnd.load(data: Data(input.bytes), file: "case.json")
        case .onnx:
            let result = try ONNXImporter.load(data: Data(input.bytes), file: (work as NSString).appendingPathComponent("model.onnx"))
            let text = ONNXImporter.modelJSON(result)
            do {
                _ = try FrontEnd.load(data: Data(text.utf8), file: "imported.json")
            } catch {
                throw ImportMismatch(message: "the model JSON of the import does not load: \(error)")
            }
            return result.graph
        }
    }

    /// Every file of `model` in the output directory, byte for byte, and nothing else.
    private func complete(_ model: CompiledModel) -> Outcome {
        let fm = FileManager.default
        let present = Set((try? fm.contentsOfDirectory(atPath: output)) ?? [])
        let expected = Set(model.files.map(\.name))
        guard present == expected else {
            return .finding(.partialOutput, "the output holds \(present.sorted()) instead of \(expected.sorted())")
        }
        for file in model.files {
            let path = (output as NSString).appendingPathComponent(file.name)
            guard fm.contents(atPath: path) == Data(file.contents.utf8) else {
                return .finding(.partialOutput, "\(file.name) differs from what was compiled")
            }
        }
        return .compiled
    }

    /// The self-test's faults, each what a library bug of that kind would do.
    private func planted(_ fault: PlantedFault?) throws {
        switch fault {
        case nil: return
        case .trap?: fatalError("planted trap")
        case .hang?: while true { sleep(1) }
        case .slow?: Thread.sleep(forTimeInterval: timeLimit + 0.2)
        case .internalError?: throw TesseraError.internalError("planted internal error")
        case .foreignError?: throw CocoaError(.fileReadUnknown)
        case .partialOutput?:
            try FileManager.default.createDirectory(atPath: output, withIntermediateDirectories: true)
            throw TesseraError.invalidModel(location: "planted", message: "an error after writing")
        }
    }
}
