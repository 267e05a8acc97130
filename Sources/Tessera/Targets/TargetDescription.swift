import Foundation

/// One compilation target, read from `Targets/<name>.json` (schema in Targets/README.md):
/// the MCU's core, clock, memories and capabilities, how to compile for it, and the QEMU
/// machine that emulates its core.
public struct TargetDescription: Sendable {
    public struct Region: Sendable {
        public var name: String
        public var base: UInt64
        public var size: Int
    }

    public struct Compiler: Sendable {
        public var cc: String
        public var flags: [String]
        public var debianPackage: String
        /// The linker driver when it differs from `cc` (clang compiles, GNU ld links).
        public var linker: String?
        public var linkFlags: [String]
        public var linkerPackage: String?
        public var libcPackage: String?
        public var includeDirectory: String?
        public var sizeTool: String?
    }

    public struct Emulator: Sendable {
        public enum Kind: String, Sendable { case host, qemu }
        public enum Counter: String, Sendable { case systick, instret }
        public var kind: Kind
        public var binary: String
        public var debianPackage: String
        public var machine: String
        public var arguments: [String]
        /// Where the emulated machine has memory for the MCU's flash, RAM and (optional)
        /// code region.
        public var flashBase: UInt64
        public var ramBase: UInt64
        public var codeBase: UInt64?
        public var icountShift: Int
        public var counter: Counter
    }

    public var name: String
    public var description: String
    public var board: String
    public var core: String
    public var isa: String
    public var clockMHz: Double
    public var compiler: Compiler
    public var flash: Region
    /// A separate code region (ITCM) when code and read-only data live apart.
    public var code: Region?
    public var sram: [Region]
    public var arenaRegion: Region?
    public var stackBytes: Int
    /// Byte alignment of the arena's buffers (`memory.arena_alignment`, default 16).
    public var arenaAlignment: Int = 16
    public var fpu: String
    public var fp16Arithmetic: Bool
    public var fp16Storage: Bool
    public var simd: String
    public var emulator: Emulator
    public var cpi: Double
    public var cpiSource: String

    public var isHost: Bool { emulator.kind == .host }

    /// The SIMD back end the kernels compile to on this target (tsr_simd.h's TSR_SIMD):
    /// its `simd`, except that a core with FP16 arithmetic and no vector unit, compiled by
    /// clang, gets the generic-vector back end for its half kernels ("fp16-vector").
    public var kernelSIMD: String {
        simd == "none" && fp16Arithmetic && !isHost && compiler.cc == "clang" ? "fp16-vector" : simd
    }
}

extension TargetDescription {
    /// Parses one target file; errors name the file and the field.
    public static func parse(_ json: JSONValue, file: String) throws -> TargetDescription {
        func fail(_ field: String, _ message: String) -> TesseraError {
            .invalidModel(location: "\(file): \(field)", message: message)
        }
        func value(_ v: JSONValue?, _ path: String) throws -> JSONValue {
            guard let v else { throw fail(path, "missing") }
            return v
        }
        func string(_ v: JSONValue?, _ path: String) throws -> String {
            guard let s = try value(v, path).string else { throw fail(path, "must be a string") }
            return s
        }
        func number(_ v: JSONValue?, _ path: String) throws -> Double {
            guard let n = try value(v, path).number else { throw fail(path, "must be a number") }
            return n
        }
        func strings(_ v: JSONValue?, _ path: String) throws -> [String] {
            guard let a = try value(v, path).array else { throw fail(path, "must be an array of strings") }
            return try a.map { guard let s = $0.string else { throw fail(path, "must be an array of strings") }; return s }
        }
        func address(_ v: JSONValue?, _ path: String) throws -> UInt64 {
            let raw = try value(v, path)
            if case let .int(i) = raw, i >= 0 { return UInt64(i) }
            if let s = raw.string, s.hasPrefix("0x"), let a = UInt64(s.dropFirst(2), radix: 16) { return a }
            throw fail(path, "must be an address (a non-negative integer or a \"0x...\" string)")
        }
        func region(_ v: JSONValue?, _ path: String, base: Bool) throws -> Region {
            let r = try value(v, path)
            let size = Int(try number(r["size"], "\(path).size"))
            guard size >= 0 else { throw fail("\(path).size", "must be non-negative") }
            return Region(name: try string(r["name"], "\(path).name"), base: base ? try address(r["base"], "\(path).base") : 0, size: size)
        }
        let c = try value(json["compiler"], "compiler")
        let compiler = Compiler(cc: try string(c["cc"], "compiler.cc"), flags: try strings(c["flags"], "compiler.flags"),
                                debianPackage: try string(c["debian_package"], "compiler.debian_package"),
                                linker: c["linker"]?.string, linkFlags: try c["link_flags"].map { try strings($0, "compiler.link_flags") } ?? [],
                                linkerPackage: c["linker_package"]?.string, libcPackage: c["libc_package"]?.string,
                                includeDirectory: c["include"]?.string, sizeTool: c["size_tool"]?.string)
        let m = try value(json["memory"], "memory")
        let sram = try (m["sram"]?.array ?? []).enumerated().map { try region($1, "memory.sram[\($0)]", base: true) }
        let arenaName = m["arena_region"]?.string ?? ""
        let arena = sram.first { $0.name == arenaName }
        let e = try value(json["emulator"], "emulator")
        let kind = Emulator.Kind(rawValue: try string(e["kind"], "emulator.kind"))
        guard let kind else { throw fail("emulator.kind", "must be \"host\" or \"qemu\"") }
        var emulator = Emulator(kind: kind, binary: "", debianPackage: "", machine: "", arguments: [], flashBase: 0, ramBase: 0,
                                codeBase: nil, icountShift: 0, counter: .systick)
        if kind == .qemu {
            guard arena != nil else { throw fail("memory.arena_region", "must name one of memory.sram") }
            emulator.binary = try string(e["binary"], "emulator.binary")
            emulator.debianPackage = try string(e["debian_package"], "emulator.debian_package")
            emulator.machine = try string(e["machine"], "emulator.machine")
            emulator.arguments = try strings(e["arguments"], "emulator.arguments")
            emulator.flashBase = try address(e["flash_base"], "emulator.flash_base")
            emulator.ramBase = try address(e["ram_base"], "emulator.ram_base")
            emulator.codeBase = try e["code_base"].map { try address($0, "emulator.code_base") }
            emulator.icountShift = Int(try number(e["icount_shift"], "emulator.icount_shift"))
            guard let counter = Emulator.Counter(rawValue: try string(e["counter"], "emulator.counter")) else {
                throw fail("emulator.counter", "must be \"systick\" or \"instret\"")
            }
            emulator.counter = counter
        }
        let caps = try value(json["capabilities"], "capabilities")
        let cpi = try value(json["cpi"], "cpi")
        let alignment = try m["arena_alignment"].map { Int(try number($0, "memory.arena_alignment")) } ?? 16
        guard alignment >= 4 && alignment % 4 == 0 else { throw fail("memory.arena_alignment", "must be a positive multiple of 4") }
        var target = TargetDescription(
            name: try string(json["name"], "name"), description: try string(json["description"], "description"),
            board: try string(json["board"], "board"), core: try string(json["core"], "core"), isa: try string(json["isa"], "isa"),
            clockMHz: try number(json["clock_mhz"], "clock_mhz"), compiler: compiler,
            flash: try region(m["flash"], "memory.flash", base: false), code: try m["code"].map { try region($0, "memory.code", base: false) },
            sram: sram, arenaRegion: arena, stackBytes: Int(try number(m["stack_bytes"], "memory.stack_bytes")),
            fpu: try string(caps["fpu"], "capabilities.fpu"),
            fp16Arithmetic: caps["fp16_arithmetic"] == .bool(true), fp16Storage: caps["fp16_storage"] == .bool(true),
            simd: try string(caps["simd"], "capabilities.simd"), emulator: emulator,
            cpi: try number(cpi["value"], "cpi.value"), cpiSource: try string(cpi["source"], "cpi.source"))
        target.arenaAlignment = alignment
        return target
    }
}

/// The targets of `Targets/*.json`, by name.
public enum TargetRegistry {
    public static func all() throws -> [TargetDescription] {
        let dir = ResourcePaths.targets
        let files: [String]
        do {
            files = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".json") }.sorted()
        } catch {
            throw TesseraError.internalError("target directory \(dir.path) cannot be read (set TESSERA_TARGETS)")
        }
        return try files.map { file in
            let path = dir.appendingPathComponent(file).path
            let data = try Data(contentsOf: URL(fileURLWithPath: path))
            return try TargetDescription.parse(try JSONParser.parse(data, file: path), file: path)
        }
    }

    public static func named(_ name: String) throws -> TargetDescription {
        let targets = try all()
        guard let t = targets.first(where: { $0.name == name }) else {
            throw TesseraError.usage("unknown target \"\(name)\" (available: \(targets.map(\.name).joined(separator: ", ")); `tessera targets` lists them)")
        }
        return t
    }
}
