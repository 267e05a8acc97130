import Foundation

extension MobileNetV2 {
    /// One inverted residual block, `features.<index>` of torchvision.
    public struct Block: Equatable, Sendable {
        public var index: Int
        public var inputChannels: Int
        /// inputChannels * expansion: the expanded channels the depthwise convolution works on.
        public var hiddenChannels: Int
        public var outputChannels: Int
        public var expansion: Int
        public var stride: Int
        /// Spatial size (height = width) of the block's input and output.
        public var inputSize: Int
        public var outputSize: Int
        /// stride 1 and inputChannels == outputChannels: the block ends with an Add.
        public var residual: Bool
    }

    /// The layer table of one setting: every channel count and spatial size.
    public struct Architecture: Equatable, Sendable {
        public var settings: Settings
        /// The stem: 3x3 stride-2 convolution to makeDivisible(32 * width) channels.
        public var stemChannels: Int
        /// features.1 ... features.17.
        public var blocks: [Block]
        /// features.18: the 1x1 convolution to makeDivisible(1280 * max(1, width)) channels.
        public var lastChannels: Int
        /// The spatial size of the last feature map: ceil(resolution / 32) (7 at 224, 5 at 144).
        public var lastSize: Int
    }

    /// The layer table of `settings`, after checking them: width positive and finite,
    /// resolution a multiple of 16 (at least 32), classes at least 1, and every tensor within
    /// the model format's 2^31 - 1 elements.
    public static func architecture(_ settings: Settings) throws -> Architecture {
        let w = settings.width
        guard w.isFinite && w > 0 else { throw TesseraError.usage("the width multiplier must be a positive number, got \(w)") }
        guard settings.resolution >= 32 && settings.resolution % 16 == 0 else {
            throw TesseraError.usage("the resolution must be a multiple of 16 and at least 32, got \(settings.resolution)")
        }
        guard settings.classes >= 1 else { throw TesseraError.usage("the number of classes must be at least 1, got \(settings.classes)") }
        // Channel counts far beyond any tensor the format holds would not convert to Int.
        guard 1280 * max(1, w) < Double(maxTensorElements) else { throw tooLarge(settings) }
        var blocks: [Block] = []
        let stem = makeDivisible(32 * w)
        var channels = stem, size = settings.resolution / 2
        for (t, c, n, s) in blockSettings {
            let out = makeDivisible(Double(c) * w)
            for k in 0..<n {
                let stride = k == 0 ? s : 1
                let outSize = (size - 1) / stride + 1  // 3x3, pad 1: ceil(size / stride)
                blocks.append(Block(index: blocks.count + 1, inputChannels: channels, hiddenChannels: channels * t, outputChannels: out,
                                    expansion: t, stride: stride, inputSize: size, outputSize: outSize,
                                    residual: stride == 1 && channels == out))
                channels = out
                size = outSize
            }
        }
        let a = Architecture(settings: settings, stemChannels: stem, blocks: blocks, lastChannels: makeDivisible(1280 * max(1, w)), lastSize: size)
        guard a.largestTensor.map({ checkedElementCount($0) != nil }) ?? false else { throw tooLarge(settings) }
        return a
    }

    private static func tooLarge(_ s: Settings) -> TesseraError {
        .usage("width \(s.width), resolution \(s.resolution) and \(s.classes) classes make a tensor of more than \(maxTensorElements) elements, the most the model format holds")
    }
}

extension MobileNetV2.Architecture {
    /// The shapes of every weight and activation, as far as size goes: the largest of them
    /// (nil when a product overflows).
    var largestTensor: [Int]? {
        let r = settings.resolution
        var shapes: [[Int]] = [[1, 3, r, r], [stemChannels, 3, 3, 3], [1, stemChannels, r / 2, r / 2],
                               [1, lastChannels, lastSize, lastSize], [settings.classes, lastChannels]]
        for b in blocks {
            shapes += [[b.hiddenChannels, b.inputChannels], [1, b.hiddenChannels, b.inputSize, b.inputSize],
                       [b.outputChannels, b.hiddenChannels], [1, b.outputChannels, b.outputSize, b.outputSize]]
        }
        shapes.append([lastChannels, blocks.last!.outputChannels])
        var largest: [Int] = [], count = 0
        for s in shapes {
            guard let n = s.reduce(Int?(1), { p, d in p.flatMap { let (v, o) = $0.multipliedReportingOverflow(by: d); return o ? nil : v } }) else { return nil }
            if n > count { (largest, count) = (s, n) }
        }
        return largest
    }
}
