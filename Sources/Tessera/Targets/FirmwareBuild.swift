import Foundation
import OrderedCollections

/// Builds a firmware image for a QEMU-emulated MCU target: the compiled model, its inputs
/// compiled in as constants, the driver of `Targets/qemu/firmware.c`, picolibc with
/// semihosting, and a linker script with the MCU's own memory sizes.
public enum FirmwareBuild {
    public struct Image: Sendable {
        public var elf: String
        public var directory: String
        /// Bytes in flash: code, read-only data and the initial values of data.
        public var flashBytes: Int
        /// Bytes of RAM taken by data and bss (the arena included), without the stack.
        public var staticRamBytes: Int
        /// The part of `flashBytes` that belongs to the model (its code, the kernels it
        /// calls, its weights), from the link map.
        public var modelFlashBytes: Int
    }

    static let warnings = ["-std=c99", "-Wall", "-Wextra", "-Werror", "-pedantic", "-ffp-contract=off"]

    /// Checks that a tool is on PATH, or names the Debian package that provides it.
    static func require(_ tool: String, package: String) throws {
        guard Shell.exists(tool) else { throw TesseraError.missingTool(tool: tool, package: package) }
    }

    /// The flags every C file of a firmware image for `t` compiles with: the core's, the
    /// strict warnings, and picolibc's headers (its specs file where the compiler is gcc,
    /// its include directory where it is clang). A user's firmware build compiles the
    /// generated model the same way.
    public static func compileFlags(for t: TargetDescription) -> [String] {
        let c = t.compiler
        let libc = c.linker == nil ? ["--specs=picolibc.specs"] : (c.includeDirectory.map { ["-isystem", $0] } ?? [])
        return c.flags + warnings + ["-O2", "-ffunction-sections", "-fdata-sections"] + libc
    }

    public static func build(_ model: CompiledModel, target t: TargetDescription, inputs: OrderedDictionary<String, TensorValue>,
                             dumpLayers: Bool, checkMemory: Bool = false, in directory: String) throws -> Image {
        let c = t.compiler
        try require(c.cc, package: c.debianPackage)
        if let linker = c.linker { try require(linker, package: c.linkerPackage ?? linker) }
        let modelDir = (directory as NSString).appendingPathComponent("model")
        try Compiler.write(model, to: modelDir)
        let p = model.symbolPrefix
        try write(dataSource(model, inputs: inputs, dumpLayers: dumpLayers), to: directory + "/fw_data.c")
        try write(LinkerScript.text(for: t), to: directory + "/link.ld")
        let firmware = ResourcePaths.targets.appendingPathComponent("qemu/firmware.c").path
        let check = checkMemory ? HostRunner.checkMemoryFlags(model) : []
        let flags = compileFlags(for: t) + check + ["-DTSR_LAYER_HOOK", "-DTSR_MODEL_HEADER=\"\(p).h\"", "-DTSR_MODEL_DESC=\(p)_desc", "-I", modelDir]
        var objects: [String] = []
        let sources = [firmware, directory + "/fw_data.c"] + (checkMemory ? [HostRunner.checkRuntime] : []) + model.files.map(\.name).filter { $0.hasSuffix(".c") }.map { modelDir + "/" + $0 }
        for source in sources {
            let object = source.hasPrefix(modelDir) ? source + ".o" : directory + "/" + URL(fileURLWithPath: source).lastPathComponent + ".o"
            let r = try Shell.run(c.cc, flags + ["-c", source, "-o", object])
            guard r.status == 0 else { throw TesseraError.toolFailed(tool: c.cc, status: r.status, output: r.output) }
            objects.append(object)
        }
        let elf = directory + "/firmware.elf", map = directory + "/firmware.map"
        let linker = c.linker ?? c.cc
        let r = try Shell.run(linker, c.linkFlags + ["--specs=picolibc.specs", "--oslib=semihost", "--crt0=semihost", "-T", directory + "/link.ld",
                                                     "-Wl,--gc-sections", "-Wl,-Map=\(map)"] + objects + ["-lm", "-o", elf])
        guard r.status == 0 else {
            if let overflow = regionOverflow(r.output, t) { throw overflow }
            if r.output.contains("picolibc.specs") {
                throw TesseraError.missingTool(tool: "picolibc", package: c.libcPackage ?? "picolibc")
            }
            throw TesseraError.toolFailed(tool: linker, status: r.status, output: r.output)
        }
        let sizes = try sectionSizes(elf, t)
        return Image(elf: elf, directory: directory, flashBytes: sizes.flash, staticRamBytes: sizes.ram,
                     modelFlashBytes: try modelFlashBytes(map: map, modelDirectory: modelDir))
    }

    private static func write(_ text: String, to path: String) throws {
        do {
            try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        } catch {
            throw TesseraError.io(path: path, message: "cannot write (\(error.localizedDescription))")
        }
    }

    /// fw_data.c: the inputs as constants, output buffers, the arena, `fw_run` (the model's
    /// typed entry point on them), the dump switch.
    static func dataSource(_ model: CompiledModel, inputs: OrderedDictionary<String, TensorValue>, dumpLayers: Bool) -> String {
        let p = model.symbolPrefix, macro = p.uppercased()
        let half = model.io == .float16
        let type = half ? "tsr_f16" : "float"
        func literal(_ x: Float) -> String { half ? CSyntax.half(x) : CSyntax.float(x) }
        var l = ["/* Generated by Tessera: the firmware's inputs, outputs and arena. */", "#include <stddef.h>", "", "#include \"\(p).h\"", ""]
        for (i, input) in model.graph.inputs.enumerated() {
            let values = (inputs[input.name]?.data ?? []).map(literal)
            l.append("static const \(type) fw_input_\(i)[\(max(values.count, 1))] = {")
            let perLine = half ? 4 : 8
            for start in stride(from: 0, to: values.count, by: perLine) {
                l.append("    " + values[start..<min(start + perLine, values.count)].joined(separator: ", ") + ",")
            }
            l.append("};")
        }
        for i in model.graph.outputs.indices { l.append("static \(type) fw_output_\(i)[\(macro)_OUTPUT_\(i)_ELEMS];") }
        let ins = model.graph.inputs.indices.map { "fw_input_\($0)" }.joined(separator: ", ")
        let outs = model.graph.outputs.indices.map { "fw_output_\($0)" }.joined(separator: ", ")
        l.append("static const \(type) *const fw_in[\(max(model.graph.inputs.count, 1))] = { \(ins.isEmpty ? "NULL" : ins) };")
        l.append("static \(type) *const fw_out[\(model.graph.outputs.count)] = { \(outs) };")
        l.append("static float fw_arena[\(max(model.plan.arenaBytes / 4, 1))] TSR_ALIGNED(\(model.plan.alignment));")
        l.append("const void *const fw_outputs[\(model.graph.outputs.count)] = { \(outs) };")
        l.append("const int fw_io_half = \(half ? 1 : 0);")
        l.append("const int fw_dump_layers = \(dumpLayers ? 1 : 0);")
        if model.streamedInput, let input = model.graph.inputs.first {
            l += streamedRead(model, input, type: type)
            l += ["", "int fw_run(void);", "int fw_run(void)", "{", "    (void)fw_in;", "    return \(p)_run(NULL, fw_out, fw_arena);", "}"]
        } else {
            l += ["", "int fw_run(void);", "int fw_run(void)", "{", "    return \(p)_run(fw_in, fw_out, fw_arena);", "}"]
        }
        // An input beyond the largest half (65504) is an infinite half: HUGE_VALF.
        if half && l.contains(where: { $0.contains("HUGE_VALF") }) { l.insert("#include <math.h>", at: 1) }
        return l.joined(separator: "\n") + "\n"
    }

    /// A streamed input's `<model>_read_input`: the frame in flash plays the camera; a
    /// region outside it fails the read.
    static func streamedRead(_ model: CompiledModel, _ input: GraphInput, type: String) -> [String] {
        let x = input.type.shape, nhwc = input.layout == .nhwc
        let (h, w, c) = nhwc ? (x[1], x[2], x[3]) : (x[2], x[3], x[1])
        let copy = nhwc ? "dst[(r * width + j) * \(c) + k] = fw_input_0[((row + r) * \(w) + col + j) * \(c) + k];"
                        : "dst[(k * height + r) * width + j] = fw_input_0[(k * \(h) + row + r) * \(w) + col + j];"
        return ["", "int \(model.symbolPrefix)_read_input(int32_t row, int32_t col, int32_t height, int32_t width, \(type) *dst)", "{",
                "    int32_t r, j, k;",
                "    if (dst == NULL || row < 0 || col < 0 || height < 1 || width < 1 || row + height > \(h) || col + width > \(w)) return -1;",
                "    for (r = 0; r < height; ++r) {", "        for (j = 0; j < width; ++j) {", "            for (k = 0; k < \(c); ++k) {",
                "                \(copy)", "            }", "        }", "    }", "    return 0;", "}"]
    }

    /// "region `ram' overflowed by 1234 bytes" lines name the MCU memories that are too small.
    static func regionOverflow(_ output: String, _ t: TargetDescription) -> TesseraError? {
        var overflows: [RegionOverflow] = []
        var rest = output[...]
        while let range = rest.range(of: #"region `(\w+)' overflowed by (\d+) bytes"#, options: .regularExpression) {
            let words = rest[range].split(separator: " ")
            rest = rest[range.upperBound...]
            let region = words[1].trimmingCharacters(in: CharacterSet(charactersIn: "`'"))
            let name: String
            switch region {
            case "ram": name = "\(t.arenaRegion?.name ?? "RAM") (SRAM, \(t.arenaRegion?.size ?? 0) bytes)"
            case "code": name = "\(t.code?.name ?? "code") (\(t.code?.size ?? 0) bytes)"
            default: name = "\(t.flash.name) (flash, \(t.flash.size) bytes)"
            }
            if !overflows.contains(where: { $0.region == name }) { overflows.append(RegionOverflow(region: name, bytes: Int(words[4]) ?? 0)) }
        }
        return overflows.isEmpty ? nil : .doesNotFit(target: t.name, overflows: overflows)
    }

    /// Flash and RAM bytes from the ELF's sections (`size -A`).
    static func sectionSizes(_ elf: String, _ t: TargetDescription) throws -> (flash: Int, ram: Int) {
        let tool = t.compiler.sizeTool ?? "size"
        let r = try Shell.run(tool, ["-A", elf])
        guard r.status == 0 else { throw TesseraError.toolFailed(tool: tool, status: r.status, output: r.output) }
        var flash = 0, ram = 0
        for line in r.output.split(separator: "\n") {
            let parts = line.split(separator: " ", omittingEmptySubsequences: true)
            guard parts.count >= 2, let size = Int(parts[1]) else { continue }
            switch parts[0] {
            case ".init", ".text", ".rodata": flash += size
            case ".data", ".tdata":
                flash += size
                ram += size
            case ".bss", ".tbss": ram += size
            default: break
            }
        }
        return (flash, ram)
    }

    /// Bytes the linker kept from the model's own object files (code, constants, weights),
    /// summed from the input-section lines of the link map.
    static func modelFlashBytes(map: String, modelDirectory: String) throws -> Int {
        guard let text = try? String(contentsOfFile: map, encoding: .utf8) else { return 0 }
        var total = 0
        var pendingSection: String?
        var inDiscarded = false
        for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let line = String(raw)
            if line.hasPrefix("Discarded input sections") { inDiscarded = true; continue }
            if line.hasPrefix("Memory Configuration") || line.hasPrefix("Linker script and memory map") { inDiscarded = false }
            if inDiscarded { continue }
            let parts = line.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
            var section: String?, fields: [String] = []
            if line.hasPrefix(" .") && parts.count == 1 {
                pendingSection = parts[0]
                continue
            } else if line.hasPrefix(" .") && parts.count >= 4 {
                section = parts[0]
                fields = Array(parts[1...])
            } else if let pending = pendingSection, line.hasPrefix("      "), parts.count >= 3 {
                section = pending
                fields = parts
            }
            pendingSection = nil
            guard let name = section, fields.count >= 3, fields[2].hasPrefix(modelDirectory),
                  name.hasPrefix(".text") || name.hasPrefix(".rodata") || name.hasPrefix(".data") || name.hasPrefix(".srodata"),
                  let size = Int(fields[1].dropFirst(2), radix: 16) else { continue }
            total += size
        }
        return total
    }
}
