import Foundation

/// An elementwise activation: what the activation ops compute, and what a fused
/// producer (Conv, Gemm, binary ops) applies to each output element.
public enum Activation: Equatable, Sendable, CustomStringConvertible {
    case none
    case relu
    case clip(min: Float, max: Float)
    case sigmoid
    case tanh
    case hardSigmoid(alpha: Float, beta: Float)
    case hardSwish
    case leakyRelu(alpha: Float)
    /// x * sigmoid(x), recognised by ActivationFusion.
    case silu

    /// The reference definition, in double precision.
    public func apply(_ x: Double) -> Double {
        switch self {
        case .none: return x
        case .relu: return x > 0 ? x : (x.isNaN ? x : 0)
        case let .clip(lo, hi): return x.isNaN ? x : Swift.min(Swift.max(x, Double(lo)), Double(hi))
        case .sigmoid: return 1 / (1 + Foundation.exp(-x))
        case .tanh: return Foundation.tanh(x)
        case let .hardSigmoid(alpha, beta): return Swift.max(0, Swift.min(1, Double(alpha) * x + Double(beta)))
        case .hardSwish: return x * Swift.max(0, Swift.min(1, x / 6 + 0.5))
        case let .leakyRelu(alpha): return x >= 0 ? x : Double(alpha) * x
        case .silu: return x / (1 + Foundation.exp(-x))
        }
    }

    /// The op name used in `fused_activation` and in messages.
    public var name: String {
        switch self {
        case .none: return "None"
        case .relu: return "Relu"
        case .clip: return "Clip"
        case .sigmoid: return "Sigmoid"
        case .tanh: return "Tanh"
        case .hardSigmoid: return "HardSigmoid"
        case .hardSwish: return "HardSwish"
        case .leakyRelu: return "LeakyRelu"
        case .silu: return "SiLU"
        }
    }

    public var description: String {
        switch self {
        case let .clip(lo, hi): return "Clip[\(lo), \(hi)]"
        case let .hardSigmoid(a, b): return "HardSigmoid(\(a), \(b))"
        case let .leakyRelu(a): return "LeakyRelu(\(a))"
        default: return name
        }
    }

    /// Attributes that record this activation as fused into a producer.
    public var fusionAttributes: Attributes {
        var a: Attributes = ["fused_activation": .string(name)]
        switch self {
        case let .clip(lo, hi):
            if lo.isFinite { a["fused_min"] = .float(Double(lo)) }
            if hi.isFinite { a["fused_max"] = .float(Double(hi)) }
        case let .hardSigmoid(alpha, beta):
            a["fused_alpha"] = .float(Double(alpha))
            a["fused_beta"] = .float(Double(beta))
        case let .leakyRelu(alpha):
            a["fused_alpha"] = .float(Double(alpha))
        default: break
        }
        return a
    }

    /// The activation an activation op computes.
    static func of(_ node: Node, _ ctx: SpecContext) throws -> Activation {
        let a = AttributeReader(node)
        switch node.op {
        case .relu: return .relu
        case .clip:
            let b = try ClipBounds.make(node, ctx)
            return .clip(min: b.min, max: b.max)
        case .sigmoid: return .sigmoid
        case .tanh: return .tanh
        case .hardSwish: return .hardSwish
        case .hardSigmoid:
            return .hardSigmoid(alpha: Float(try a.float("alpha", default: 0.2)), beta: Float(try a.float("beta", default: 0.5)))
        case .leakyRelu: return .leakyRelu(alpha: Float(try a.float("alpha", default: 0.01)))
        default: throw TesseraError.internalError("\(node.op.name) is not an activation")
        }
    }

    /// The activation fused into `node` (`.none` when there is none).
    static func fused(_ node: Node) throws -> Activation {
        let a = AttributeReader(node)
        let kind = try a.string("fused_activation", default: "None")
        switch kind {
        case "None": return .none
        case "Relu": return .relu
        case "Clip":
            return .clip(min: Float(try a.float("fused_min", default: -.infinity)), max: Float(try a.float("fused_max", default: .infinity)))
        case "Sigmoid": return .sigmoid
        case "Tanh": return .tanh
        case "HardSigmoid":
            return .hardSigmoid(alpha: Float(try a.float("fused_alpha", default: 0.2)), beta: Float(try a.float("fused_beta", default: 0.5)))
        case "HardSwish": return .hardSwish
        case "LeakyRelu": return .leakyRelu(alpha: Float(try a.float("fused_alpha", default: 0.01)))
        case "SiLU": return .silu
        default: throw a.fail("unknown fused_activation \"\(kind)\"")
        }
    }
}
