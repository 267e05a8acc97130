import ArgumentParser
import Foundation
import Tessera

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure models on the emulated MCUs at several precisions, against the plain C baseline, and write BENCHMARKS.md.")

    @Option(help: "Comma-separated models: names of ../shared/models (or $TESSERA_MODELS) or paths to .onnx/.json files.")
    var models: String = "ic_resnet8,vww_mobilenetv1_025,kws_dscnn"

    @Option(help: "Comma-separated targets.")
    var targets: String = "corstone300,stm32h743"

    @Option(help: "Comma-separated precisions.")
    var precision: String = "fp32"

    @Option(name: .shortAndLong, help: "Where to write the Markdown table.")
    var output: String = "BENCHMARKS.md"

    func run() throws {
        let modelDir = ProcessInfo.processInfo.environment["TESSERA_MODELS"] ?? "../shared/models"
        let graphs = try models.split(separator: ",").map { item -> (String, Graph) in
            let name = String(item)
            let path = name.contains("/") || name.hasSuffix(".json") || name.hasSuffix(".onnx") ? name : "\(modelDir)/\(name).onnx"
            let graph = path.hasSuffix(".json") ? try FrontEnd.load(path: path) : try ONNXImporter.load(path: path).graph
            return (URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent, graph)
        }
        let precisions = try precision.split(separator: ",").map { p -> Precision in
            guard let parsed = Precision(rawValue: String(p)) else { throw TesseraError.usage("unknown precision \"\(p)\"") }
            return parsed
        }
        let rows = try Bench.run(models: graphs, targets: targets.split(separator: ",").map(String.init), precisions: precisions) {
            FileHandle.standardError.write(Data("bench: \($0)\n".utf8))
        }
        let command = "tessera bench --models \(models) --targets \(targets) --precision \(precision)"
        let text = Bench.markdown(rows, command: command)
        do {
            try Data(text.utf8).write(to: URL(fileURLWithPath: output), options: .atomic)
        } catch {
            throw TesseraError.io(path: output, message: "cannot write (\(error.localizedDescription))")
        }
        print(text, terminator: "")
    }
}
