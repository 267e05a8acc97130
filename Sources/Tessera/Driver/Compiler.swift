import Foundation

/// Options of one compilation.
public struct CompileOptions: Sendable {
    public var target: String
    /// nil: the target's default (`Precision.defaultFor`).
    public var precision: Precision?
    /// Pass names (or "all") after which to record the IR text in `CompiledModel.irDumps`.
    public var dumpIRAfter: Set<String>
    /// Run the verifier after every pass (cheap; on by default).
    public var verifyEachPass: Bool
    /// Which kernels the generator may pick (the baseline keeps the plain loop nests).
    public var kernels: KernelChoice
    /// The element type of the generated API's inputs and outputs (`--io fp32 | fp16`).
    public var io: DType
    /// Which depthwise layers write over their input (with `kernels` .best).
    public var inPlace: InPlacePolicy
    /// Inputs and outputs live in the arena (TFLM's convention): the caller writes through
    /// `<model>_input(i)` and reads through `<model>_output(i)` (`--io-in-arena`).
    public var ioInArena: Bool = false
    /// `--input streamed`: the input is pulled region by region through the generated
    /// callback `<model>_read_input` instead of read from a caller buffer (InputStreaming).
    public var streamedInput = false
    /// The layout of 4-D image inputs in the generated API: nchw (the model's, default) or
    /// nhwc, which drops the input transpose (`--input-layout`).
    public var inputLayout: DataLayout = .nchw
    /// Byte alignment of arena offsets: the target's (16 unless its description says
    /// otherwise) when nil.
    public var arenaAlignment: Int?
    /// Layer by layer, or a stage by patches (`--schedule`, ScheduleRequest).
    public var schedule: ScheduleRequest = .layer
    /// With `--schedule auto`: the extra MACs allowed, as a fraction of the network's.
    public var maxOverhead: Double = 0.15
    /// With `--schedule auto`: the fewest extra MACs whose peak fits the target's arena
    /// region with its stack, instead of the smallest peak (`--fit`).
    public var fit = false
    /// Test only: see MemoryPlanner.ArenaOptions.overlapSlack.
    var overlapSlack = 0
    /// Test-only: edits the memory plan after planning, before code generation (the
    /// memory checking tests plant wrong plans with it). Internal; nil everywhere else.
    var planEdit: (@Sendable (inout MemoryPlan) -> Void)?

    public init(target: String = "host", precision: Precision? = nil, dumpIRAfter: Set<String> = [], verifyEachPass: Bool = true,
                kernels: KernelChoice = .best, io: DType = .float32, inPlace: InPlacePolicy = .whenSmaller) {
        self.kernels = kernels
        self.inPlace = inPlace
        self.io = io
        self.target = target
        self.precision = precision
        self.dumpIRAfter = dumpIRAfter
        self.verifyEachPass = verifyEachPass
    }
}

/// The result of compiling a model: every output file by name, plus what the report says.
public struct CompiledModel: Sendable {
    public var graph: Graph
    public var plan: MemoryPlan
    public var summary: ModelSummary
    public var kernels: [String]
    /// File name -> contents, in a fixed order.
    public var files: [(name: String, contents: String)]
    /// C symbol prefix (`<model>_run`, `<model>_desc`, file names).
    public var symbolPrefix: String
    public var target: TargetDescription
    public var precision: Precision
    /// The element type of the inputs and outputs: float32, or float16 (`tsr_f16`).
    public var io: DType
    /// (pass name, IR text) for every pass named in `CompileOptions.dumpIRAfter`.
    public var irDumps: [(pass: String, text: String)]
    /// The schedule run (searched with `--schedule auto`) and its figures.
    public var schedule: ScheduleChoice
    /// The input is pulled through `<model>_read_input` (`--input streamed`).
    public var streamedInput: Bool
}

/// The compilation pipeline, one stage per line.
public enum Compiler {
    public static let supportedPrecisions = Precision.allCases.map(\.rawValue)

    public static func compile(_ input: Graph, options: CompileOptions = .init()) throws -> CompiledModel {
        let target = try TargetRegistry.named(options.target)
        let precision = options.precision ?? Precision.defaultFor(target)
        // 1. Optimise: the passes of `Pipeline.passes`, verified after each one.
        var dumps: [(pass: String, text: String)] = []
        guard options.io == .float32 || options.io == .float16 else {
            throw TesseraError.usage("--io must be fp32 or fp16")
        }
        if options.streamedInput {
            guard !options.ioInArena else { throw TesseraError.usage("--input streamed and --io-in-arena exclude each other: a streamed input is never whole in the arena") }
            _ = try InputStreaming.streamedInput(input)
        }
        let optimised = try Pipeline.run(input, options: PassOptions(precision: precision, io: options.io, inputLayout: options.inputLayout), verify: options.verifyEachPass,
                                         dumpAfter: options.dumpIRAfter) { dumps.append(($0, $1)) }
        let alignment = options.arenaAlignment ?? target.arenaAlignment
        guard alignment >= 4 && alignment % 4 == 0 else { throw TesseraError.usage("the arena alignment must be a positive multiple of 4, got \(alignment)") }
        let arena = MemoryPlanner.ArenaOptions(overlap: options.inPlace, ioInArena: options.ioInArena, alignment: alignment,
                                               overlapSlack: options.overlapSlack)
        // 2. Schedule: stages run by patches (StageRewrite) or row bands (BandRewrite)
        //    become region nodes; `auto` searches them (ScheduleSearch).
        let chosen = try ScheduleSearch.resolve(options, graph: optimised, target: target, arena: arena)
        var scheduled = try chosen.request.apply(optimised)
        //    With `--input streamed`, every read of the input becomes a ReadInput of the
        //    region it takes (InputStreaming).
        if options.streamedInput { scheduled = try InputStreaming.apply(scheduled).graph }
        // 3. Memory: the execution order with the smallest arena (ExecutionOrder), weights
        //    blob layout, activation lifetimes and arena offsets.
        let (graph, planned) = try ExecutionOrder.best(scheduled) {
            try MemoryPlanner.plan($0, kernels: options.kernels, simd: target.kernelSIMD, arena: arena)
        }
        var plan = planned
        // 4. Per-layer figures: parameters, MACs, activation sizes.
        let summary = try ModelSummary(graph)
        options.planEdit?(&plan)
        // 5. C code: header with the memory contract, schedule, weights.
        let (sources, kernels) = try CEmitter(graph: graph, plan: plan, acc: precision.accumulation(on: target), io: options.io,
                                              streamed: options.streamedInput).emit()
        // 6. The runtime kernel files the schedule calls, and their headers; with half I/O
        //    also the two conversions, for drivers whose data is float.
        let conversions = options.io == .float16 ? ["tsr_convert_f16_to_f32", "tsr_convert_f32_to_f16"] : []
        let runtime = try runtimeFiles(Array(Set(kernels + conversions)).sorted())
        // 7. The report: every byte the model uses.
        let report = Report.json(graph: graph, plan: plan, summary: summary, kernels: kernels, precision: precision, target: target,
                                 schedule: chosen, streamedInput: options.streamedInput)
        var files = sources.map { (name: $0.0, contents: $0.1) }
        files += runtime
        files.append((name: "report.json", contents: JSONWriter.write(report)))
        return CompiledModel(graph: graph, plan: plan, summary: summary, kernels: kernels, files: files,
                             symbolPrefix: CSyntax.symbolPrefix(graph.name), target: target, precision: precision, io: options.io, irDumps: dumps,
                             schedule: chosen, streamedInput: options.streamedInput)
    }

    private static func runtimeFiles(_ kernels: [String]) throws -> [(name: String, contents: String)] {
        var names: [String] = []
        var queue = ResourcePaths.runtimeHeaders + kernels.map { "\($0).c" }
        while !queue.isEmpty {
            let name = queue.removeFirst()
            if names.contains(name) { continue }
            names.append(name)
            queue += try ResourcePaths.kernelIncludes(name)
        }
        return try names.sorted().map { (name: $0, contents: try ResourcePaths.kernelFile($0)) }
    }
}
