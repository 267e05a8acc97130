import Foundation
import Testing
@testable import Tessera

/// The four MLPerf Tiny networks of ../shared/models: imported, compiled, run on the host
/// emulated target, and compared with onnxruntime's outputs for every reference input.
enum SharedModels {
    static var directory: String {
        ProcessInfo.processInfo.environment["TESSERA_MODELS"]
            ?? TestEnvironment.repositoryRoot.deletingLastPathComponent().appendingPathComponent("shared/models").path
    }

    static var available: Bool { FileManager.default.fileExists(atPath: directory + "/ic_resnet8.onnx") }

    static let skipReason: Comment = "the shared MLPerf Tiny models are not at ../shared/models (set TESSERA_MODELS to their folder)"

    /// name, parameters (float weights), integer shape values, MACs, output kind.
    static let expectations: [(name: String, params: Int, shapeInts: Int, macs: Int, softmax: Bool)] = [
        ("ic_resnet8", 77_706, 2, 12_501_632, true),
        ("vww_mobilenetv1_025", 210_850, 2, 7_489_664, true),
        ("kws_dscnn", 22_604, 2, 2_656_768, true),
        ("ad_autoencoder", 265_864, 0, 264_192, false),
    ]

    static var names: [String] { expectations.map(\.name) }

    static func reference(_ name: String, _ k: Int) throws -> (inputs: [String: TensorValue], outputs: [String: TensorValue]) {
        let read = { (path: String) throws -> [String: TensorValue] in
            Dictionary(uniqueKeysWithValues: try TensorsJSON.read(path: path).map { ($0.key, $0.value) })
        }
        return (try read("\(directory)/refs/\(name).in\(k).json"), try read("\(directory)/refs/\(name).out\(k).json"))
    }
}

@Suite(.enabled(if: SharedModels.available, SharedModels.skipReason))
struct SharedModelTests {
    @Test(arguments: SharedModels.names)
    func inspectCountsParametersAndMACs(_ name: String) throws {
        let e = SharedModels.expectations.first { $0.name == name }!
        let graph = try ONNXImporter.load(path: "\(SharedModels.directory)/\(name).onnx").graph
        let summary = try ModelSummary(graph)
        // The published figures (77,708 parameters and 12.5 M MACs for ResNet-8, ...) count
        // every initializer element: the float weights plus Reshape's integer shape.
        #expect(summary.params == e.params)
        #expect(summary.params + summary.integerConstantElements == e.params + e.shapeInts)
        #expect(summary.macs == e.macs)
        let r = try TestEnvironment.cli(["inspect", "\(SharedModels.directory)/\(name).onnx", "--format", "json"])
        #expect(r.status == 0, "\(r.stderr)")
        let json = try JSONParser.parse(r.stdout)
        #expect(json["totals"]?["params"] == .int(e.params))
        #expect(json["totals"]?["macs"] == .int(e.macs))
    }

    /// The parameter count is the model's: the same in every precision, in `report.json` (in
    /// total and layer by layer) and in `tessera inspect`, whatever dtype the weights are stored in.
    @Test(arguments: SharedModels.names)
    func parametersAreTheSameInEveryPrecision(_ name: String) throws {
        let e = SharedModels.expectations.first { $0.name == name }!
        let path = "\(SharedModels.directory)/\(name).onnx"
        let graph = try ONNXImporter.load(path: path).graph
        var perLayer: [Precision: [String: Int]] = [:]
        for precision in Precision.allCases {
            let model = try Compiler.compile(graph, options: CompileOptions(precision: precision))
            let report = try JSONParser.parse(try #require(model.files.first { $0.name == "report.json" }).contents)
            #expect(report["params"] == .int(e.params), "\(name) at \(precision.rawValue): report.json params \(String(describing: report["params"]))")
            var layers: [String: Int] = [:]
            for layer in report["layers"]?.array ?? [] {
                if case let .int(p)? = layer["params"], p > 0, let node = layer["node"]?.string { layers[node] = p }
            }
            #expect(layers.values.reduce(0, +) == e.params, "\(name) at \(precision.rawValue): layers' params sum to \(layers.values.reduce(0, +))")
            perLayer[precision] = layers
            let r = try TestEnvironment.cli(["inspect", path, "--format", "json", "--precision", precision.rawValue])
            #expect(r.status == 0, "\(r.stderr)")
            #expect(try JSONParser.parse(r.stdout)["totals"]?["params"] == .int(e.params), "\(name): inspect --precision \(precision.rawValue)")
        }
        for precision in Precision.allCases {
            #expect(perLayer[precision] == perLayer[.fp32], "\(name): the layers holding parameters differ at \(precision.rawValue)")
        }
    }

    @Test(arguments: SharedModels.names)
    func generatedCodeMatchesOnnxruntime(_ name: String) throws {
        let e = SharedModels.expectations.first { $0.name == name }!
        let graph = try ONNXImporter.load(path: "\(SharedModels.directory)/\(name).onnx").graph
        let model = try Compiler.compile(graph)
        let dir = try TestEnvironment.temporaryDirectory()
        defer { TestEnvironment.remove(dir) }
        let exe = try HostRunner.build(model, in: dir, checkMemory: true)
        for k in 0..<3 {
            let ref = try SharedModels.reference(name, k)
            let actual = try HostRunner.run(executable: exe, inputs: .init(uniqueKeysWithValues: ref.inputs.sorted { $0.key < $1.key }), in: dir)
            for (output, expected) in ref.outputs {
                let c = Comparison(try #require(actual[output]), expected)
                if e.softmax {
                    #expect(c.maxAbsError <= 1e-4, "\(name) in\(k) \(output): \(c)")
                } else {
                    #expect(c.maxRelError <= 1e-4, "\(name) in\(k) \(output): \(c)")
                }
            }
        }
    }

    @Test(arguments: SharedModels.names)
    func referenceInterpreterMatchesOnnxruntime(_ name: String) throws {
        let graph = try ONNXImporter.load(path: "\(SharedModels.directory)/\(name).onnx").graph
        let ref = try SharedModels.reference(name, 0)
        let actual = try ReferenceInterpreter.run(graph, inputs: ref.inputs)
        for (output, expected) in ref.outputs {
            let c = Comparison(try #require(actual[output]), expected)
            #expect(c.maxRelError <= 1e-5, "\(name) \(output): \(c)")
        }
    }
}
