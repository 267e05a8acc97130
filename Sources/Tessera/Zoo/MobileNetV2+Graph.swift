/// Builds the MobileNetV2 graph of an architecture, drawing its weights as it goes.
///
/// Weights: every convolution Kaiming-normal-like (a bell draw times sqrt(2 / fan-in)),
/// BatchNormalization's gamma 1 + 0.1 * bell, beta 0.1 * bell, and its running mean and
/// variance those `ChannelStatistics` expects at that point for a normalised image, so that
/// every normalised channel has mean about beta and variance about gamma^2; the classifier's
/// weights a bell times sqrt(1 / fan-in), its bias 0.01 * bell. One SplitMix64 stream,
/// drawn in the order of the model file.
enum MobileNetV2Graph {
    static let epsilon = 1e-5

    private struct Builder {
        var g = GraphAssembler()
        var rng: SeededWeights
        var x: String
        var stats: ChannelStatistics

        /// torchvision's Conv2dNormActivation `prefix`: `prefix`.0 Conv (no bias), `prefix`.1
        /// BatchNormalization, `prefix`.2 ReLU6 (Clip 0..6).
        mutating func convBNReLU6(_ prefix: String, out: Int, kernel: Int, stride: Int, group: Int = 1) {
            convBN(conv: "\(prefix).0", bn: "\(prefix).1", out: out, kernel: kernel, stride: stride, group: group)
            x = g.node("\(prefix).2", .clip, [x], ["min": .float(0), "max": .float(6)])
            stats = stats.clipped(0, 6)
        }

        /// Conv `conv` (no bias, padding kernel / 2) and BatchNormalization `bn`.
        mutating func convBN(conv: String, bn: String, out: Int, kernel: Int, stride: Int, group: Int = 1) {
            let inChannels = stats.mean.count
            let fanIn = inChannels / group * kernel * kernel
            let weights = rng.bells(out * fanIn, scale: (2 / Double(fanIn)).squareRoot())
            let w = g.constant("\(conv).weight", [out, inChannels / group, kernel, kernel], weights)
            let pad = kernel / 2
            var attributes: Attributes = ["kernel_shape": .ints([kernel, kernel]), "strides": .ints([stride, stride]),
                                          "pads": .ints([pad, pad, pad, pad])]
            if group > 1 { attributes["group"] = .int(group) }
            x = g.node(conv, .conv, [x, w], attributes)
            let convolved = stats.convolved(weights, outChannels: out, group: group)
            let gamma = (0..<out).map { _ in Float(1 + 0.1 * rng.bell()) }
            let beta = (0..<out).map { _ in Float(0.1 * rng.bell()) }
            let mean = convolved.mean.map { Float($0) }
            let variance = convolved.variance.map { Float(max($0, 1e-3)) }
            let parameters = [g.constant("\(bn).weight", [out], gamma), g.constant("\(bn).bias", [out], beta),
                              g.constant("\(bn).running_mean", [out], mean), g.constant("\(bn).running_var", [out], variance)]
            x = g.node(bn, .batchNormalization, [x] + parameters, ["epsilon": .float(MobileNetV2Graph.epsilon)])
            stats = ChannelStatistics(mean: convolved.mean, variance: variance.map(Double.init))
                .normalised(gamma: gamma, beta: beta, epsilon: MobileNetV2Graph.epsilon)
        }

        /// features.<index>: torchvision's InvertedResidual.
        mutating func block(_ b: MobileNetV2.Block) {
            let p = "features.\(b.index).conv"
            let input = x, inputStats = stats
            var layer = 0
            if b.expansion != 1 {
                convBNReLU6("\(p).\(layer)", out: b.hiddenChannels, kernel: 1, stride: 1)
                layer += 1
            }
            convBNReLU6("\(p).\(layer)", out: b.hiddenChannels, kernel: 3, stride: b.stride, group: b.hiddenChannels)
            // The linear projection: no ReLU6.
            convBN(conv: "\(p).\(layer + 1)", bn: "\(p).\(layer + 2)", out: b.outputChannels, kernel: 1, stride: 1)
            if b.residual {
                x = g.node("features.\(b.index).add", .add, [input, x])
                stats = stats + inputStats
            }
        }
    }

    static func build(_ a: MobileNetV2.Architecture) throws -> Graph {
        let s = a.settings
        var b = Builder(rng: SeededWeights(seed: s.seed), x: "input", stats: .standard(3))
        b.convBNReLU6("features.0", out: a.stemChannels, kernel: 3, stride: 2)
        for block in a.blocks { b.block(block) }
        b.convBNReLU6("features.\(a.blocks.count + 1)", out: a.lastChannels, kernel: 1, stride: 1)
        b.x = b.g.node("avgpool", .globalAveragePool, [b.x])
        b.x = b.g.node("flatten", .flatten, [b.x], ["axis": .int(1)])
        b.x = b.g.node("classifier.0", .dropout, [b.x], ["ratio": .float(0.2)])
        let fc = b.rng.bells(s.classes * a.lastChannels, scale: (1 / Double(a.lastChannels)).squareRoot())
        let w = b.g.constant("classifier.1.weight", [s.classes, a.lastChannels], fc)
        let bias = b.g.constant("classifier.1.bias", [s.classes], b.rng.bells(s.classes, scale: 0.01))
        b.g.node("classifier.1", .gemm, [b.x, w, bias], ["transB": .int(1)], output: "logits")
        let r = s.resolution
        let doc = "MobileNetV2 in torchvision's mobilenet_v2 layout: width multiplier \(s.width), input 1x3x\(r)x\(r), \(s.classes) classes. "
            + "Random weights from seed \(s.seed) (not trained), for the scheduling benchmarks: "
            + "tessera generate mobilenetv2 --width \(s.width) --resolution \(r) --classes \(s.classes) --seed \(s.seed)"
        return try b.g.graph(name: s.modelName, doc: doc, inputs: [GraphInput(name: "input", type: TensorType([1, 3, r, r]))], outputs: ["logits"])
    }
}
