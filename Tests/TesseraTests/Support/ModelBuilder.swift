import Foundation
@testable import Tessera

/// Deterministic pseudo-random numbers (SplitMix64), so every test input is reproducible.
struct SeededRandom {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [lo, hi).
    mutating func uniform(_ lo: Float = -1, _ hi: Float = 1) -> Float {
        lo + (hi - lo) * Float(next() >> 40) / Float(1 << 24)
    }

    mutating func values(_ count: Int, _ lo: Float = -1, _ hi: Float = 1) -> [Float] {
        (0..<count).map { _ in uniform(lo, hi) }
    }

    mutating func tensor(_ shape: [Int]) -> TensorValue {
        TensorValue(shape: shape, data: values(shape.reduce(1, *)))
    }
}

/// Builds model JSON documents in tests: inputs, random weights, nodes.
struct ModelBuilder {
    var name: String
    var inputs: [JSONValue] = []
    var outputs: [String] = []
    var constants: [JSONValue] = []
    var nodes: [JSONValue] = []
    var rng: SeededRandom
    private var counter = 0

    init(_ name: String, seed: UInt64 = 1) {
        self.name = name
        self.rng = SeededRandom(seed: seed)
    }

    @discardableResult
    mutating func input(_ name: String, _ shape: [Int]) -> String {
        inputs.append(.object([("name", .string(name)), ("shape", ints(shape)), ("dtype", .string("float32"))]))
        return name
    }

    /// A float32 constant with uniform random values scaled by `scale`.
    mutating func weight(_ name: String, _ shape: [Int], scale: Float = 0.5) -> String {
        let values = rng.values(shape.reduce(1, *)).map { $0 * scale }
        return constant(name, shape, values)
    }

    mutating func constant(_ name: String, _ shape: [Int], _ values: [Float]) -> String {
        constants.append(.object([("name", .string(name)), ("shape", ints(shape)), ("dtype", .string("float32")),
                                  ("data", .array(values.map { .double(Double($0)) }))]))
        return name
    }

    mutating func int64(_ name: String, _ values: [Int]) -> String {
        constants.append(.object([("name", .string(name)), ("shape", ints([values.count])), ("dtype", .string("int64")),
                                  ("data", ints(values))]))
        return name
    }

    /// Adds a node and returns its (first) output name.
    @discardableResult
    mutating func node(_ op: String, _ inputs: [String], name: String? = nil, outputs: [String]? = nil,
                       _ attributes: [(String, JSONValue)] = []) -> String {
        counter += 1
        let nodeName = name ?? "\(op.lowercased())\(counter)"
        let outs = outputs ?? ["\(nodeName)_out"]
        var members: [(String, JSONValue)] = [("name", .string(nodeName)), ("op", .string(op)),
                                              ("inputs", .array(inputs.map { .string($0) })),
                                              ("outputs", .array(outs.map { .string($0) }))]
        if !attributes.isEmpty { members.append(("attributes", .object(attributes))) }
        nodes.append(.object(members))
        return outs[0]
    }

    mutating func output(_ name: String) { outputs.append(name) }

    var json: JSONValue {
        .object([("format", .string("tessera.model")), ("version", .int(1)), ("name", .string(name)),
                 ("inputs", .array(inputs)),
                 ("outputs", .array(outputs.map { .object([("name", .string($0))]) })),
                 ("constants", .array(constants)), ("nodes", .array(nodes))])
    }

    var text: String { JSONWriter.write(json) }

    /// The graph; `irAttributes` admits pass-only attributes such as `data_layout`.
    func graph(irAttributes: Bool = false) throws -> Graph { try FrontEnd.load(json: json, irAttributes: irAttributes) }
}

func ints(_ values: [Int]) -> JSONValue { .array(values.map { .int($0) }) }

/// Random inputs for every graph input of `graph`.
func randomInputs(_ graph: Graph, seed: UInt64 = 7) -> [String: TensorValue] {
    var rng = SeededRandom(seed: seed)
    var out: [String: TensorValue] = [:]
    for input in graph.inputs { out[input.name] = rng.tensor(input.type.shape) }
    return out
}
