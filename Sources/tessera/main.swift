import ArgumentParser
import Foundation
import OrderedCollections
import Tessera

/// The `tessera` command line: a thin layer over the Tessera library.
/// Exit status: 0 success, 1 internal error, 2 bad input or usage.
struct TesseraCLI: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tessera",
        abstract: "Compile neural-network models to portable C for microcontrollers.",
        discussion: "Exit status: 0 success, 1 internal error, 2 bad input or usage.",
        version: Tessera.version,
        subcommands: [Inspect.self, Compile.self, Run.self, Import.self]
    )
}

struct ModelOptions: ParsableArguments {
    @Argument(help: "The model: Tessera model JSON (see Docs/model-format.md) or an ONNX file (.onnx, imported in memory).")
    var model: String

    func load() throws -> Graph {
        guard model.lowercased().hasSuffix(".onnx") else { return try FrontEnd.load(path: model) }
        let result = try ONNXImporter.load(path: model)
        for note in result.notes { FileHandle.standardError.write(Data("tessera: note: \(note)\n".utf8)) }
        return result.graph
    }
}

struct Import: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Import an ONNX model (opsets 9 to 21) into Tessera model JSON.")

    @Argument(help: "The ONNX model.")
    var model: String

    @Option(name: .shortAndLong, help: "Where to write the model JSON.")
    var output: String

    func run() throws {
        let result = try ONNXImporter.load(path: model)
        for note in result.notes { FileHandle.standardError.write(Data("tessera: note: \(note)\n".utf8)) }
        let text = JSONWriter.write(ModelWriter.json(result.graph, notes: result.notes))
        do {
            try Data(text.utf8).write(to: URL(fileURLWithPath: output), options: .atomic)
        } catch {
            throw TesseraError.io(path: output, message: "cannot write the file (\(error.localizedDescription))")
        }
        print("imported \"\(result.graph.name)\": \(result.graph.nodes.count) nodes, \(result.graph.constants.count) constants -> \(output)")
    }
}

struct Inspect: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print one row per layer (op, output shape, parameters, MACs, activation bytes) and the memory totals.")

    @OptionGroup var model: ModelOptions

    @Option(help: "Output format: text or json.")
    var format: String = "text"

    @Flag(help: "Show the graph as loaded, before the optimisation passes.")
    var original = false

    func run() throws {
        guard format == "text" || format == "json" else { throw TesseraError.usage("--format must be text or json, got \"\(format)\"") }
        let loaded = try model.load()
        let graph = original ? loaded : try Pipeline.run(loaded)
        let summary = try ModelSummary(graph)
        let plan = try MemoryPlanner.plan(graph)
        if format == "json" {
            print(JSONWriter.write(InspectReport.json(graph, summary, plan)), terminator: "")
        } else {
            print(InspectReport.text(graph, summary, plan), terminator: "")
        }
    }
}

struct CompileTarget: ParsableArguments {
    @Option(help: "Target to compile for (available: \(Compiler.supportedTargets.joined(separator: ", "))).")
    var target: String = "host"

    @Option(help: "Numeric precision (available: \(Compiler.supportedPrecisions.joined(separator: ", "))).")
    var precision: String = "fp32"

    @Option(help: ArgumentHelp("Print the IR after this pass (repeatable; \"all\" for every pass).",
                               discussion: "Passes: \(Pipeline.passNames.joined(separator: ", "))."))
    var dumpIRAfter: [String] = []

    var options: CompileOptions { CompileOptions(target: target, precision: precision, dumpIRAfter: Set(dumpIRAfter)) }

    static func printDumps(_ model: CompiledModel) {
        for dump in model.irDumps { print("=== IR after \(dump.pass)\n\(dump.text)") }
    }
}

struct Compile: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Generate C: <model>.h (API, memory contract), <model>.c (schedule), <model>_weights.c, the runtime kernels it calls, and report.json.")

    @OptionGroup var model: ModelOptions
    @OptionGroup var target: CompileTarget

    @Option(name: .shortAndLong, help: "Output directory.")
    var output: String

    func run() throws {
        let compiled = try Compiler.compile(try model.load(), options: target.options)
        CompileTarget.printDumps(compiled)
        try Compiler.write(compiled, to: output)
        print("wrote \(compiled.files.count) files to \(output): arena \(compiled.plan.arenaBytes) B, weights \(compiled.plan.weightsElements * 4) B, \(compiled.summary.macs) MACs")
    }
}

struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Compile the model, build it with the host C compiler and the json-c harness, run it on tensors-JSON inputs and write the outputs.")

    @OptionGroup var model: ModelOptions
    @OptionGroup var target: CompileTarget

    @Option(help: "Inputs as tensors-JSON: {\"<name>\": {\"shape\": [...], \"data\": [...]}}.")
    var input: String

    @Option(name: .shortAndLong, help: "Where to write the outputs (tensors-JSON).")
    var output: String

    @Flag(help: "Also run the reference interpreter and print the error of each output.")
    var compare = false

    func run() throws {
        let graph = try model.load()
        let inputs = try TensorsJSON.read(path: input)
        for name in inputs.keys where !graph.isGraphInput(name) {
            throw TesseraError.invalidTensors(location: "\(input): tensor \"\(name)\"", message: "the model has no input of this name")
        }
        for i in graph.inputs {
            guard let t = inputs[i.name] else {
                throw TesseraError.invalidTensors(location: input, message: "missing model input \"\(i.name)\"")
            }
            guard t.shape == i.type.shape else {
                throw TesseraError.invalidTensors(location: "\(input): tensor \"\(i.name)\"", message: "shape \(shapeText(t.shape)) does not match the model's \(shapeText(i.type.shape))")
            }
        }
        let compiled = try Compiler.compile(graph, options: target.options)
        CompileTarget.printDumps(compiled)
        let outputs = try HostRunner.compileAndRun(compiled, inputs: inputs)
        try TensorsJSON.write(outputs, to: output)
        print("ran \"\(graph.name)\" on target \(target.target): wrote \(outputs.count) output(s) to \(output)")
        for (name, value) in outputs where value.count > 1 && value.shape.filter({ $0 > 1 }).count == 1 {
            // A vector of scores: say which entry wins.
            let best = value.data.indices.max { value.data[$0] < value.data[$1] }!
            print("  \(name) \(shapeText(value.shape)): argmax \(best) (\(value.data[best]))")
        }
        if compare {
            let reference = try ReferenceInterpreter.run(graph, inputs: Dictionary(uniqueKeysWithValues: inputs.map { ($0.key, $0.value) }))
            for (name, value) in outputs {
                guard let expected = reference[name] else { continue }
                print("  \(name): \(Comparison(value, expected)) against the reference interpreter")
            }
        }
    }
}

func fail(_ message: String, _ status: Int32) -> Never {
    FileHandle.standardError.write(Data("tessera: error: \(message)\n".utf8))
    exit(status)
}

do {
    var command = try TesseraCLI.parseAsRoot()
    try command.run()
} catch let error as TesseraError {
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
