import Foundation

/// The arena table of `tessera bench`: Tessera's activation memory for each network (FP32
/// and FP16, with caller-owned inputs and outputs and with them in the arena) against
/// TensorFlow Lite Micro's planned activation area ("head") for the same network's
/// .tflite, float32 and int8, measured in the same run (Scripts/tflm_arena.py, in the
/// tflite-micro environment that `make bench` makes). Tessera's side needs compilation
/// only, no emulation.
extension Bench {
    /// One compilation's memory figures, as report.json states them.
    public struct ArenaFigures: Sendable, Equatable {
        public var arenaBytes: Int
        /// The arena plus caller-owned inputs and outputs (report.json's total_activation_bytes).
        public var totalBytes: Int
        /// Whether the plan holds the inputs and outputs in the arena.
        public var ioInArena: Bool
    }

    /// TFLM's figures for one network: bytes, or why there are none.
    public struct TFLMArena: Sendable, Equatable {
        public var float32Head: Int?
        public var float32Total: Int?
        public var int8Head: Int?
        public var int8Total: Int?
        /// What TFLM said when it did not accept the file, by "float32" / "int8".
        public var errors: [String: String] = [:]
        /// The .tflite kinds that exist for the network ("float32", "int8").
        public var files: Set<String> = []
    }

    public struct ArenaRow: Sendable {
        public var model: String
        public var target: String
        /// By precision (fp32, fp16): caller-owned I/O and `--io-in-arena`.
        public var callerOwned: [Precision: ArenaFigures]
        public var inArena: [Precision: ArenaFigures]
        public var tflm: TFLMArena
    }

    public static let arenaPrecisions: [Precision] = [.fp32, .fp16]

    /// Tessera's figures for `graph` compiled for `target` at `precision`.
    public static func arenaFigures(_ graph: Graph, target: String, precision: Precision, ioInArena: Bool) throws -> ArenaFigures {
        var options = CompileOptions(target: target, precision: precision)
        options.ioInArena = ioInArena
        // In the arena, as TFLM holds them: image inputs channels last, as a .tflite takes them.
        if ioInArena { options.inputLayout = .nhwc }
        let m = try Compiler.compile(graph, options: options)
        let inputBytes = m.graph.inputs.map(\.type.byteCount).reduce(0, +)
        let outputBytes = m.graph.outputs.compactMap { m.graph.types[$0]?.byteCount }.reduce(0, +)
        return ArenaFigures(arenaBytes: m.plan.arenaBytes,
                            totalBytes: Report.totalActivationBytes(m.plan, inputBytes: inputBytes, outputBytes: outputBytes),
                            ioInArena: m.plan.ioInArena)
    }

    /// The script that measures TFLM's arenas.
    public static var tflmScript: String { ResourcePaths.sourceRoot.appendingPathComponent("Scripts/tflm_arena.py").path }

    /// The .tflite files of network `name` in `directory`: `<name>.tflite` (float32) and
    /// `<name>_int8.tflite`, those that exist.
    public static func tfliteFiles(_ name: String, in directory: String) -> [(kind: String, path: String)] {
        [("float32", "\(directory)/\(name).tflite"), ("int8", "\(directory)/\(name)_int8.tflite")]
            .filter { FileManager.default.fileExists(atPath: $0.1) }
    }

    /// Runs Scripts/tflm_arena.py with `python` on `files` and returns its figures by
    /// network. Fails (never skips) when the python or the package is missing.
    public static func measureTFLM(python: String, files: [String]) throws -> [String: TFLMArena] {
        guard !files.isEmpty else { return [:] }
        try checkTFLMPython(python)
        let r = try Shell.run(python, [tflmScript] + files, timeout: 1800)
        guard r.status == 0 else {
            throw TesseraError.toolFailed(tool: "Scripts/tflm_arena.py", status: r.status, output: r.output)
        }
        // The JSON is the whole output; anything before the first brace is not ours.
        guard let start = r.output.firstIndex(of: "{") else {
            throw TesseraError.toolFailed(tool: "Scripts/tflm_arena.py", status: r.status, output: "no JSON in its output: \(r.output)")
        }
        let json = try JSONParser.parse(String(r.output[start...]))
        guard case let .object(networks) = json else {
            throw TesseraError.toolFailed(tool: "Scripts/tflm_arena.py", status: r.status, output: "not a JSON object: \(r.output)")
        }
        var out: [String: TFLMArena] = [:]
        for (name, value) in networks {
            guard case let .object(fields) = value else { continue }
            var a = TFLMArena()
            for (key, v) in fields {
                switch (key, v) {
                case let ("float32_head_bytes", .int(n)): a.float32Head = n
                case let ("float32_total_bytes", .int(n)): a.float32Total = n
                case let ("int8_head_bytes", .int(n)): a.int8Head = n
                case let ("int8_total_bytes", .int(n)): a.int8Total = n
                case let ("float32_error", .string(s)): a.errors["float32"] = s
                case let ("int8_error", .string(s)): a.errors["int8"] = s
                default: break
                }
            }
            out[name] = a
        }
        return out
    }

    /// The arena rows of `models`, compiled for `target`, with TFLM measured on the
    /// networks' .tflite files in `modelDirectory` by `tflmPython`.
    public static func arenaRows(models: [(name: String, graph: Graph)], target: String, modelDirectory: String, tflmPython: String,
                                 progress: (String) -> Void = { _ in }) throws -> [ArenaRow] {
        var rows: [ArenaRow] = []
        for (name, graph) in models {
            var callerOwned: [Precision: ArenaFigures] = [:], inArena: [Precision: ArenaFigures] = [:]
            for p in arenaPrecisions {
                progress("arena of \(name) on \(target) at \(p.rawValue)")
                callerOwned[p] = try arenaFigures(graph, target: target, precision: p, ioInArena: false)
                inArena[p] = try arenaFigures(graph, target: target, precision: p, ioInArena: true)
            }
            rows.append(ArenaRow(model: name, target: target, callerOwned: callerOwned, inArena: inArena, tflm: TFLMArena()))
        }
        let files = models.flatMap { m in tfliteFiles(m.name, in: modelDirectory).map { (m.name, $0.kind, $0.path) } }
        progress("TFLM arenas of \(files.count) .tflite file(s)")
        let measured = try measureTFLM(python: tflmPython, files: files.map(\.2))
        for i in rows.indices {
            var t = measured[rows[i].model] ?? TFLMArena()
            t.files = Set(files.filter { $0.0 == rows[i].model }.map(\.1))
            rows[i].tflm = t
        }
        return rows
    }

    /// The Markdown section of the arena table.
    public static func arenaMarkdown(_ rows: [ArenaRow], tflmVersion: String) -> [String] {
        func g(_ n: Int?) -> String { n.map { InspectReport.grouped($0) } ?? "–" }
        func ratio(_ a: Int?, _ b: Int?) -> String {
            guard let a, let b, b > 0 else { return "–" }
            return String(format: "%.2f", Double(a) / Double(b))
        }
        func tflm(_ t: TFLMArena, _ kind: String, _ bytes: Int?) -> String {
            if let bytes { return g(bytes) }
            if let e = t.errors[kind] { return "not accepted by TFLM (\(e.replacingOccurrences(of: "|", with: "/")))" }
            return t.files.contains(kind) ? "–" : "no \(kind) .tflite"
        }
        let target = rows.first?.target ?? ""
        var l = ["", "## Arena: Tessera against TensorFlow Lite Micro", "",
                 "Activation memory, measured in this run: Tessera's from compiling each network for \(target) (no emulation",
                 "needed), with the inputs and outputs caller-owned (the arena, then the arena plus the I/O buffers) and",
                 "with `--io-in-arena --input-layout nhwc` (the arena then holds them, image inputs channels last as a .tflite takes them; \"total\" is what report.json states as",
                 "`total_activation_bytes`); TFLM's from its RecordingMicroAllocator (tflite-micro \(tflmVersion),",
                 "Scripts/tflm_arena.py) on the same network's MLCommons .tflite: \"head\", its planned non-persistent",
                 "activation area, which holds its input and output tensors. The ratios divide Tessera's total",
                 "activation bytes with `--io-in-arena` by TFLM's head (below 1: Tessera needs less).", "",
                 "| model | fp32 arena B | fp32 arena + I/O B | fp32 io-in-arena B (total) | fp16 arena B | fp16 arena + I/O B | fp16 io-in-arena B (total) | TFLM float32 head B | TFLM int8 head B | fp32 / TFLM float32 | fp16 / TFLM float32 | fp16 / TFLM int8 |",
                 "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
        for r in rows {
            var cells = [r.model]
            for p in arenaPrecisions {
                let c = r.callerOwned[p], a = r.inArena[p]
                cells += [g(c?.arenaBytes), g(c?.totalBytes),
                          a.map { "\(g($0.arenaBytes)) (\(g($0.totalBytes)))" + ($0.ioInArena ? "" : " †") } ?? "–"]
            }
            let f32 = r.inArena[.fp32]?.totalBytes, f16 = r.inArena[.fp16]?.totalBytes
            cells += [tflm(r.tflm, "float32", r.tflm.float32Head), tflm(r.tflm, "int8", r.tflm.int8Head),
                      ratio(f32, r.tflm.float32Head), ratio(f16, r.tflm.float32Head), ratio(f16, r.tflm.int8Head)]
            l.append("| " + cells.joined(separator: " | ") + " |")
        }
        if rows.contains(where: { r in r.inArena.values.contains { !$0.ioInArena } }) {
            l += ["", "† the plan does not yet hold the inputs and outputs in the arena (report.json `io_in_arena` false): its total adds them."]
        }
        if rows.contains(where: { !$0.tflm.files.contains("float32") }) {
            l += ["", "A network without a float32 .tflite has no TFLM float32 figure: DS-CNN's float reference from MLCommons is a",
                  "hybrid model (int8 weights, float activations), which TFLM does not accept (../shared/models/README.md)."]
        }
        return l
    }

    static func checkTFLMPython(_ python: String) throws {
        guard FileManager.default.isExecutableFile(atPath: python) else {
            throw TesseraError.usage("TensorFlow Lite Micro's Python \(python) does not exist: `make bench` makes it (Scripts/python-env.sh --bench, .venv-tflm); or pass --tflm-python")
        }
    }

    /// The tflite-micro version of `python`'s environment.
    public static func tflmVersion(python: String) throws -> String {
        try checkTFLMPython(python)
        let r = try Shell.run(python, [tflmScript, "--version"], timeout: 120)
        guard r.status == 0 else { throw TesseraError.toolFailed(tool: "Scripts/tflm_arena.py --version", status: r.status, output: r.output) }
        return r.output.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
