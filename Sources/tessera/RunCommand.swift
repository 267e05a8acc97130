import ArgumentParser
import Foundation
import Tessera

struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Compile the model, run it on the target's emulator (QEMU for MCUs, the json-c harness for host) on tensors-JSON inputs, and write the outputs.",
        discussion: "On an MCU target the run also measures: instructions per inference and per layer (QEMU -icount), peak stack, flash and RAM from the ELF, and the estimated latency; --report writes them as JSON.")

    @OptionGroup var model: ModelOptions
    @OptionGroup var target: CompileTarget

    @Option(help: "host (the json-c harness) or qemu (the target's emulated core); default: the target's own.")
    var emulator: String?

    @Option(help: "Inputs as tensors-JSON: {\"<name>\": {\"shape\": [...], \"data\": [...]}}.")
    var input: String

    @Option(name: .shortAndLong, help: "Where to write the outputs (tensors-JSON).")
    var output: String

    @Option(help: "Where to write the run report (JSON, MCU targets).")
    var report: String?

    @Flag(help: "Also run the reference interpreter (on the model before any pass) and print the error of each output; exit with status 1 when one is beyond --tolerance (the outputs are written all the same).")
    var compare = false

    @Flag(help: "Compare every layer's output with the reference interpreter and print the first that differs.")
    var compareLayers = false

    @Flag(help: "Build with the memory checking mode (-DTSR_CHECK_MEMORY): every arena buffer is checksummed after its writer and verified before each reader, freed space is poisoned, and a layer placed over its input is compared with a shadow run; a violation names the layer and the buffer and fails the run.")
    var checkMemory = false

    @Option(help: "Relative tolerance of --compare and --compare-layers (max|a - b| / max|b| per tensor); default 1e-5 at fp32, 1e-2 at fp16 and fp16-acc32, 3e-2 at fp16-acc16.")
    var tolerance: Double?

    func run() throws {
        let graph = try model.load()
        let inputs = try TensorsJSON.read(path: input)
        try RunDriver.check(inputs, for: graph, file: input)
        var emulatorChoice: RunDriver.Emulator?
        if let emulator {
            guard let e = RunDriver.Emulator(rawValue: emulator) else { throw TesseraError.usage("--emulator must be host or qemu, got \"\(emulator)\"") }
            emulatorChoice = e
        }
        if let tolerance, !(tolerance >= 0) { throw TesseraError.usage("--tolerance must be a non-negative number, got \(tolerance)") }
        let result = try RunDriver.run(graph, inputs: inputs, options: .init(compile: try target.options, emulator: emulatorChoice,
                                                                              compare: compare, compareLayers: compareLayers, tolerance: tolerance,
                                                                              checkMemory: checkMemory))
        CompileTarget.printDumps(result.model)
        try TensorsJSON.write(result.outputs, to: output)
        print("ran \"\(graph.name)\" on \(target.target) (\(result.emulator == .qemu ? "qemu \(result.model.target.emulator.machine)" : "host harness")): wrote \(result.outputs.count) output(s) to \(output)")
        for (name, value) in result.outputs where value.count > 1 && value.shape.filter({ $0 > 1 }).count == 1 {
            // A vector of scores: say which entry wins.
            let best = value.data.indices.max { value.data[$0] < value.data[$1] }!
            print("  \(name) \(shapeText(value.shape)): argmax \(best) (\(value.data[best]))")
        }
        if let r = result.report {
            print(RunReportText.text(r))
            if let report {
                do {
                    try Data(JSONWriter.write(r).utf8).write(to: URL(fileURLWithPath: report), options: .atomic)
                } catch {
                    throw TesseraError.io(path: report, message: "cannot write the report (\(error.localizedDescription))")
                }
            }
        }
        for c in result.comparisons ?? [] {
            print("  \(c.output): \(c.comparison) against the reference interpreter, \(c.within ? "within" : "BEYOND") --tolerance \(result.tolerance)")
        }
        if let layers = result.layers { print(layers.text(result.model.graph), terminator: "") }
        let failed = result.failedComparisons
        if !failed.isEmpty {
            let list = failed.map { "\"\($0.output)\" (relative error \($0.comparison.mismatchedShape ? "n/a, shape mismatch" : "\($0.comparison.maxRelError)"))" }
            throw TesseraError.comparisonFailed("--compare failed: \(failed.count) of \(result.comparisons!.count) output(s) differ from the reference interpreter beyond --tolerance \(result.tolerance): \(list.joined(separator: ", ")); the outputs were written to \(output)")
        }
    }
}

struct Targets: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List the targets of Targets/: core, clock, memories, emulator.")

    func run() throws {
        print(TargetTable.text(try TargetRegistry.all()), terminator: "")
    }
}
