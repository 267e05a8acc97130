import Foundation

/// MobileNetV2 with torchvision's `mobilenet_v2` layer layout and seeded random weights: the
/// network of the scheduling benchmarks (MCUNetV2's comparison), made without a download.
///
/// The layout is torchvision's exactly: channels rounded by `makeDivisible(c * width, 8)`,
/// a 3x3 stride-2 stem, the inverted residual blocks of `blockSettings` (no expansion
/// convolution where t = 1, a 3x3 depthwise convolution with the group's stride on its first
/// block, a linear 1x1 projection, a residual Add where the stride is 1 and the channels
/// stay), a last 1x1 convolution to `makeDivisible(1280 * max(1, width), 8)` channels,
/// global average pooling, Flatten, Dropout (an identity at inference) and the Linear
/// classifier (Gemm). Every convolution is Conv (no bias), BatchNormalization and, but
/// for the projections, ReLU6 (Clip 0..6). Input [1, 3, R, R] NCHW, output the logits
/// [1, classes] (no softmax). Tensor names are torchvision's state-dict keys
/// (`features.2.conv.1.0.weight`, `features.2.conv.1.1.running_var`, `classifier.1.bias`).
public enum MobileNetV2 {
    /// The inverted residual settings (t expansion, c channels, n blocks, s first stride).
    public static let blockSettings: [(t: Int, c: Int, n: Int, s: Int)] = [
        (1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1),
    ]

    /// What to generate.
    public struct Settings: Equatable, Sendable {
        /// The width multiplier: any positive number (torchvision's are 0.35 to 1.4).
        public var width: Double
        /// The input's height and width: a multiple of 16, at least 32 (224, 144, 96...; at
        /// 144 the last stride-2 block rounds 9 up to 5, as torchvision does).
        public var resolution: Int
        /// The classifier's outputs: at least 1.
        public var classes: Int
        /// The seed of the weights: the same seed gives the same model, byte for byte.
        public var seed: UInt64

        public init(width: Double = 1.0, resolution: Int = 224, classes: Int = 1000, seed: UInt64 = 0) {
            self.width = width
            self.resolution = resolution
            self.classes = classes
            self.seed = seed
        }

        /// `mobilenetv2_<width in hundredths>_<resolution>_c<classes>`, with `_s<seed>` for a
        /// seed other than 0: `mobilenetv2_035_144_c10`, `mobilenetv2_100_224_c1000`.
        public var modelName: String {
            "mobilenetv2_\(Self.widthTag(width))_\(resolution)_c\(classes)" + (seed == 0 ? "" : "_s\(seed)")
        }

        /// 0.35 -> "035", 1.0 -> "100", 1.4 -> "140"; a width that is not a whole number of
        /// hundredths keeps all its digits, with "p" for the point (0.123 -> "0p123").
        static func widthTag(_ width: Double) -> String {
            let hundredths = (width * 100).rounded()
            if hundredths >= 1, hundredths < 1e6, abs(width * 100 - hundredths) <= 1e-9 * hundredths {
                return String(Int(hundredths)).leftPadded(3)
            }
            return String(String(describing: width).unicodeScalars.map { s -> Character in
                switch s {
                case ".": return "p"
                case "-": return "m"
                case _ where s.isASCII && (s.properties.isAlphabetic || ("0"..."9").contains(s)): return Character(s)
                default: return "_"
                }
            })
        }
    }

    /// `_make_divisible` of torchvision: `v` rounded to the nearest multiple of `divisor`
    /// (halves up), at least `minValue` (default `divisor`), and never more than 10% below `v`.
    public static func makeDivisible(_ v: Double, _ divisor: Int = 8, minValue: Int? = nil) -> Int {
        let d = Double(divisor)
        var rounded = max(Double(minValue ?? divisor), ((v + d / 2) / d).rounded(.down) * d)
        if rounded < 0.9 * v { rounded += d }
        return Int(rounded)
    }

    /// Generates the model: the verified graph, every shape inferred.
    public static func graph(_ settings: Settings) throws -> Graph {
        try MobileNetV2Graph.build(try architecture(settings))
    }

    /// The model as model JSON (what `tessera generate mobilenetv2` writes).
    public static func json(_ settings: Settings) throws -> JSONValue {
        ModelWriter.json(try graph(settings))
    }
}
