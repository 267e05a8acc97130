import Foundation
import OrderedCollections

/// The host emulated target: builds a compiled model with the system C compiler and the
/// json-c harness of `Targets/host/`, runs it on tensors-JSON inputs and reads its outputs.
public enum HostRunner {
    /// Flags every generated model must build cleanly with.
    public static let strictFlags = ["-std=c99", "-Wall", "-Wextra", "-Werror", "-pedantic", "-ffp-contract=off"]

    /// The C compiler: `$CC`, else `cc`.
    public static var compiler: String { ProcessInfo.processInfo.environment["CC"] ?? "cc" }

    /// Writes `model` into `directory`/model, builds the harness there and returns the
    /// executable's path.
    /// With `layerHook` the harness also dumps every layer's outputs (`--compare-layers`);
    /// with `checkMemory` the model checks its memory plan as it runs (`--check-memory`:
    /// -DTSR_CHECK_MEMORY and Targets/common/tsr_check.c; a violation exits with status 3).
    public static func build(_ model: CompiledModel, in directory: String, compiler cc: String = compiler, optimize: String = "-O2",
                             layerHook: Bool = false, checkMemory: Bool = false) throws -> String {
        let modelDir = (directory as NSString).appendingPathComponent("model")
        try Compiler.write(model, to: modelDir)
        let harness = ResourcePaths.targets.appendingPathComponent("host/harness.c").path
        guard FileManager.default.fileExists(atPath: harness) else {
            throw TesseraError.internalError("host harness not found at \(harness) (set TESSERA_TARGETS)")
        }
        let exe = (directory as NSString).appendingPathComponent("harness")
        let (flags, sources) = compileArguments(model, modelDirectory: modelDir, optimize: optimize, layerHook: layerHook, checkMemory: checkMemory)
        let result = try Shell.run(cc, flags + sources + linkLibraries + ["-o", exe])
        guard result.status == 0 else {
            var output = result.output
            if output.contains("json-c/json.h") {
                output += "\nhint: the host harness needs json-c: apt-get install libjson-c-dev (or run `make deps`)"
            }
            throw TesseraError.toolFailed(tool: cc, status: result.status, output: output)
        }
        return exe
    }

    /// The compiler flags and the C sources of the harness build of `model`, written into
    /// `modelDirectory` (the harness, the layer dump with `layerHook`, the model's files).
    static func compileArguments(_ model: CompiledModel, modelDirectory modelDir: String, optimize: String = "-O2",
                                 layerHook: Bool = false, checkMemory: Bool = false) -> (flags: [String], sources: [String]) {
        let harness = ResourcePaths.targets.appendingPathComponent("host/harness.c").path
        let p = model.symbolPrefix
        let hook = layerHook ? ["-DTSR_LAYER_HOOK"] : []
        let io = model.io == .float16 ? ["-DTSR_IO_F16"] : []
        let check = checkMemory ? checkMemoryFlags(model) : []
        let flags = strictFlags + io + hook + check + streamFlags(model) + [optimize, "-DTSR_MODEL_HEADER=\"\(p).h\"", "-DTSR_MODEL_DESC=\(p)_desc", "-I", modelDir]
        let dump = layerHook ? [ResourcePaths.targets.appendingPathComponent("host/layer_dump.c").path] : []
        let sources = model.files.map(\.name).filter { $0.hasSuffix(".c") }.map { (modelDir as NSString).appendingPathComponent($0) }
        let checker = checkMemory ? [checkRuntime] : []
        return (flags, [harness] + dump + checker + sources)
    }

    /// A streamed input (`--input streamed`): the harness provides `<model>_read_input` from
    /// the frame it read, in the input's layout.
    static func streamFlags(_ model: CompiledModel) -> [String] {
        guard model.streamedInput, let input = model.graph.inputs.first else { return [] }
        return ["-DTSR_READ_INPUT=\(model.symbolPrefix)_read_input", "-DTSR_STREAM_NHWC=\(input.layout == .nhwc ? 1 : 0)"]
    }

    /// The defines of a memory checking build of `model` (harness or firmware): the mode,
    /// and the size of the shadow area tsr_check.c provides (the model header's).
    static func checkMemoryFlags(_ model: CompiledModel) -> [String] {
        ["-DTSR_CHECK_MEMORY", "-DTSR_CHECK_SHADOW_BYTES=\(model.symbolPrefix.uppercased())_CHECK_SHADOW_BYTES"]
    }

    /// The runtime of the memory checking mode, shared by the harness and the firmware.
    static var checkRuntime: String { ResourcePaths.targets.appendingPathComponent("common/tsr_check.c").path }

    /// The libraries the harness links: json-c and libm.
    static let linkLibraries = ["-ljson-c", "-lm"]

    /// Runs a built harness on `inputs` and returns the model outputs.
    public static func run(executable: String, inputs: OrderedDictionary<String, TensorValue>, in directory: String,
                           layersFile: String? = nil) throws -> OrderedDictionary<String, TensorValue> {
        let inPath = (directory as NSString).appendingPathComponent("inputs.json")
        let outPath = (directory as NSString).appendingPathComponent("outputs.json")
        try TensorsJSON.write(inputs, to: inPath)
        try? FileManager.default.removeItem(atPath: outPath)
        let result = try Shell.run(executable, [inPath, outPath] + (layersFile.map { [$0] } ?? []))
        guard result.status == 0 else {
            if result.status == 2 {
                throw TesseraError.invalidTensors(location: "harness", message: result.output.trimmingCharacters(in: .whitespacesAndNewlines))
            }
            throw TesseraError.toolFailed(tool: "host harness", status: result.status, output: result.output)
        }
        return try TensorsJSON.read(path: outPath)
    }

    /// Compiles, builds and runs in a fresh temporary directory (removed afterwards).
    public static func compileAndRun(_ model: CompiledModel, inputs: OrderedDictionary<String, TensorValue>,
                                     checkMemory: Bool = false) throws -> OrderedDictionary<String, TensorValue> {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let exe = try build(model, in: dir, checkMemory: checkMemory)
        return try run(executable: exe, inputs: inputs, in: dir)
    }

    /// Builds with the layer hook, runs, and returns the outputs and every layer's outputs.
    public static func runWithLayers(_ model: CompiledModel, inputs: OrderedDictionary<String, TensorValue>, checkMemory: Bool = false)
        throws -> (outputs: OrderedDictionary<String, TensorValue>, layers: [LayerKey: [Float]]) {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let exe = try build(model, in: dir, layerHook: true, checkMemory: checkMemory)
        let layersFile = dir + "/layers.txt"
        let outputs = try run(executable: exe, inputs: inputs, in: dir, layersFile: layersFile)
        let text = (try? String(contentsOfFile: layersFile, encoding: .utf8)) ?? ""
        return (outputs, try LayerDump.parse(text))
    }

    public static func temporaryDirectory() throws -> String {
        let path = (NSTemporaryDirectory() as NSString).appendingPathComponent("tessera-\(UUID().uuidString)")
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw TesseraError.io(path: path, message: "cannot create a temporary directory")
        }
        return path
    }
}
