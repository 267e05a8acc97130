import Foundation
import OrderedCollections
import Testing
@testable import Tessera

/// The four MLPerf Tiny networks on the Cortex-M7 (stm32h743) and the Cortex-M55
/// (corstone300) emulators, against onnxruntime.
@Suite(.enabled(if: SharedModels.available, SharedModels.skipReason))
struct SharedModelTargetTests {
    static let cases: [(String, String)] = SharedModels.names.flatMap { m in ["stm32h743", "corstone300"].map { (m, $0) } }

    @Test(arguments: cases)
    func sharedModelMatchesOnnxruntimeOnTheTarget(_ c: (String, String)) throws {
        let (name, target) = c
        let e = SharedModels.expectations.first { $0.name == name }!
        let graph = try ONNXImporter.load(path: "\(SharedModels.directory)/\(name).onnx").graph
        let ref = try SharedModels.reference(name, 0)
        let result = try EmulatedTargetTests.run(graph, target, inputs: ref.inputs)
        for (output, expected) in ref.outputs {
            let cmp = Comparison(try #require(result.outputs[output]), expected)
            if e.softmax {
                #expect(cmp.maxAbsError <= 1e-4, "\(name) on \(target): \(cmp)")
            } else {
                #expect(cmp.maxRelError <= 1e-4, "\(name) on \(target): \(cmp)")
            }
        }
        if case let .int(n)? = result.report?["instructions"] { #expect(n > e.macs / 2, "\(name) on \(target): \(n) instructions") }
    }
}
