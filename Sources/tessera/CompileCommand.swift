import ArgumentParser
import Foundation
import Tessera

struct CompileTarget: ParsableArguments {
    @Option(help: "Target to compile for: host or an MCU of Targets/ (`tessera targets` lists them).")
    var target: String = "host"

    @Option(help: "Numeric precision: \(Compiler.supportedPrecisions.joined(separator: ", ")) (default: fp16 on targets with FP16 arithmetic, else fp32).")
    var precision: String?

    @Option(help: ArgumentHelp("Print the IR after this pass (repeatable; \"all\" for every pass).",
                               discussion: "Passes: \(Pipeline.passNames.joined(separator: ", "))."))
    var dumpIRAfter: [String] = []

    @Option(help: "Kernels: best (the fastest variant per layer, named in the layer's comment) or baseline (the plain C loop nests).")
    var kernels: String = "best"

    @Option(help: "Element type of the generated API's inputs and outputs: fp32 (float) or fp16 (tsr_f16, IEEE half).")
    var io: String = "fp32"

    @Option(help: "Layer outputs placed over their own input (at the distance each kernel allows): auto (where that lowers the arena), always or never.")
    var inPlace: String = "auto"

    @Flag(help: "Inputs and outputs live in the arena (TFLite Micro's convention): <model>_input(arena, i), <model>_invoke(arena), <model>_output(arena, i).")
    var ioInArena = false

    @Flag(help: "The input is pulled region by region through <model>_read_input(row, col, height, width, dst), which the application provides, instead of passed to <model>_run: with a scheduled first stage the frame never sits whole in RAM (compile: also --input streamed).")
    var streamedInput = false

    @Option(help: "Byte alignment of the arena's buffers (a multiple of 4; default: the target's, 16).")
    var arenaAlignment: Int?

    @Option(help: "Layout of the generated API's 4-D image inputs: nchw (the model's) or nhwc (channels last: no input transpose).")
    var inputLayout: String = "nchw"

    @Option(help: "layer (each layer whole, the default), auto (searched: the smallest arena within --max-overhead, or with --fit the fewest extra MACs that fit the target), or stages MODE@[FROM..]TO separated by commas: TO and every node it depends on back to tensor FROM (or the inputs), MODE patch:RxC (an R x C grid of patches of TO's output, halos recomputed, MCUNetV2) or band:K (row bands with line buffers, K input rows per pass, nothing recomputed); the rest layer by layer.")
    var schedule: String = "layer"

    @Option(help: "With --schedule auto: the extra MACs (recomputed halos) allowed, as a fraction of the network's.")
    var maxOverhead: Double = 0.15

    @Flag(help: "With --schedule auto: the schedule with the fewest extra MACs whose arena fits the target's SRAM region with its stack, instead of the smallest arena.")
    var fit = false

    var options: CompileOptions {
        get throws {
            var p: Precision?
            if let precision {
                guard let parsed = Precision(rawValue: precision) else {
                    throw TesseraError.usage("unknown precision \"\(precision)\" (available: \(Compiler.supportedPrecisions.joined(separator: ", ")))")
                }
                p = parsed
            }
            guard let choice = KernelChoice(rawValue: kernels) else {
                throw TesseraError.usage("unknown kernel choice \"\(kernels)\" (available: best, baseline)")
            }
            let ioType: DType
            switch io {
            case "fp32": ioType = .float32
            case "fp16": ioType = .float16
            default: throw TesseraError.usage("unknown --io \"\(io)\" (available: fp32, fp16)")
            }
            guard let policy = InPlacePolicy(rawValue: inPlace) else {
                throw TesseraError.usage("unknown --in-place \"\(inPlace)\" (available: \(InPlacePolicy.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            guard let layout = DataLayout(rawValue: inputLayout.uppercased()) else {
                throw TesseraError.usage("unknown --input-layout \"\(inputLayout)\" (available: nchw, nhwc)")
            }
            var options = CompileOptions(target: target, precision: p, dumpIRAfter: Set(dumpIRAfter), kernels: choice, io: ioType, inPlace: policy)
            options.inputLayout = layout
            options.ioInArena = ioInArena
            options.streamedInput = streamedInput
            options.arenaAlignment = arenaAlignment
            options.schedule = try ScheduleRequest(parsing: schedule)
            if fit && options.schedule != .auto { throw TesseraError.usage("--fit needs --schedule auto") }
            options.maxOverhead = maxOverhead
            options.fit = fit
            return options
        }
    }

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

    @Option(help: "Where the input comes from: caller (a buffer passed to <model>_run, the default) or streamed (the same as --streamed-input).")
    var input: String = "caller"

    func run() throws {
        var options = try target.options
        switch input {
        case "caller": break
        case "streamed": options.streamedInput = true
        default: throw TesseraError.usage("unknown --input \"\(input)\" (available: caller, streamed)")
        }
        let compiled = try Compiler.compile(try model.load(), options: options)
        CompileTarget.printDumps(compiled)
        try Compiler.write(compiled, to: output)
        print("wrote \(compiled.files.count) files to \(output): arena \(compiled.plan.arenaBytes) B, weights \(compiled.plan.weightsBytes) B, \(compiled.summary.macs) MACs")
        let s = compiled.schedule
        if let layer = s.peakLayerByLayer {
            let overhead = s.networkMACs == 0 ? 0 : 100 * Double(s.overheadMACs) / Double(s.networkMACs)
            var line = "schedule \(s.request.description): arena \(compiled.plan.arenaBytes) B against \(layer) B layer by layer, "
                + "+\(String(format: "%.1f", overhead)) % MACs"
            if let n = s.candidates, let t = s.searchSeconds { line += " (searched: \(n) candidates in \(String(format: "%.1f", t)) s)" }
            print(line)
        }
    }
}
