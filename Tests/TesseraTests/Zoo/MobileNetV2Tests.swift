import Foundation
import Testing
@testable import Tessera

/// The MobileNetV2 generator against figures it did not compute: torchvision's published
/// parameter count and MACs, its per-stage output shapes, a layer table written out here
/// from torchvision's code, onnxruntime, and the generated C.
@Suite struct MobileNetV2Tests {
    /// torchvision's mobilenet_v2 (1.0, 224, 1000 classes), made once for the tests that
    /// read it.
    static let full = Result { try MobileNetV2.graph(.init(width: 1.0, resolution: 224, classes: 1000)) }
    /// The small one of the numerics tests.
    static let small = Result { try MobileNetV2.graph(.init(width: 0.35, resolution: 96, classes: 10)) }

    /// torchvision's `_make_divisible`, written out again from its source.
    static func makeDivisible(_ v: Double) -> Int {
        var n = max(8, Int(v + 4) / 8 * 8)
        if Double(n) < 0.9 * v { n += 8 }
        return n
    }

    /// The layer table of torchvision's MobileNetV2, derived here: (block input channels,
    /// expansion, output channels, stride, input size) per block, and the counts the
    /// torchvision model has: parameters (weights, biases, BatchNorm gamma and beta; the
    /// running mean and variance are buffers) and multiply-accumulates (convolutions and the
    /// classifier).
    struct Table {
        var stem: Int
        var blocks: [(input: Int, t: Int, output: Int, stride: Int, size: Int)] = []
        var last: Int
        var params = 0
        var macs = 0

        init(width: Double, resolution: Int, classes: Int) {
            let settings = [(1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1)]
            stem = MobileNetV2Tests.makeDivisible(32 * width)
            last = MobileNetV2Tests.makeDivisible(1280 * max(1, width))
            var c = stem, h = (resolution + 1) / 2
            params += stem * 3 * 9 + 2 * stem
            macs += stem * 3 * 9 * h * h
            for (t, channels, n, s) in settings {
                let out = MobileNetV2Tests.makeDivisible(Double(channels) * width)
                for k in 0..<n {
                    let stride = k == 0 ? s : 1
                    blocks.append((c, t, out, stride, h))
                    let hidden = c * t, oh = (h + stride - 1) / stride
                    if t != 1 {
                        params += hidden * c + 2 * hidden
                        macs += hidden * c * h * h
                    }
                    params += hidden * 9 + 2 * hidden
                    macs += hidden * 9 * oh * oh
                    params += out * hidden + 2 * out
                    macs += out * hidden * oh * oh
                    c = out
                    h = oh
                }
            }
            params += last * c + 2 * last + classes * last + classes
            macs += last * c * h * h + classes * last
        }
    }

    /// Parameters as torchvision counts them (`sum(p.numel() for p in model.parameters())`):
    /// every constant but BatchNormalization's running mean and variance (buffers).
    static func torchvisionParameters(_ g: Graph) -> Int {
        g.constants.values.filter { !$0.name.hasSuffix(".running_mean") && !$0.name.hasSuffix(".running_var") }
            .map(\.type.elementCount).reduce(0, +)
    }

    @Test func parametersAreTorchvisions() throws {
        let g = try Self.full.get()
        // torchvision's documentation of mobilenet_v2 (IMAGENET1K_V1): 3,504,872 parameters.
        #expect(Self.torchvisionParameters(g) == 3_504_872)
        #expect(Table(width: 1, resolution: 224, classes: 1000).params == 3_504_872)
        // With the running statistics, every BatchNorm channel holds 4 values.
        let bnChannels = g.constants.values.filter { $0.name.hasSuffix(".running_var") }.map(\.type.elementCount).reduce(0, +)
        #expect(g.constants.values.map(\.type.elementCount).reduce(0, +) == 3_504_872 + 2 * bnChannels)
        #expect(g.name == "mobilenetv2_100_224_c1000")
    }

    /// MACs from the compiler's own per-layer figures (what `tessera inspect` prints) after
    /// compilation: 300,774,272, the count of the table above and the figure commonly cited
    /// for torchvision's model (its documentation rounds it to 0.30 GFLOPS, FLOPS meaning
    /// MACs there), within 1% of 300.8 M. BatchNormalization and ReLU6 are folded into the
    /// convolutions and the residual Adds into the projections.
    @Test func macsAfterCompilationAreTorchvisions() throws {
        let m = try Compiler.compile(try Self.full.get())
        #expect(m.summary.macs == 300_774_272)
        #expect(m.summary.macs == Table(width: 1, resolution: 224, classes: 1000).macs)
        #expect(abs(Double(m.summary.macs) - 300.8e6) <= 0.01 * 300.8e6)
        let ops = Set(m.graph.nodes.map(\.op))
        #expect(!ops.contains(.batchNormalization) && !ops.contains(.channelAffine) && !ops.contains(.clip) && !ops.contains(.add) && !ops.contains(.dropout), "\(ops)")
        let convs = m.graph.nodes.filter { $0.op == .conv }
        #expect(convs.count == 52)
        #expect(convs.filter { $0.attributes["fused_activation"] == .string("Clip") }.count == 35)
        #expect(convs.filter { $0.inputs.count > Op.residualInput }.count == 10)
    }

    /// The output of each stage against torchvision's table (MobileNetV2 paper, Table 2):
    /// 112x112x32 after the stem, then 112x112x16, 56x56x24, 28x28x32, 14x14x64, 14x14x96,
    /// 7x7x160, 7x7x320 and 7x7x1280.
    @Test func stageShapesAtWidth1Resolution224() throws {
        let g = try Self.full.get()
        let expected: [(Int, [Int])] = [(0, [32, 112]), (1, [16, 112]), (3, [24, 56]), (6, [32, 28]), (10, [64, 14]),
                                        (13, [96, 14]), (16, [160, 7]), (17, [320, 7]), (18, [1280, 7])]
        for (feature, cs) in expected {
            #expect(try Self.featureOutput(g, feature) == [1, cs[0], cs[1], cs[1]], "features.\(feature)")
        }
        #expect(g.types["logits"]?.shape == [1, 1000])
        #expect(g.inputs.map(\.type.shape) == [[1, 3, 224, 224]])
    }

    /// Width 0.35 at 144 with 10 classes (the STM32F469 model): channels of the stem, the
    /// seven stages and the last convolution, from `_make_divisible` written out above:
    /// 32 * 0.35 = 11.2 rounds to 8, more than 10% down, so 16; 16 * 0.35 = 5.6 -> 8;
    /// 24 * 0.35 = 8.4 -> 8; 32 * 0.35 -> 16; 22.4 -> 24; 33.6 -> 32; 56 -> 56; 112 -> 112;
    /// the last convolution keeps 1280 (width below 1). Spatially 144 -> 72 -> 72, 36, 18,
    /// 9, 9, 5 (the stride-2 convolution of 9 rounds up), 5, 5.
    @Test func stageChannelsAtWidth035Resolution144() throws {
        let g = try MobileNetV2.graph(.init(width: 0.35, resolution: 144, classes: 10))
        let derived = [Self.makeDivisible(32 * 0.35)] + [16, 24, 32, 64, 96, 160, 320].map { Self.makeDivisible(Double($0) * 0.35) } + [Self.makeDivisible(1280)]
        #expect(derived == [16, 8, 8, 16, 24, 32, 56, 112, 1280])
        let sizes = [72, 72, 36, 18, 9, 9, 5, 5, 5]
        for (k, feature) in [0, 1, 3, 6, 10, 13, 16, 17, 18].enumerated() {
            #expect(try Self.featureOutput(g, feature) == [1, derived[k], sizes[k], sizes[k]], "features.\(feature)")
        }
        #expect(g.types["logits"]?.shape == [1, 10])
        #expect(g.name == "mobilenetv2_035_144_c10")
        #expect(Self.torchvisionParameters(g) == Table(width: 0.35, resolution: 144, classes: 10).params)
    }

    /// Every block, against the table: the expansion 1x1 convolution only where t != 1, the
    /// depthwise convolution with the block's stride, the linear projection (no ReLU6), and
    /// the residual Add exactly where the stride is 1 and the channels stay (10 blocks).
    @Test(arguments: [(1.0, 224), (0.35, 144), (0.5, 96), (1.4, 224), (0.1, 32)])
    func everyBlockFollowsTheTable(_ setting: (Double, Int)) throws {
        let (width, resolution) = setting
        let g = try MobileNetV2.graph(.init(width: width, resolution: resolution, classes: 7))
        let table = Table(width: width, resolution: resolution, classes: 7)
        #expect(Self.torchvisionParameters(g) == table.params)
        #expect(try MobileNetV2.architecture(.init(width: width, resolution: resolution, classes: 7)).blocks.count == 17)
        var residuals = 0
        for (k, b) in table.blocks.enumerated() {
            let f = "features.\(k + 1)"
            let nodes = g.nodes.filter { $0.name.hasPrefix(f + ".") }
            let convs = nodes.filter { $0.op == .conv }
            #expect(convs.count == (b.t == 1 ? 2 : 3), "\(f)")
            let depthwise = try #require(convs.first { $0.attributes["group"] != nil }, "\(f)")
            #expect(depthwise.attributes["group"] == .int(b.input * b.t) && depthwise.attributes["strides"] == .ints([b.stride, b.stride]), "\(f)")
            #expect(nodes.filter { $0.op == .clip }.count == convs.count - 1, "\(f): no ReLU6 after the projection")
            #expect(g.constants["\(f).conv.\(b.t == 1 ? 1 : 2).weight"]?.type.shape == [b.output, b.input * b.t, 1, 1], "\(f) projection")
            let add = nodes.first { $0.op == .add }
            let residual = b.stride == 1 && b.input == b.output
            #expect((add != nil) == residual, "\(f): residual \(residual)")
            if let add {
                residuals += 1
                #expect(add.inputs[0] == (try Self.featureTensor(g, k)), "\(f) adds its own input")
            }
            #expect(try Self.featureOutput(g, k + 1) == [1, b.output, (b.size + b.stride - 1) / b.stride, (b.size + b.stride - 1) / b.stride])
        }
        // Width 0.1 rounds the stem and features.1 both to 8 channels: one Add more.
        #expect(residuals == (width == 0.1 ? 11 : 10))
        #expect(g.nodes.filter { $0.op == .batchNormalization }.count == 52)
    }

    /// The output tensor of `features.<k>`: that of its last node.
    static func featureTensor(_ g: Graph, _ k: Int) throws -> String {
        try #require(g.nodes.last { $0.name.hasPrefix("features.\(k).") }, "features.\(k)").outputs[0]
    }

    /// The shape of `features.<k>`'s output.
    static func featureOutput(_ g: Graph, _ k: Int) throws -> [Int] {
        try #require(g.types[try featureTensor(g, k)]).shape
    }

    @Test func theSameSeedWritesTheSameBytes() throws {
        let settings = MobileNetV2.Settings(width: 0.35, resolution: 96, classes: 10, seed: 0)
        let a = JSONWriter.write(try MobileNetV2.json(settings)), b = JSONWriter.write(try MobileNetV2.json(settings))
        #expect(a == b)
        var other = settings
        other.seed = 1
        let g0 = try MobileNetV2.graph(settings), g1 = try MobileNetV2.graph(other)
        #expect(g1.name == "mobilenetv2_035_96_c10_s1")
        #expect(g0.nodes == g1.nodes && g0.types == g1.types)
        // Every constant differs, but the stem's running mean: 0 whatever the weights, the
        // image's channels having mean 0.
        for (name, c) in g0.constants where name != "features.0.1.running_mean" {
            #expect(c.floats != g1.constants[name]?.floats, "\(name) is the same for seeds 0 and 1")
        }
        #expect(g0.constants["features.0.1.running_mean"]?.floats?.allSatisfy { $0 == 0 } == true)
        // The file reads back to the same graph.
        let loaded = try FrontEnd.load(data: Data(a.utf8), file: "mobilenetv2.json")
        #expect(loaded.constants == g0.constants && loaded.nodes.map(\.name) == g0.nodes.map(\.name))
    }

    /// Every tensor on a seeded random input, in FP32 (the reference interpreter on the
    /// model) and FP16 (on the graph lowered to half, rounded as the C does): finite, at
    /// most 100 in magnitude, far within half range (65504), and no layer all zero. The
    /// running statistics keep the normalised channels near mean beta, variance gamma^2.
    @Test(arguments: [(0.35, 96), (0.35, 144), (1.0, 64)])
    func activationsStayInASaneRange(_ setting: (Double, Int)) throws {
        let (width, resolution) = setting
        let g = try MobileNetV2.graph(.init(width: width, resolution: resolution, classes: 10, seed: 3))
        let inputs = randomInputs(g, seed: 11)
        let fp32 = try ReferenceInterpreter.runAll(g, inputs: inputs)
        let half = try Compiler.compile(g, options: CompileOptions(precision: .fp16)).graph
        let fp16 = try ReferenceInterpreter.runAll(half, inputs: inputs)
        var worst = (0.0, ""), least = (Double.infinity, "")
        for (label, graph, values) in [("fp32", g, fp32), ("fp16", half, fp16)] {
            for node in graph.nodes {
                let v = try #require(values[node.outputs[0]])
                let m = v.data.reduce(0.0) { Swift.max($0, Double(Swift.abs($1))) }
                #expect(v.data.allSatisfy { $0.isFinite }, "\(label) \(node.name) is not finite")
                #expect(m <= 100, "\(label) \(node.name): max |x| = \(m)")
                #expect(m >= 0.05, "\(label) \(node.name): max |x| = \(m), vanishing")
                if m > worst.0 { worst = (m, "\(label) \(node.name)") }
                if m < least.0 { least = (m, "\(label) \(node.name)") }
            }
        }
        let c = Comparison(try #require(fp16["logits"]), try #require(fp32["logits"]))
        print("MobileNetV2 \(width)/\(resolution): largest max|x| \(worst), smallest \(least); fp16 logits against fp32: \(c)")
    }

    /// The running statistics are consistent with what each BatchNormalization sees on an
    /// input of channel variance 1 (uniform in +-sqrt(3)), as the generator assumes: per
    /// layer, the median over channels of the actual variance over the running variance is
    /// near 1 (measured 0.67 to 1.0 on 0.35/144) and the median distance of the actual mean
    /// from the running mean is a small part of a standard deviation (measured at most 0.30;
    /// the last layers see 5x5 positions, whose sample mean alone is off by 0.2 sd).
    @Test func runningStatisticsMatchWhatTheBatchNormsSee() throws {
        let g = try MobileNetV2.graph(.init(width: 0.35, resolution: 144, classes: 10, seed: 3))
        var rng = SeededRandom(seed: 5)
        let x = TensorValue(shape: [1, 3, 144, 144], data: (0..<(3 * 144 * 144)).map { _ in rng.uniform(-1.7320508, 1.7320508) })
        let values = try ReferenceInterpreter.runAll(g, inputs: ["input": x])
        var ratioRange = (Double.infinity, 0.0), worstOffset = 0.0
        for node in g.nodes where node.op == .batchNormalization {
            let input = try #require(values[node.inputs[0]])
            let channels = input.shape[1], positions = input.shape[2] * input.shape[3]
            let runningMean = try #require(g.constants[node.inputs[3]]?.floats), runningVar = try #require(g.constants[node.inputs[4]]?.floats)
            var ratios: [Double] = [], offsets: [Double] = []
            for c in 0..<channels {
                let v = input.data[(c * positions)..<((c + 1) * positions)].map(Double.init)
                let mean = v.reduce(0, +) / Double(positions)
                let variance = v.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(positions)
                ratios.append(variance / Double(runningVar[c]))
                offsets.append(abs(mean - Double(runningMean[c])) / Double(runningVar[c]).squareRoot())
            }
            let ratio = ratios.sorted()[channels / 2], offset = offsets.sorted()[channels / 2]
            #expect(ratio >= 0.5 && ratio <= 1.5, "\(node.name): median variance / running variance \(ratio)")
            #expect(offset <= 0.5, "\(node.name): median |mean - running mean| / sd \(offset)")
            ratioRange = (min(ratioRange.0, ratio), max(ratioRange.1, ratio))
            worstOffset = max(worstOffset, offset)
        }
        print("MobileNetV2 0.35/144 batch norms: median variance ratio \(ratioRange.0) to \(ratioRange.1), median mean offset at most \(worstOffset) sd")
    }

    /// The 0.35/96 model through the generated C on the host (memory checking on) against
    /// the reference interpreter, and, independently, its ONNX export on onnxruntime.
    @Test func generatedCAndOnnxruntimeAgreeWithTheInterpreter() throws {
        let g = try Self.small.get()
        let inputs = randomInputs(g, seed: 21)
        let reference = try #require(try ReferenceInterpreter.run(g, inputs: inputs)["logits"])
        let host = try #require(try runOnHost(g, inputs)["logits"])
        let c = Comparison(host, reference)
        #expect(c.within(relative: Tolerance.fp32), "host C against the interpreter: \(c)")
        let ort = try OnnxruntimeBatch.run([.init(name: "mobilenetv2", graph: g, inputs: inputs)])
        let expected = try #require(try ort["mobilenetv2"]?.get()["logits"])
        let ci = Comparison(reference, expected), ch = Comparison(host, expected)
        #expect(ci.within(relative: Tolerance.fp32), "interpreter against onnxruntime: \(ci)")
        #expect(ch.within(relative: Tolerance.fp32), "host C against onnxruntime: \(ch)")
        #expect(reference.shape == [1, 10])
        print("MobileNetV2 0.35/96: host C against the interpreter \(c); interpreter against onnxruntime \(ci); host C against onnxruntime \(ch)")
    }

    @Test func badSettingsAreRefused() throws {
        for (s, words) in [(MobileNetV2.Settings(width: 0), "width"), (.init(width: -1), "width"), (.init(width: .nan), "width"),
                           (.init(width: .infinity), "width"), (.init(resolution: 30), "resolution"), (.init(resolution: 40), "resolution"),
                           (.init(resolution: 0), "resolution"), (.init(classes: 0), "classes"), (.init(width: 1e7), "elements"),
                           (.init(width: 200), "elements"), (.init(classes: Int(Int32.max)), "elements")] {
            do {
                _ = try MobileNetV2.architecture(s)
                Issue.record("\(s) was accepted")
            } catch let e as TesseraError {
                guard case let .usage(m) = e else { Issue.record("\(s): \(e) is not a usage error"); continue }
                #expect(m.contains(words), "\(s): \(m)")
            }
        }
        #expect(MobileNetV2.Settings(width: 0.75, resolution: 160, classes: 2).modelName == "mobilenetv2_075_160_c2")
        #expect(MobileNetV2.Settings(width: 1.4).modelName == "mobilenetv2_140_224_c1000")
        #expect(MobileNetV2.Settings(width: 0.123, seed: 9).modelName == "mobilenetv2_0p123_224_c1000_s9")
    }
}

/// `tessera generate mobilenetv2`: the file it writes, and the usage errors (exit 2, a
/// message naming the flag's problem, no file).
@Suite struct MobileNetV2CLITests {
    @Test func generateWritesTheModelThatInspectFolds() throws {
        let dir = try TestEnvironment.temporaryDirectory()
        defer { TestEnvironment.remove(dir) }
        let path = dir + "/m.json"
        let r = try TestEnvironment.cli(["generate", "mobilenetv2", "--width", "0.35", "--resolution", "96", "--classes", "10", "-o", path])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("mobilenetv2_035_96_c10"))
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text == JSONWriter.write(try MobileNetV2.json(.init(width: 0.35, resolution: 96, classes: 10))))
        // inspect: BatchNormalization folded, ReLU6 fused (every row a convolution, with
        // "+ Clip" but after the projections), the residual Adds fused into the projections.
        let i = try TestEnvironment.cli(["inspect", path])
        #expect(i.status == 0, "\(i.stderr)")
        #expect(!i.stdout.contains("BatchNormalization") && !i.stdout.contains("Dropout") && !i.stdout.contains(" Add"), "\(i.stdout)")
        #expect(i.stdout.components(separatedBy: "+ Clip").count - 1 == 35)
        #expect(i.stdout.contains("10,666,928"), "MACs")
    }

    @Test(arguments: [(["--width", "0"], "width multiplier must be a positive number, got 0.0"),
                      (["--resolution", "30"], "resolution must be a multiple of 16 and at least 32, got 30"),
                      (["--classes", "0"], "number of classes must be at least 1, got 0")])
    func badFlagsExitWith2AndWriteNothing(_ c: ([String], String)) throws {
        let dir = try TestEnvironment.temporaryDirectory()
        defer { TestEnvironment.remove(dir) }
        let path = dir + "/m.json"
        let r = try TestEnvironment.cli(["generate", "mobilenetv2"] + c.0 + ["-o", path])
        #expect(r.status == 2)
        #expect(r.stderr.hasPrefix("tessera: error: ") && r.stderr.contains(c.1), "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: path))
    }
}
