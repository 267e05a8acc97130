import OrderedCollections

/// `tessera run`: compile, run on the host harness or the target's emulator, and collect
/// outputs, measurements and (optionally) the per-layer comparison.
public enum RunDriver {
    public enum Emulator: String, Sendable { case host, qemu }

    public struct Options: Sendable {
        public var compile: CompileOptions
        /// nil: the target's own (QEMU for MCU targets, the harness for host).
        public var emulator: Emulator?
        public var compareLayers: Bool
        public var tolerance: Double

        public init(compile: CompileOptions, emulator: Emulator? = nil, compareLayers: Bool = false, tolerance: Double = 1e-5) {
            self.compile = compile
            self.emulator = emulator
            self.compareLayers = compareLayers
            self.tolerance = tolerance
        }
    }

    public struct Result: Sendable {
        public var model: CompiledModel
        public var emulator: Emulator
        public var outputs: OrderedDictionary<String, TensorValue>
        /// The measured figures (QEMU runs only).
        public var report: JSONValue?
        public var layers: LayerComparison?
    }

    /// Checks that `inputs` are exactly the model's inputs, with their shapes.
    public static func check(_ inputs: OrderedDictionary<String, TensorValue>, for graph: Graph, file: String) throws {
        for name in inputs.keys where !graph.isGraphInput(name) {
            throw TesseraError.invalidTensors(location: "\(file): tensor \"\(name)\"", message: "the model has no input of this name")
        }
        for i in graph.inputs {
            guard let t = inputs[i.name] else {
                throw TesseraError.invalidTensors(location: file, message: "missing model input \"\(i.name)\"")
            }
            guard t.shape == i.type.shape else {
                throw TesseraError.invalidTensors(location: "\(file): tensor \"\(i.name)\"", message: "shape \(shapeText(t.shape)) does not match the model's \(shapeText(i.type.shape))")
            }
        }
    }

    public static func run(_ graph: Graph, inputs: OrderedDictionary<String, TensorValue>, options: Options) throws -> Result {
        let model = try Compiler.compile(graph, options: options.compile)
        let emulator = options.emulator ?? (model.target.isHost ? .host : .qemu)
        if emulator == .qemu && model.target.isHost {
            throw TesseraError.usage("the host target runs only with --emulator host")
        }
        let ordered = OrderedDictionary(uniqueKeysWithValues: model.graph.inputs.map { ($0.name, inputs[$0.name]!) })
        var outputs: OrderedDictionary<String, TensorValue>
        var dumps: [LayerKey: [Float]] = [:]
        var report: JSONValue?
        switch emulator {
        case .host:
            if options.compareLayers {
                (outputs, dumps) = try HostRunner.runWithLayers(model, inputs: ordered)
            } else {
                outputs = try HostRunner.compileAndRun(model, inputs: ordered)
            }
        case .qemu:
            let run = try EmulatorRunner.run(model, target: model.target, inputs: ordered, dumpLayers: options.compareLayers)
            outputs = run.outputs
            dumps = run.layerOutputs
            report = EmulatorRunner.report(run, model: model, target: model.target, precision: model.precision.rawValue,
                                           inputBytes: ordered.values.map { $0.count * model.io.byteSize }.reduce(0, +))
        }
        var layers: LayerComparison?
        if options.compareLayers {
            layers = try LayerComparison(graph: model.graph, inputs: Dictionary(uniqueKeysWithValues: ordered.map { ($0.key, $0.value) }),
                                         dumps: dumps, tolerance: options.tolerance)
        }
        return Result(model: model, emulator: emulator, outputs: outputs, report: report, layers: layers)
    }
}
