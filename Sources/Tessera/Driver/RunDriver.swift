import OrderedCollections

/// `tessera run`: compile, run on the host harness or the target's emulator, and collect
/// outputs, measurements and (optionally) the per-layer comparison.
public enum RunDriver {
    public enum Emulator: String, Sendable { case host, qemu }

    public struct Options: Sendable {
        public var compile: CompileOptions
        /// nil: the target's own (QEMU for MCU targets, the harness for host).
        public var emulator: Emulator?
        /// Compare every output with the reference interpreter (`--compare`).
        public var compare: Bool
        public var compareLayers: Bool
        /// Relative tolerance of both comparisons; nil: `defaultTolerance` of the precision.
        public var tolerance: Double?
        /// Build with the memory checking mode (`--check-memory`, -DTSR_CHECK_MEMORY): the
        /// model verifies its memory plan as it runs and a violation fails the run.
        public var checkMemory: Bool

        public init(compile: CompileOptions, emulator: Emulator? = nil, compare: Bool = false, compareLayers: Bool = false,
                    tolerance: Double? = nil, checkMemory: Bool = false) {
            self.checkMemory = checkMemory
            self.compile = compile
            self.emulator = emulator
            self.compare = compare
            self.compareLayers = compareLayers
            self.tolerance = tolerance
        }
    }

    /// The tolerance of `--compare` and `--compare-layers` when none is given: 1e-5 at
    /// fp32 (float32 rounding); at the FP16 precisions a bound for whole models against the
    /// FP32 reference, about twice the worst the MLPerf Tiny networks measure (ResNet-8:
    /// 2.4e-3 on its softmax at fp16, 5.8e-3 at fp16-acc16): a check for gross errors,
    /// not a statement of accuracy.
    public static func defaultTolerance(_ precision: Precision) -> Double {
        switch precision {
        case .fp32: return 1e-5
        case .fp16, .fp16Acc32: return 1e-2
        case .fp16Acc16: return 3e-2
        }
    }

    /// One output of `--compare`: the run's tensor against the reference interpreter's.
    public struct OutputComparison: Sendable {
        public var output: String
        public var comparison: Comparison
        public var within: Bool
    }

    public struct Result: Sendable {
        public var model: CompiledModel
        public var emulator: Emulator
        public var outputs: OrderedDictionary<String, TensorValue>
        /// The measured figures (QEMU runs only).
        public var report: JSONValue?
        /// The tolerance the comparisons used.
        public var tolerance: Double
        /// With `compare`: every output against the reference interpreter run on the
        /// model's own graph (before any pass, so in FP32 whatever the precision).
        public var comparisons: [OutputComparison]?
        public var layers: LayerComparison?

        /// The outputs of `comparisons` beyond `tolerance`.
        public var failedComparisons: [OutputComparison] { (comparisons ?? []).filter { !$0.within } }
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

    /// `value` (a model input, NCHW) in `layout`: transposed to NHWC for a 4-D input the
    /// compiled API takes channels-last.
    public static func physical(_ value: TensorValue, _ layout: DataLayout) -> TensorValue {
        guard layout == .nhwc, value.shape.count == 4 else { return value }
        let s = value.shape
        return ReferenceOps.stridedCopy(StridedCopySpec(outputShape: LayoutLowering.toNHWC.map { s[$0] },
                                                        inputStrides: LayoutLowering.toNHWC.map { StridedCopySpec.denseStrides(s)[$0] },
                                                        inputOffset: 0), value)
    }

    public static func run(_ graph: Graph, inputs: OrderedDictionary<String, TensorValue>, options: Options) throws -> Result {
        let model = try Compiler.compile(graph, options: options.compile)
        let emulator = options.emulator ?? (model.target.isHost ? .host : .qemu)
        if emulator == .qemu && model.target.isHost {
            throw TesseraError.usage("the host target runs only with --emulator host")
        }
        // The tensors-JSON inputs are the model's (NCHW); an input the compiled API takes in
        // NHWC (`--input-layout nhwc`) is fed transposed.
        let ordered = OrderedDictionary(uniqueKeysWithValues: model.graph.inputs.map { ($0.name, physical(inputs[$0.name]!, $0.layout)) })
        var outputs: OrderedDictionary<String, TensorValue>
        var dumps: [LayerKey: [Float]] = [:]
        var report: JSONValue?
        switch emulator {
        case .host:
            if options.compareLayers {
                (outputs, dumps) = try HostRunner.runWithLayers(model, inputs: ordered, checkMemory: options.checkMemory)
            } else {
                outputs = try HostRunner.compileAndRun(model, inputs: ordered, checkMemory: options.checkMemory)
            }
        case .qemu:
            let run = try EmulatorRunner.run(model, target: model.target, inputs: ordered, dumpLayers: options.compareLayers,
                                             checkMemory: options.checkMemory)
            outputs = run.outputs
            dumps = run.layerOutputs
            report = EmulatorRunner.report(run, model: model, target: model.target, precision: model.precision.rawValue,
                                           inputBytes: ordered.values.map { $0.count * model.io.byteSize }.reduce(0, +))
        }
        let tolerance = options.tolerance ?? defaultTolerance(model.precision)
        let inputValues = Dictionary(uniqueKeysWithValues: ordered.map { ($0.key, $0.value) })
        var comparisons: [OutputComparison]?
        if options.compare {
            // The reference runs the model's own graph, on the model's (NCHW) inputs.
            let reference = try ReferenceInterpreter.run(graph, inputs: Dictionary(uniqueKeysWithValues: inputs.map { ($0.key, $0.value) }))
            comparisons = try graph.outputs.map { name in
                guard let actual = outputs[name], let expected = reference[name] else {
                    throw TesseraError.internalError("output \"\(name)\" missing from the run or the reference interpreter")
                }
                let c = Comparison(actual, expected)
                return OutputComparison(output: name, comparison: c, within: c.within(relative: tolerance))
            }
        }
        var layers: LayerComparison?
        if options.compareLayers {
            layers = try LayerComparison(graph: model.graph, inputs: inputValues, dumps: dumps, tolerance: tolerance)
        }
        return Result(model: model, emulator: emulator, outputs: outputs, report: report, tolerance: tolerance, comparisons: comparisons,
                      layers: layers)
    }
}
