import ArgumentParser
import Foundation
import Tessera

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure models on the emulated MCUs at several precisions, against the plain C baseline, and their arenas against TensorFlow Lite Micro's; write BENCHMARKS.md.")

    @Option(help: "Comma-separated models: names of ../shared/models (or $TESSERA_MODELS) or paths to .onnx/.json files.")
    var models: String = "ic_resnet8,vww_mobilenetv1_025,kws_dscnn"

    @Option(help: "Comma-separated targets.")
    var targets: String = "corstone300,stm32h743"

    @Option(help: "Comma-separated precisions.")
    var precision: String = "fp32"

    @Option(help: "Comma-separated models of the arena table (compiled at fp32 and fp16 for the first target, against TensorFlow Lite Micro on their .tflite files of the models folder, which needs --tflm-python); \"none\" (the default) for no arena table. make bench passes the four MLPerf Tiny networks.")
    var arenaModels: String = "none"

    @Option(help: "The python of TensorFlow Lite Micro's environment (make bench: Scripts/python-env.sh --bench).")
    var tflmPython: String = ".venv-tflm/bin/python"

    @Option(help: "Comma-separated precisions at which each model also runs with --schedule auto against layer by layer (half I/O, NHWC input: the input outside the arena); \"none\" (the default) for no scheduled table. make bench passes fp16.")
    var schedulePrecision: String = "none"

    @Flag(help: "Only the arena table (compilation and TFLM, no emulation): the written file has no run tables.")
    var arenaOnly = false

    @Option(name: .shortAndLong, help: "Where to write the Markdown table.")
    var output: String = "BENCHMARKS.md"

    func run() throws {
        let modelDir = ProcessInfo.processInfo.environment["TESSERA_MODELS"] ?? "../shared/models"
        func load(_ list: String) throws -> [(name: String, graph: Graph)] {
            try list.split(separator: ",").map { item -> (name: String, graph: Graph) in
                let name = String(item)
                let path = name.contains("/") || name.hasSuffix(".json") || name.hasSuffix(".onnx") ? name : "\(modelDir)/\(name).onnx"
                let graph = path.hasSuffix(".json") ? try FrontEnd.load(path: path) : try ONNXImporter.load(path: path).graph
                return (URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent, graph)
            }
        }
        let precisions = try precision.split(separator: ",").map { p -> Precision in
            guard let parsed = Precision(rawValue: String(p)) else { throw TesseraError.usage("unknown precision \"\(p)\"") }
            return parsed
        }
        let targetList = targets.split(separator: ",").map(String.init)
        guard let firstTarget = targetList.first else { throw TesseraError.usage("--targets is empty") }
        let progress: (String) -> Void = { FileHandle.standardError.write(Data("bench: \($0)\n".utf8)) }
        if arenaOnly && arenaModels == "none" { throw TesseraError.usage("--arena-only with --arena-models none leaves nothing to do") }
        // The arena table first: it is quick, and a missing TFLM fails before the long runs.
        var arena: [Bench.ArenaRow] = [], version = ""
        if arenaModels != "none" {
            version = try Bench.tflmVersion(python: tflmPython)
            arena = try Bench.arenaRows(models: try load(arenaModels), target: firstTarget, modelDirectory: modelDir,
                                        tflmPython: tflmPython, progress: progress)
        }
        let rows = arenaOnly ? [] : try Bench.run(models: try load(models), targets: targetList, precisions: precisions, progress: progress)
        var scheduled: [Bench.ScheduleRow] = []
        if schedulePrecision != "none" && !arenaOnly {
            let list = try schedulePrecision.split(separator: ",").map { p -> Precision in
                guard let parsed = Precision(rawValue: String(p)) else { throw TesseraError.usage("unknown --schedule-precision \"\(p)\"") }
                return parsed
            }
            let scheduleTargets = targetList.filter { $0 == "corstone300" || $0 == "stm32h743" }
            scheduled = try Bench.scheduleRows(models: try load(models), targets: scheduleTargets.isEmpty ? [firstTarget] : scheduleTargets,
                                               precisions: list, progress: progress)
        }
        var command = arenaOnly ? "tessera bench --targets \(targets)" : "tessera bench --models \(models) --targets \(targets) --precision \(precision)"
        command += " --arena-models \(arenaModels)" + (arenaOnly ? " --arena-only" : "")
        if schedulePrecision != "none" && !arenaOnly { command += " --schedule-precision \(schedulePrecision)" }
        let text = Bench.markdown(rows, arena: arena, scheduled: scheduled, tflmVersion: version, command: command)
        do {
            try Data(text.utf8).write(to: URL(fileURLWithPath: output), options: .atomic)
        } catch {
            throw TesseraError.io(path: output, message: "cannot write (\(error.localizedDescription))")
        }
        print(text, terminator: "")
    }
}
