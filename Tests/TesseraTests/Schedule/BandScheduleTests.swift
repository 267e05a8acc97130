import Foundation
import Testing
@testable import Tessera

/// Stages streamed in row bands with line buffers (`--schedule band:K@...`, BandRewrite):
/// no row is computed twice, so the MACs equal the layer-by-layer build's, and the
/// generated C gives its outputs bit for bit in the memory checking mode.
@Suite struct BandScheduleTests {
    static let cases: [(model: String, schedule: String)] = [
        ("conv_relu_pool", "band:1@pool1"),
        ("conv_relu_pool", "band:3@pool2"),    // stride 2, asymmetric pads, an AveragePool counting pads
        ("dw_separable", "band:1@pw"),          // depthwise stride 2 then a 1x1
        ("dw_separable", "band:2@pool"),        // dilation 2, SAME_UPPER, a ceil-mode pool
        ("residual", "band:1@channel_shift"),   // a residual block inside the stage
        ("residual", "band:5@channel_shift"),
    ]

    @Test(arguments: cases.flatMap { c in [Precision.fp32, .fp16].map { (c.model, c.schedule, $0) } })
    func bandedStagesGiveTheLayerByLayerBits(_ c: (String, String, Precision)) throws {
        let (layer, banded) = try PatchScheduleTests.expectSameBits(try SyntheticModels.named(c.0).graph(), c.2, c.1)
        #expect(banded.summary.macs == layer.summary.macs, "\(c.1): \(banded.summary.macs) MACs banded, \(layer.summary.macs) layer by layer")
    }

    /// MobileNetV2-0.35 at 96 streamed through its first four blocks, then its next three
    /// as a second stage beginning at the first one's output.
    @Test func mobileNetV2TwoBandedStages() throws {
        let graph = try MobileNetV2.graph(MobileNetV2.Settings(width: 0.35, resolution: 96, classes: 10, seed: 1))
        let (layer, banded) = try PatchScheduleTests.expectSameBits(graph, .fp16, "band:2@features.4.conv.2,band:1@features.4.conv.2..features.7.conv.2")
        #expect(banded.summary.macs == layer.summary.macs)
        #expect(banded.plan.arenaBytes * 2 < layer.plan.arenaBytes, "arena \(banded.plan.arenaBytes) B banded, \(layer.plan.arenaBytes) B layer by layer")
    }
}
