import Foundation
import Testing
@testable import Tessera

/// The FP16 speed floors, checked on the output of `tessera bench` for ResNet-8 on the
/// emulated Cortex-M55 (`corstone300`), and the README's precision table: every figure in
/// it (the accuracy of `FP16Accuracy.measured`, the speed of that bench run) is this run's,
/// rewritten with `TESSERA_RECORD=1` (`make figures`).
@Suite(.enabled(if: SharedModels.available, SharedModels.skipReason))
struct PrecisionFigureTests {
    /// The floors on ResNet-8, corstone300 (issue 15): FP32 instructions over the mode's,
    /// and MACs per instruction. The residual Adds are folded into their convolutions
    /// (ResidualFusion), added in the micro-kernels' epilogues beside the bias.
    static let ratioFloors: [Precision: Double] = [.fp16: 1.6, .fp16Acc16: 1.9]
    static let macsPerInstructionFloors: [Precision: Double] = [.fp16: 2.5]
    static let precisions: [Precision] = [.fp32, .fp16Acc32, .fp16, .fp16Acc16]

    struct BenchRow {
        var macs: Int
        var instructions: Int
    }

    /// Runs the real `tessera bench` and reads its table back.
    static func bench() throws -> [Precision: BenchRow] {
        let dir = try TestEnvironment.temporaryDirectory()
        defer { TestEnvironment.remove(dir) }
        let r = try TestEnvironment.cli(["bench", "--models", "\(SharedModels.directory)/ic_resnet8.onnx", "--targets", "corstone300",
                                         "--precision", precisions.map(\.rawValue).joined(separator: ","), "-o", dir + "/bench.md"])
        guard r.status == 0 else { throw FP16Accuracy.MeasurementError(message: "tessera bench failed (\(r.status)):\n\(r.stderr)") }
        var rows: [Precision: BenchRow] = [:]
        for line in try String(contentsOfFile: dir + "/bench.md", encoding: .utf8).split(separator: "\n") {
            let cells = line.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
            guard cells.count >= 5, cells[0] == "ic_resnet8", cells[1] == "corstone300", let p = Precision(rawValue: cells[2]),
                  let macs = Int(cells[3].replacingOccurrences(of: ",", with: "")),
                  let instructions = Int(cells[4].replacingOccurrences(of: ",", with: "")) else { continue }
            rows[p] = BenchRow(macs: macs, instructions: instructions)
        }
        return rows
    }

    /// 2.41e-3 (three significant digits, the exponent as written by hand).
    static func scientific(_ x: Double) -> String {
        guard x > 0 else { return "0" }
        var e = Int(Foundation.floor(Foundation.log10(x)))
        var m = x / Foundation.pow(10, Double(e))
        if (m * 100).rounded() >= 1000 { m /= 10; e += 1 }
        return String(format: "%.2fe%d", m, e)
    }

    static func grouped(_ n: Int) -> String { InspectReport.grouped(n) }

    /// The README's table, from this run's figures.
    static func table(_ accuracy: FP16Accuracy.Measured, _ speed: [Precision: BenchRow]) -> String {
        let columns = precisions.map(\.rawValue) + [FP16Accuracy.weightsOnly]
        var l = ["| | " + precisions.map { "`\($0.rawValue)`" }.joined(separator: " | ") + " | weights in half, FP32 arithmetic |",
                 "|---|" + String(repeating: "---:|", count: columns.count)]
        for e in SharedModels.expectations {
            let cells = columns.map { c -> String in
                guard c != Precision.fp32.rawValue, let f = accuracy.figures[.init(network: e.name, candidate: c)] else { return "–" }
                return scientific(f.worst)
            }
            l.append("| \(e.name): worst \(e.softmax ? "softmax error" : "relative error") | " + cells.joined(separator: " | ") + " |")
        }
        let bounds = columns.map { c -> String in
            guard let p = Precision(rawValue: c) ?? (c == FP16Accuracy.weightsOnly ? .fp16Acc32 : nil), p != .fp32 else { return "–" }
            return "≤ " + scientific(Tolerance.fp16Model(p).softmaxAbsolute).replacingOccurrences(of: ".00", with: "")
        }
        l.append("| bound on the softmax error | " + bounds.joined(separator: " | ") + " |")
        let flips = columns.map { c -> String in
            guard c != Precision.fp32.rawValue else { return "–" }
            let n = SharedModels.expectations.filter(\.softmax).compactMap { accuracy.figures[.init(network: $0.name, candidate: c)]?.argmaxDisagreements }.reduce(0, +)
            return n == 0 ? "all" : "\(n) differ"
        }
        l.append("| argmax as FP32 (3 × \(FP16Accuracy.inputCount) inputs) | " + flips.joined(separator: " | ") + " |")
        let fp32 = speed[.fp32]?.instructions ?? 0
        func speedRow(_ label: String, _ f: (Precision, BenchRow) -> String) {
            l.append("| \(label) | " + precisions.map { p in speed[p].map { f(p, $0) } ?? "–" }.joined(separator: " | ") + " | – |")
        }
        speedRow("ResNet-8 on corstone300: instructions") { _, r in grouped(r.instructions) }
        speedRow("FP32 / this") { p, r in
            String(format: "%.2fx", Double(fp32) / Double(max(r.instructions, 1))) + (ratioFloors[p].map { String(format: " (floor %.1fx)", $0) } ?? "")
        }
        speedRow("MACs per instruction") { p, r in
            String(format: "%.2f", Double(r.macs) / Double(max(r.instructions, 1))) + (macsPerInstructionFloors[p].map { String(format: " (floor %.1f)", $0) } ?? "")
        }
        return l.joined(separator: "\n") + "\n"
    }

    static let begin = "<!-- precision-figures: written by `make figures`, checked by `make test`; do not edit -->\n"
    static let end = "<!-- end of precision-figures -->"

    @Test func speedFloorsHoldAndTheREADMEStatesThisRun() throws {
        let tools = ["clang", "arm-none-eabi-gcc", "qemu-system-arm"]
        try #require(tools.allSatisfy(TestEnvironment.hasTool), "needs \(tools.joined(separator: ", ")): run `make deps`")
        let speed = try Self.bench()
        let fp32 = try #require(speed[.fp32], "the bench printed no fp32 row").instructions
        for p in Self.precisions { #expect(speed[p] != nil, "the bench printed no \(p.rawValue) row") }
        for (p, floor) in Self.ratioFloors {
            let row = try #require(speed[p])
            #expect(Double(fp32) >= floor * Double(row.instructions),
                    "ResNet-8 \(p.rawValue) on corstone300: \(row.instructions) instructions, FP32 \(fp32): \(Double(fp32) / Double(row.instructions))x, floor \(floor)x")
        }
        for (p, floor) in Self.macsPerInstructionFloors {
            let row = try #require(speed[p])
            #expect(Double(row.macs) >= floor * Double(row.instructions), "ResNet-8 \(p.rawValue): \(Double(row.macs) / Double(row.instructions)) MACs per instruction, floor \(floor)")
        }
        let text = Self.begin + Self.table(try FP16Accuracy.result(), speed)
        print(text)
        let readme = TestEnvironment.repositoryRoot.appendingPathComponent("README.md")
        let current = try String(contentsOf: readme, encoding: .utf8)
        let start = try #require(current.range(of: Self.begin.trimmingCharacters(in: .newlines)), "README.md has no precision-figures section")
        let stop = try #require(current.range(of: Self.end, range: start.upperBound..<current.endIndex), "README.md's precision-figures section has no end")
        if ProcessInfo.processInfo.environment["TESSERA_RECORD"] == "1" {
            try Data((current[..<start.lowerBound] + text + current[stop.lowerBound...]).utf8).write(to: readme)
        } else {
            #expect(String(current[start.lowerBound..<stop.lowerBound]) == text,
                    "README.md's precision table is not this run's figures: re-record with `make figures`")
        }
    }
}
