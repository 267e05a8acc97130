import ArgumentParser
import Foundation
import Tessera

struct Generate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a model of the zoo as model JSON, with seeded random weights (the networks of the scheduling benchmarks, made without a download).",
        subcommands: [GenerateMobileNetV2.self])
}

struct GenerateMobileNetV2: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mobilenetv2",
        abstract: "MobileNetV2 in torchvision's mobilenet_v2 layout (Conv + BatchNormalization + ReLU6, logits out), named after its settings: mobilenetv2_<width x 100>_<resolution>_c<classes>[_s<seed>].")

    @Option(help: "Width multiplier: any positive number (torchvision's are 0.35 to 1.4).")
    var width: Double = 1.0

    @Option(help: "Input height and width: a multiple of 16, at least 32 (224, 144, 96, ...).")
    var resolution: Int = 224

    @Option(help: "Number of classes (outputs of the classifier), at least 1.")
    var classes: Int = 1000

    @Option(help: "Seed of the weights: the same seed writes the same file.")
    var seed: UInt64 = 0

    @Option(name: .shortAndLong, help: "Where to write the model JSON.")
    var output: String

    func run() throws {
        let settings = MobileNetV2.Settings(width: width, resolution: resolution, classes: classes, seed: seed)
        let graph = try MobileNetV2.graph(settings)
        let text = JSONWriter.write(ModelWriter.json(graph))
        do {
            try Data(text.utf8).write(to: URL(fileURLWithPath: output), options: .atomic)
        } catch {
            throw TesseraError.io(path: output, message: "cannot write the file (\(error.localizedDescription))")
        }
        let values = graph.constants.values.map(\.type.elementCount).reduce(0, +)
        print("generated \"\(graph.name)\": \(graph.nodes.count) nodes, \(graph.constants.count) constants (\(InspectReport.grouped(values)) values), \(InspectReport.grouped(text.utf8.count)) B -> \(output)")
    }
}
