import Foundation
@testable import Tessera

/// One model of the differential test: a model-file graph (before any pass), its seeded
/// inputs, and the text that names it in a failure.
struct DifferentialCase: Sendable {
    /// "conv-017", "synthetic-mlp", ...
    var name: String
    /// The sweep family ("Conv", "binary", "multi-op", "synthetic", ...), for the counts.
    var family: String
    var graph: Graph
    var inputs: [String: TensorValue]
    /// False where an output is a discontinuous function (Floor, Ceil) of computed values:
    /// half rounding of the computed value may move it across an integer, so no FP16 error
    /// bound against FP32 holds there. Such a case is compared in FP32 only.
    var halfComparable: Bool
    /// The graph onnxruntime runs: `graph`, or an equivalent one where onnxruntime departs
    /// from the specification (OnnxruntimeDeviations), with the note saying what changed.
    var reference: Graph
    var referenceNote: String?

    /// Ops, attributes and operand shapes (small integer constants with their values).
    var summary: String { Self.describe(graph) + (referenceNote.map { "; \($0)" } ?? "") }

    static func describe(_ g: Graph) -> String {
        if g.nodes.count > 6 {
            let ops = Dictionary(grouping: g.nodes, by: \.op.name).map { "\($0.key) x\($0.value.count)" }.sorted()
            return "model \"\(g.name)\" (\(g.nodes.count) nodes: \(ops.joined(separator: ", ")))"
        }
        return g.nodes.map { n in
            let attributes = n.attributes.map { "\($0.key)=\($0.value)" }.joined(separator: ", ")
            let operands = n.inputs.map { name -> String in
                if name.isEmpty { return "-" }
                if let c = g.constants[name] {
                    if c.type.elementCount <= 8 {
                        let values: String = switch c.data {
                        case let .int64(v): shapeText(v.map { Int($0) })
                        case let .float(v): "[" + v.map { "\($0)" }.joined(separator: ", ") + "]"
                        }
                        return "\(name)\(shapeText(c.type.shape))=\(values)"
                    }
                    return "const\(shapeText(c.type.shape))"
                }
                return "\(name)\(shapeText(g.types[name]?.shape ?? []))"
            }
            return "\(n.op.name)(\(attributes)) of \(operands.joined(separator: ", "))"
        }.joined(separator: "; ")
    }

    /// The flat index `k` of `shape` as a multi-index.
    static func index(_ k: Int, in shape: [Int]) -> [Int] {
        var rest = k
        var out = [Int](repeating: 0, count: shape.count)
        for d in stride(from: shape.count - 1, through: 0, by: -1) where shape[d] > 0 {
            out[d] = rest % shape[d]
            rest /= shape[d]
        }
        return out
    }
}

/// How a case's graph inputs are drawn.
enum InputDomain: Sendable {
    /// Uniform in [lo, hi).
    case uniform(Float, Float)
    /// Magnitude uniform in [lo, hi), random sign (away from zero: Div, Reciprocal).
    case magnitude(Float, Float)
    /// Uniform in [lo, hi) but at least 0.1 from every integer (Floor, Ceil): half rounding
    /// of the input (at most 2^-9 at |x| < 4) cannot change the result.
    case offInteger(Float, Float)

    func draw(_ rng: inout SeededRandom) -> Float {
        switch self {
        case let .uniform(lo, hi): return rng.uniform(lo, hi)
        case let .magnitude(lo, hi):
            let m = rng.uniform(lo, hi)
            return rng.next() % 2 == 0 ? m : -m
        case let .offInteger(lo, hi):
            while true {
                let x = rng.uniform(lo, hi)
                if Swift.abs(x - x.rounded()) >= 0.1 { return x }
            }
        }
    }
}

extension SeededRandom {
    /// Uniform in `range`.
    mutating func draw(_ range: ClosedRange<Int>) -> Int { range.lowerBound + Int(next() % UInt64(range.count)) }

    mutating func pick<T>(_ values: [T]) -> T { values[draw(0...(values.count - 1))] }

    mutating func chance(_ p: Double) -> Bool { Double(next() >> 11) / Double(1 << 53) < p }

    mutating func shuffled<T>(_ values: [T]) -> [T] {
        var v = values
        for i in stride(from: v.count - 1, to: 0, by: -1) { v.swapAt(i, draw(0...i)) }
        return v
    }
}

/// Collects cases: loads each builder's model through the front end, draws its inputs.
struct CaseSet {
    private(set) var cases: [DifferentialCase] = []
    /// Models the generator made that Tessera rejects: each is a bug of the generator or of
    /// Tessera, and fails the test.
    private(set) var problems: [String] = []
    private var counters: [String: Int] = [:]

    /// Adds the model of `builder`. With `mayReject`, a model the front end rejects is
    /// dropped silently (random sweeps that may draw an empty Slice) and false returned.
    @discardableResult
    mutating func add(_ family: String, _ builder: ModelBuilder, domains: [String: InputDomain] = [:],
                      default domain: InputDomain = .uniform(-1, 1), halfComparable: Bool = true, mayReject: Bool = false,
                      name fixedName: String? = nil) -> Bool {
        let graph: Graph
        do {
            graph = try builder.graph()
        } catch {
            if !mayReject { problems.append("\(family) case \(builder.name): \(error)") }
            return false
        }
        let k = counters[family, default: 0]
        counters[family] = k + 1
        let name = fixedName ?? "\(family.lowercased())-\(String(format: "%03d", k))"
        var rng = SeededRandom(seed: 0xD1FF_0000 &+ UInt64(cases.count) &* 7919)
        var inputs: [String: TensorValue] = [:]
        for input in graph.inputs {
            let d = domains[input.name] ?? domain
            inputs[input.name] = TensorValue(shape: input.type.shape, data: (0..<input.type.elementCount).map { _ in d.draw(&rng) })
        }
        let deviation = OnnxruntimeDeviations.reference(for: graph)
        cases.append(DifferentialCase(name: name, family: family, graph: graph, inputs: inputs, halfComparable: halfComparable,
                                      reference: deviation?.graph ?? graph, referenceNote: deviation?.note))
        return true
    }

    mutating func add(_ c: DifferentialCase) { cases.append(c) }
}
