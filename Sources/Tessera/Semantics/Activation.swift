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
    case abs, neg, exp, log, sqrt, reciprocal
    case elu(alpha: Float)
    case selu(alpha: Float, gamma: Float)
    case softplus, softsign, erf, floor, ceil
    /// GELU, exact or (tanh) the tanh approximation.
    case gelu(tanh: Bool)

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
        case .abs: return Swift.abs(x)
        case .neg: return -x
        case .exp: return Foundation.exp(x)
        case .log: return Foundation.log(x)
        case .sqrt: return x.squareRoot()
        case .reciprocal: return 1 / x
        case let .elu(alpha): return x >= 0 ? x : Double(alpha) * (Foundation.exp(x) - 1)
        case let .selu(alpha, gamma): return Double(gamma) * (x > 0 ? x : Double(alpha) * (Foundation.exp(x) - 1))
        case .softplus: return Foundation.log1p(Foundation.exp(x))
        case .softsign: return x / (1 + Swift.abs(x))
        case .erf: return Foundation.erf(x)
        case .floor: return x.rounded(.down)
        case .ceil: return x.rounded(.up)
        case let .gelu(tanh):
            if tanh { return 0.5 * x * (1 + Foundation.tanh((2 / Double.pi).squareRoot() * (x + 0.044715 * x * x * x))) }
            return 0.5 * x * (1 + Foundation.erf(x / 2.0.squareRoot()))
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
        case .abs: return "Abs"
        case .neg: return "Neg"
        case .exp: return "Exp"
        case .log: return "Log"
        case .sqrt: return "Sqrt"
        case .reciprocal: return "Reciprocal"
        case .elu: return "Elu"
        case .selu: return "Selu"
        case .softplus: return "Softplus"
        case .softsign: return "Softsign"
        case .erf: return "Erf"
        case .floor: return "Floor"
        case .ceil: return "Ceil"
        case .gelu: return "Gelu"
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
        case let .leakyRelu(alpha), let .elu(alpha):
            a["fused_alpha"] = .float(Double(alpha))
        case let .selu(alpha, gamma):
            a["fused_alpha"] = .float(Double(alpha))
            a["fused_beta"] = .float(Double(gamma))
        case let .gelu(tanh):
            a["fused_alpha"] = .float(tanh ? 1 : 0)
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
        case .abs: return .abs
        case .neg: return .neg
        case .exp: return .exp
        case .log: return .log
        case .sqrt: return .sqrt
        case .reciprocal: return .reciprocal
        case .elu: return .elu(alpha: Float(try a.float("alpha", default: 1)))
        case .selu:
            return .selu(alpha: Float(try a.float("alpha", default: 1.67326319217681884765625)),
                         gamma: Float(try a.float("gamma", default: 1.05070102214813232421875)))
        case .softplus: return .softplus
        case .softsign: return .softsign
        case .erf: return .erf
        case .floor: return .floor
        case .ceil: return .ceil
        case .gelu:
            let mode = try a.string("approximate", default: "none")
            guard mode == "none" || mode == "tanh" else { throw a.fail("Gelu approximate must be \"none\" or \"tanh\", got \"\(mode)\"") }
            return .gelu(tanh: mode == "tanh")
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
        case "Abs": return .abs
        case "Neg": return .neg
        case "Exp": return .exp
        case "Log": return .log
        case "Sqrt": return .sqrt
        case "Reciprocal": return .reciprocal
        case "Elu": return .elu(alpha: Float(try a.float("fused_alpha", default: 1)))
        case "Selu":
            return .selu(alpha: Float(try a.float("fused_alpha", default: 1.67326319217681884765625)),
                         gamma: Float(try a.float("fused_beta", default: 1.05070102214813232421875)))
        case "Softplus": return .softplus
        case "Softsign": return .softsign
        case "Erf": return .erf
        case "Floor": return .floor
        case "Ceil": return .ceil
        case "Gelu": return .gelu(tanh: try a.float("fused_alpha", default: 0) != 0)
        default: throw a.fail("unknown fused_activation \"\(kind)\"")
        }
    }
}
