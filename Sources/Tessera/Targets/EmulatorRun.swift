import Foundation
import OrderedCollections

/// What one run on an emulated MCU measured.
public struct EmulatorRun: Sendable {
    public var target: String
    public var outputs: OrderedDictionary<String, TensorValue>
    /// Instructions of one inference (the quiet run).
    public var instructions: Int
    /// Instructions per layer (the profiled run), by node name, in schedule order.
    public var layers: [(node: String, instructions: Int)]
    public var stackBytes: Int
    public var image: FirmwareBuild.Image
    /// Each layer's outputs (layer index, output index) when dumped.
    public var layerOutputs: [LayerKey: [Float]]
}

/// A node's k-th output in the schedule.
public struct LayerKey: Hashable, Sendable {
    public var layer: Int
    public var output: Int
}

/// Runs firmware images under QEMU with deterministic instruction counting.
public enum EmulatorRunner {
    /// Seconds before a run is considered hung.
    public static let timeout = 600.0

    public static func run(_ model: CompiledModel, target t: TargetDescription, inputs: OrderedDictionary<String, TensorValue>,
                           dumpLayers: Bool = false, checkMemory: Bool = false) throws -> EmulatorRun {
        try FirmwareBuild.require(t.emulator.binary, package: t.emulator.debianPackage)
        let dir = try HostRunner.temporaryDirectory()
        // TESSERA_KEEP_BUILD=1 keeps the firmware sources and ELF for debugging.
        let keep = ProcessInfo.processInfo.environment["TESSERA_KEEP_BUILD"] != nil
        if keep { FileHandle.standardError.write(Data("tessera: firmware build kept in \(dir)\n".utf8)) }
        defer { if !keep { try? FileManager.default.removeItem(atPath: dir) } }
        let image = try FirmwareBuild.build(model, target: t, inputs: inputs, dumpLayers: dumpLayers, checkMemory: checkMemory, in: dir)
        let args = ["-M", t.emulator.machine] + t.emulator.arguments + [
            "-nographic", "-monitor", "none", "-semihosting-config", "enable=on,target=native",
            "-icount", "shift=\(t.emulator.icountShift),sleep=off", "-kernel", image.elf,
        ]
        let r = try Shell.run(t.emulator.binary, args, timeout: timeout)
        // --check-memory: tsr_check.c reported a violation (and exited with status 3).
        let violations = r.output.split(separator: "\n").filter { $0.hasPrefix("tessera check: ") }
        if checkMemory && !violations.isEmpty {
            throw TesseraError.toolFailed(tool: "firmware (\(t.name))", status: 3, output: violations.joined(separator: "\n"))
        }
        guard r.status == 0 else {
            throw TesseraError.toolFailed(tool: "\(t.emulator.binary) (\(t.name))", status: r.status, output: r.output)
        }
        return try parse(r.output, model: model, target: t, image: image)
    }

    static func parse(_ text: String, model: CompiledModel, target t: TargetDescription, image: FirmwareBuild.Image) throws -> EmulatorRun {
        func bad(_ m: String) -> TesseraError { .internalError("firmware output for \(t.name): \(m)") }
        var calibrationTicks = 0.0, calibrationInstructions = 0.0, totalTicks = 0.0, stack = 0
        var layerTicks: [(Int, Double)] = []
        var outputs = OrderedDictionary<String, TensorValue>()
        var layerOutputs: [LayerKey: [Float]] = [:]
        let lines = text.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        var i = 0
        func words(_ count: Int) throws -> [Float] {
            var values: [Float] = []
            values.reserveCapacity(count)
            while values.count < count {
                guard i < lines.count else { throw bad("truncated values") }
                for w in lines[i].split(separator: " ") {
                    guard let bits = UInt32(w, radix: 16) else { throw bad("bad value \(w)") }
                    values.append(Float(bitPattern: bits))
                }
                i += 1
            }
            return values
        }
        while i < lines.count {
            let f = lines[i].split(separator: " ").map(String.init)
            i += 1
            guard let tag = f.first else { continue }
            switch tag {
            case "C" where f.count == 3:
                calibrationTicks = Double(f[1]) ?? 0
                calibrationInstructions = Double(f[2]) ?? 0
            case "T" where f.count == 3:
                totalTicks = (Double(f[1]) ?? 0) * 4_294_967_296 + (Double(f[2]) ?? 0)
            case "S" where f.count == 2:
                stack = Int(f[1]) ?? 0
            case "L" where f.count == 3:
                layerTicks.append((Int(f[1]) ?? 0, Double(f[2]) ?? 0))
            case "D" where f.count == 4 || f.count == 5:
                let key = LayerKey(layer: Int(f[1]) ?? 0, output: Int(f[2]) ?? 0)
                let raw = try words(Int(f[3]) ?? 0)
                // Half words were read as float bits: reinterpret their low 16 bits.
                layerOutputs[key] = f.count == 5 ? raw.map { Float(Float16(bitPattern: UInt16(truncatingIfNeeded: $0.bitPattern))) } : raw
            case "O" where f.count == 3 || f.count == 4:
                let k = Int(f[1]) ?? 0
                guard k < model.graph.outputs.count else { throw bad("unknown output \(k)") }
                let name = model.graph.outputs[k]
                let raw = try words(Int(f[2]) ?? 0)
                // "h": half words (--io fp16), read as float bits: their low 16 bits.
                let values = f.count == 4 ? raw.map { Float(Float16(bitPattern: UInt16(truncatingIfNeeded: $0.bitPattern))) } : raw
                outputs[name] = TensorValue(shape: try model.graph.type(of: name).shape, data: values)
            case "E":
                throw TesseraError.toolFailed(tool: "firmware (\(t.name))", status: 4, output: "the model returned status \(f.dropFirst().joined())")
            default:
                continue
            }
        }
        guard calibrationTicks > 0, calibrationInstructions > 0, outputs.count == model.graph.outputs.count else {
            throw bad("incomplete:\n\(text.suffix(2000))")
        }
        // Counter ticks per instruction, calibrated in the firmware (1 on RISC-V's minstret).
        let ratio = calibrationTicks / calibrationInstructions
        let layers = layerTicks.map { (model.graph.nodes[$0.0].name, Int(($0.1 / ratio).rounded())) }
        return EmulatorRun(target: t.name, outputs: outputs, instructions: Int((totalTicks / ratio).rounded()), layers: layers,
                           stackBytes: stack, image: image, layerOutputs: layerOutputs)
    }

    /// The run report (`--report RUN.json`): measured figures, and the latency estimate.
    /// `inputBytes`: the inputs compiled into the image, part of `flash_bytes`.
    public static func report(_ run: EmulatorRun, model: CompiledModel, target t: TargetDescription, precision: String,
                              inputBytes: Int) -> JSONValue {
        let ms = Double(run.instructions) * t.cpi / (t.clockMHz * 1000)
        return .object([
            ("target", .string(t.name)), ("precision", .string(precision)), ("model", .string(model.graph.name)),
            ("core", .string(t.core)), ("clock_mhz", .double(t.clockMHz)), ("emulator", .string("qemu \(t.emulator.machine), -icount shift=\(t.emulator.icountShift)")),
            ("macs", .int(model.summary.macs)),
            ("instructions", .int(run.instructions)),
            ("macs_per_instruction", .double((Double(model.summary.macs) / Double(max(run.instructions, 1)) * 1000).rounded() / 1000)),
            ("estimated_ms", .double((ms * 1000).rounded() / 1000)),
            ("estimate", .string("instructions x CPI \(t.cpi) / \(t.clockMHz) MHz; \(t.cpiSource)")),
            ("stack_bytes", .int(run.stackBytes)),
            ("flash_bytes", .int(run.image.flashBytes)),
            ("model_flash_bytes", .int(run.image.modelFlashBytes)),
            ("input_data_bytes", .int(inputBytes)),
            ("weights_bytes", .int(model.plan.weightsBytes)),
            ("static_ram_bytes", .int(run.image.staticRamBytes)),
            ("arena_bytes", .int(model.plan.arenaBytes)),
            ("input", .string(model.streamedInput ? "streamed" : model.plan.ioInArena ? "arena" : "caller")),
            ("ram_bytes", .int(run.image.staticRamBytes + run.stackBytes)),
            ("layers", .array(run.layers.map { .object([("node", .string($0.node)), ("instructions", .int($0.instructions))]) })),
        ])
    }
}
