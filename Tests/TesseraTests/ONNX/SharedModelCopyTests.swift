import Foundation
import OrderedCollections
import Testing
@testable import Tessera

/// The boundaries of the shared networks cost no whole-tensor copy (issue: no needless
/// copies in the FP16 and FP32 graphs): after the pipeline, the input's conversion and its
/// NCHW->NHWC transpose are one node (none, or a plain Convert, with `--input-layout
/// nhwc`), the float head's reduction reads half and writes float, and the
/// auto-encoder's float input and output are read and written by its fully connected layers.
@Suite(.enabled(if: SharedModels.available, SharedModels.skipReason))
struct SharedModelCopyTests {
    static func load(_ name: String) throws -> Graph {
        try ONNXImporter.load(path: "\(SharedModels.directory)/\(name).onnx").graph
    }

    static func lowered(_ name: String, _ precision: Precision, layout: DataLayout = .nchw) throws -> Graph {
        try Pipeline.run(try load(name), options: PassOptions(precision: precision, inputLayout: layout))
    }

    /// The nodes from the graph input to the first Conv (exclusive), in order.
    static func nodesBeforeFirstConv(_ g: Graph) throws -> [Node] {
        let conv = try #require(g.nodes.first { $0.op == .conv })
        var producers: [String: Node] = [:]
        for n in g.nodes { for o in n.outputs { producers[o] = n } }
        var chain: [Node] = []
        var tensor = conv.inputs[0]
        while let p = producers[tensor] {
            chain.insert(p, at: 0)
            tensor = p.inputs[0]
        }
        #expect(g.isGraphInput(tensor), "the first Conv does not read the graph input")
        return chain
    }

    @Test(arguments: ["ic_resnet8", "vww_mobilenetv1_025"])
    func inputConversionAndTransposeAreOneNode(_ name: String) throws {
        // FP16: one Convert carrying the NCHW->NHWC perm, float in, half out.
        let g = try Self.lowered(name, .fp16)
        let chain = try Self.nodesBeforeFirstConv(g)
        #expect(chain.count == 1, "\(name) fp16: \(chain.map { "\($0.op.name) \($0.name)" })")
        let fused = try #require(chain.first)
        #expect(fused.op == .convert && fused.attributes["perm"] == .ints(LayoutLowering.toNHWC))
        #expect(g.types[fused.inputs[0]]?.dtype == .float32 && g.types[fused.outputs[0]]?.dtype == .float16)
        #expect(!g.nodes.contains { $0.op == .transpose && g.types[$0.inputs[0]]?.rank == 4 && g.types[$0.inputs[0]]!.elementCount > 64 },
                "\(name) fp16: a whole feature map is still transposed")
        // FP32: the transpose alone, one copy.
        let f = try Self.nodesBeforeFirstConv(try Self.lowered(name, .fp32))
        #expect(f.map(\.op) == [.transpose], "\(name) fp32: \(f.map(\.op.name))")
    }

    @Test(arguments: ["ic_resnet8", "vww_mobilenetv1_025"])
    func inputTakenInNHWCNeedsNoTranspose(_ name: String) throws {
        let original = try Self.load(name).inputs[0].type.shape
        for precision in [Precision.fp32, .fp16] {
            let g = try Self.lowered(name, precision, layout: .nhwc)
            #expect(g.inputs[0].layout == .nhwc)
            #expect(g.inputs[0].type.shape == LayoutLowering.toNHWC.map { original[$0] })
            let chain = try Self.nodesBeforeFirstConv(g)
            if precision == .fp32 {
                #expect(chain.isEmpty, "\(name) fp32 nhwc: \(chain.map(\.op.name))")
            } else {
                #expect(chain.count == 1 && chain[0].op == .convert && chain[0].attributes["perm"] == nil,
                        "\(name) fp16 nhwc: \(chain.map { "\($0.op.name) \($0.attributes)" })")
            }
        }
    }

    @Test func dsCNNConvertsOnlyThePooledValuesToFloat() throws {
        let g = try Self.lowered("kws_dscnn", .fp16)
        let pool = try #require(g.nodes.first { $0.op == .averagePool })
        #expect(g.types[pool.inputs[0]]?.dtype == .float16, "the pool reads the half feature map")
        #expect(g.types[pool.outputs[0]]?.dtype == .float32 && g.types[pool.outputs[0]]?.elementCount == 64,
                "the pool writes its 64 means in float: \(g.types[pool.outputs[0]].map { "\($0)" } ?? "?")")
        // No Convert to float anywhere before it: the feature map is never converted.
        let toFloat = g.nodes.filter { $0.op == .convert && g.types[$0.outputs[0]]?.dtype == .float32 }
        #expect(toFloat.allSatisfy { (g.types[$0.outputs[0]]?.elementCount ?? .max) <= 64 }, "\(toFloat.map(\.name))")
        let model = try Compiler.compile(try Self.load("kws_dscnn"), options: CompileOptions(target: "stm32h743", precision: .fp16))
        #expect(model.kernels.contains("tsr_avgpool2d_f16_f32"))
        #expect(!model.kernels.contains("tsr_convert_f16_to_f32"))
        #expect(model.plan.lowerBoundBytes <= 32_000, "DS-CNN fp16 lower bound \(model.plan.lowerBoundBytes) (48,000 with the converted feature map)")
    }

    @Test func autoEncoderReadsAndWritesItsFloatVectorsDirectly() throws {
        let g = try Self.lowered("ad_autoencoder", .fp16)
        let converts = g.nodes.filter { $0.op == .convert }
        #expect(!converts.contains { g.types[$0.inputs[0]]?.elementCount == 640 }, "a Convert of the 640-element input or output: \(converts.map(\.name))")
        #expect(converts.allSatisfy { g.types[$0.outputs[0]]?.elementCount == 128 }, "\(converts.map { "\($0.name) \(g.types[$0.outputs[0]].map { "\($0)" } ?? "")" })")
        let gemms = g.nodes.filter { $0.op == .gemm }
        for gemm in [gemms.first!, gemms.last!] {
            #expect(g.types[gemm.inputs[0]]?.dtype == .float32 && g.types[gemm.outputs[0]]?.dtype == .float32, "\(gemm.name) computes in float")
            #expect(g.constants[gemm.inputs[1]]?.type.dtype == .float16, "\(gemm.name) keeps half weights")
        }
        let model = try Compiler.compile(try Self.load("ad_autoencoder"), options: CompileOptions(target: "stm32h743", precision: .fp16))
        #expect(model.kernels.contains("tsr_fully_connected_w16_f32"))
        #expect(model.plan.lowerBoundBytes <= 768, "auto-encoder fp16 lower bound \(model.plan.lowerBoundBytes) (1,536 with the 640-element copies)")
    }

    /// `tessera run --compare --input-layout nhwc`: the harness is fed the tensors-JSON
    /// input transposed, and the outputs still match the reference interpreter (run on the
    /// model's NCHW input) and onnxruntime; the per-layer comparison runs on the NHWC graph.
    @Test(arguments: [Precision.fp32, .fp16])
    func runCompareWithNHWCInput(_ precision: Precision) throws {
        let name = "ic_resnet8"
        let ref = try SharedModels.reference(name, 1)
        var compile = CompileOptions(target: "host", precision: precision)
        compile.inputLayout = .nhwc
        let result = try RunDriver.run(try Self.load(name), inputs: OrderedDictionary(uniqueKeysWithValues: ref.inputs.sorted { $0.key < $1.key }),
                                       options: .init(compile: compile, compare: true, compareLayers: true))
        #expect(result.model.graph.inputs[0].layout == .nhwc && result.model.graph.inputs[0].type.shape == [1, 32, 32, 3])
        #expect(result.failedComparisons.isEmpty, "\(result.comparisons.map { $0.map { "\($0.comparison)" } } ?? [])")
        #expect(result.layers != nil && result.layers?.firstMismatch == nil, "first mismatching layer: \(result.layers?.firstMismatch.map { "\($0.node) \($0.comparison)" } ?? "none")")
        for (output, expected) in ref.outputs {
            let c = Comparison(try #require(result.outputs[output]), expected)
            #expect(c.maxAbsError <= (precision == .fp32 ? 1e-4 : 1e-2), "\(output): \(c)")
        }
    }
}
