import ArgumentParser
import Foundation
import Tessera

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
        abstract: "Import an ONNX model (opsets \(ONNXImporter.supportedOpsets.lowerBound) to \(ONNXImporter.supportedOpsets.upperBound)) into Tessera model JSON.")

    @Argument(help: "The ONNX model.")
    var model: String

    @Option(name: .shortAndLong, help: "Where to write the model JSON.")
    var output: String

    func run() throws {
        let result = try ONNXImporter.load(path: model)
        for note in result.notes { FileHandle.standardError.write(Data("tessera: note: \(note)\n".utf8)) }
        let text = ONNXImporter.modelJSON(result)
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

    @OptionGroup var target: CompileTarget

    @Flag(help: "Show the graph as loaded, before the optimisation passes.")
    var original = false

    @Flag(help: "Print the arena timeline (one row per buffer: offset, size, lifetime over the node indices; the peak step; arena, lower bound, efficiency, planner, scratch) and draw it as SVG.")
    var memory = false

    @Flag(help: "Print the Pareto set of the schedule search (peak arena against extra MACs, within --max-overhead), each schedule planned whole, and draw it as SVG.")
    var schedules = false

    @Option(help: "With --memory or --schedules: where to write the SVG (default: <model>.memory.svg or <model>.schedules.svg in the current directory).")
    var svg: String?

    func run() throws {
        guard format == "text" || format == "json" else { throw TesseraError.usage("--format must be text or json, got \"\(format)\"") }
        if svg != nil && !memory && !schedules { throw TesseraError.usage("--svg goes with --memory or --schedules") }
        if schedules {
            guard !original, !memory, format == "text" else { throw TesseraError.usage("--schedules shows the search as text (no --original, --memory or --format json)") }
            let graph = try model.load()
            let r = try ScheduleInspect.points(graph, options: try target.options)
            let path = svg ?? "\(r.symbolPrefix).schedules.svg"
            do {
                try Data(ScheduleInspect.svg(r.points, networkMACs: r.networkMACs, model: r.model).utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
            } catch {
                throw TesseraError.io(path: path, message: "cannot write the SVG (\(error.localizedDescription))")
            }
            print(ScheduleInspect.text(r.points, networkMACs: r.networkMACs) + "  svg  \(path)")
            return
        }
        if memory {
            guard !original, format == "text" else { throw TesseraError.usage("--memory shows the compiled plan as text (no --original, no --format json)") }
            let m = try InspectReport.memory(try model.load(), options: try target.options)
            let path = svg ?? "\(m.symbolPrefix).memory.svg"
            do {
                try Data(m.svg.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
            } catch {
                throw TesseraError.io(path: path, message: "cannot write the SVG (\(error.localizedDescription))")
            }
            print(m.text + "  svg         \(path)")
            return
        }
        print(try InspectReport.report(try model.load(), options: try target.options, original: original, json: format == "json"), terminator: "")
    }
}
