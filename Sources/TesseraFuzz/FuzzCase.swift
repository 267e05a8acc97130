import Foundation
import Tessera

/// One input the fuzzer runs: model JSON or ONNX bytes, how it was made, and the
/// compilation it goes through.
public struct FuzzInput: Sendable {
    public enum Kind: String, Sendable {
        case json, onnx
    }

    public var kind: Kind
    public var bytes: [UInt8]
    /// What the case is: its seed and mutations, for the report.
    public var description: String
    public var variant: CompileVariant

    public init(kind: Kind, bytes: [UInt8], description: String, variant: CompileVariant) {
        self.kind = kind
        self.bytes = bytes
        self.description = description
        self.variant = variant
    }
}

/// The library calls a case makes after loading: which inspect form, which target and
/// precision, which options.
public struct CompileVariant: Sendable, CustomStringConvertible {
    public var target = "host"
    public var precision: Precision?
    public var io: DType = .float32
    public var inPlace: InPlacePolicy = .whenSmaller
    public var inspectOriginal = false
    public var inspectJSON = false
    public var dumpIR = false

    public init() {}

    /// Mostly the host at its default precision; sometimes an MCU (other kernel variants,
    /// the in-place search), an FP16 precision, half I/O, the IR dumps.
    public static func random(_ rng: inout FuzzRandom) -> CompileVariant {
        var v = CompileVariant()
        if rng.chance(0.3) { v.target = rng.pick(["corstone300", "stm32h743", "rv32zfh"]) }
        if rng.chance(0.35) { v.precision = rng.pick(Precision.allCases) }
        if rng.chance(0.1) { v.io = .float16 }
        if rng.chance(0.2) { v.inPlace = rng.pick(InPlacePolicy.allCases) }
        v.inspectOriginal = rng.chance(0.2)
        v.inspectJSON = rng.chance(0.3)
        v.dumpIR = rng.chance(0.05)
        return v
    }

    public var description: String {
        "\(target) \(precision?.rawValue ?? "default")\(io == .float16 ? " io fp16" : "") in-place \(inPlace.rawValue)"
            + (inspectOriginal ? " inspect --original" : "") + (dumpIR ? " dump-ir all" : "")
    }
}

/// A model file the fuzzer starts from (Examples/, the corpus, ../shared/models).
public struct SeedFile: Sendable {
    public var name: String
    public var kind: FuzzInput.Kind
    public var bytes: [UInt8]

    /// The .json and .onnx files among `paths` (directories are listed), sorted, so that a
    /// seed and a case index give the same case for the same seed files.
    public static func load(_ paths: [String]) -> [SeedFile] {
        let fm = FileManager.default
        var files: [String] = []
        for path in paths {
            var isDirectory: ObjCBool = false
            guard fm.fileExists(atPath: path, isDirectory: &isDirectory) else { continue }
            if isDirectory.boolValue {
                for name in (try? fm.contentsOfDirectory(atPath: path)) ?? [] { files.append((path as NSString).appendingPathComponent(name)) }
            } else {
                files.append(path)
            }
        }
        return files.sorted().compactMap { path in
            let kind: FuzzInput.Kind
            if path.hasSuffix(".json") { kind = .json } else if path.hasSuffix(".onnx") { kind = .onnx } else { return nil }
            guard let data = fm.contents(atPath: path) else { return nil }
            return SeedFile(name: (path as NSString).lastPathComponent, kind: kind, bytes: [UInt8](data))
        }
    }
}

/// Makes case `index` of a run with `seed`: a generated model or a seed file, as model
/// JSON or ONNX, with a few structure-aware mutations and sometimes byte-level damage.
public enum CaseGenerator {
    public static func make(seed: UInt64, index: Int, seeds: [SeedFile]) -> FuzzInput {
        var rng = FuzzRandom(seed: seed, case: index)
        let variant = CompileVariant.random(&rng)
        let mutations = rng.pick([0, 1, 1, 1, 2, 2, 3, 5])
        var notes: [String] = []
        var json: JSONValue?
        var onnx: ProtoMessage?
        var raw: [UInt8]?
        var kind: FuzzInput.Kind = rng.chance(0.5) ? .json : .onnx
        // Model files only: a tensors-JSON input file among the examples is no model to start from.
        let models = seeds.filter { $0.kind == .onnx || $0.bytes.starts(with: Array("{".utf8)) && String(decoding: $0.bytes.prefix(200), as: UTF8.self).contains("tessera.model") }
        if !models.isEmpty && rng.chance(0.2) {
            let file = rng.pick(models)
            notes.append("seed \(file.name)")
            if file.kind == .json {
                json = try? JSONParser.parse(Data(file.bytes), file: file.name)
                if json == nil { raw = file.bytes; kind = .json }
            } else {
                kind = .onnx
                onnx = ProtoMessage.parse(file.bytes, type: "Model")
                if onnx == nil { raw = file.bytes }
            }
        } else {
            json = ModelGenerator.model(&rng)
            notes.append("generated")
        }
        var bytes: [UInt8]
        if let raw {
            bytes = raw
        } else if kind == .json || (onnx == nil && json == nil) {
            var m = json ?? .object([])
            for _ in 0..<mutations {
                let (mutated, note) = JSONMutator.mutate(m, &rng)
                m = mutated
                notes.append(note)
            }
            bytes = Array(JSONWriter.write(m, pretty: rng.chance(0.5)).utf8)
        } else {
            var model: ProtoMessage
            if let onnx {
                model = onnx
            } else {
                var m = json!
                // Some graph-level damage before encoding, the rest on the protobuf tree.
                let before = mutations > 1 ? rng.int(0...mutations) : 0
                for _ in 0..<before {
                    let (mutated, note) = JSONMutator.mutate(m, &rng)
                    m = mutated
                    notes.append(note)
                }
                let opset = rng.chance(0.75) ? rng.int(13...21) : rng.int(6...12)
                notes.append("opset \(opset)")
                model = ONNXEncoder.encode(m, opset: opset, &rng)
            }
            for _ in 0..<(onnx == nil ? max(0, mutations - 1) : max(1, mutations)) {
                let (mutated, note) = ONNXMutator.mutate(model, &rng)
                model = mutated
                notes.append(note)
            }
            bytes = model.serialized()
        }
        if rng.chance(0.08) {
            let (damaged, note) = JSONMutator.mutateBytes(bytes, &rng)
            bytes = damaged
            notes.append(note)
        }
        return FuzzInput(kind: kind, bytes: bytes, description: "\(kind.rawValue): " + notes.joined(separator: "; "), variant: variant)
    }

    /// The case of a corpus file: the file as it is, through the compilation `variant`
    /// (0: the host at its default precision, 1: an FP16 MCU build, inspect --original).
    public static func replay(_ file: SeedFile, variant: Int) -> FuzzInput {
        var v = CompileVariant()
        if variant == 1 {
            v.target = "corstone300"
            v.precision = .fp16
            v.inspectOriginal = true
            v.inspectJSON = true
        }
        return FuzzInput(kind: file.kind, bytes: file.bytes, description: "\(file.name) (\(v))", variant: v)
    }
}
