import Foundation
import OrderedCollections

/// `tessera bench`: models x targets x precisions on the emulated cores, each also built
/// with the plain C loop-nest kernels as a baseline, measured in one run and written as a
/// Markdown table (BENCHMARKS.md). Every number comes from the run; ratios are taken
/// between runs of the same invocation.
public enum Bench {
    public struct Row: Sendable {
        public var model: String
        public var target: String
        public var precision: Precision
        public var macs: Int
        public var instructions: Int
        public var baselineInstructions: Int
        public var weightsBytes: Int
        public var modelFlashBytes: Int
        public var arenaBytes: Int
        public var stackBytes: Int
        public var estimatedMs: Double

        public var macsPerInstruction: Double { Double(macs) / Double(max(instructions, 1)) }
        public var speedupOverBaseline: Double { Double(baselineInstructions) / Double(max(instructions, 1)) }
    }

    /// Seeded uniform [0, 1) inputs (the reference vectors' distribution).
    static func inputs(_ graph: Graph) -> OrderedDictionary<String, TensorValue> {
        var state: UInt64 = 0x5EED
        func next() -> Float {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Float(state >> 40) / Float(1 << 24)
        }
        return OrderedDictionary(uniqueKeysWithValues: graph.inputs.map { i in
            (i.name, TensorValue(shape: i.type.shape, data: (0..<i.type.elementCount).map { _ in next() }))
        })
    }

    public static func run(models: [(name: String, graph: Graph)], targets: [String], precisions: [Precision],
                           progress: (String) -> Void = { _ in }) throws -> [Row] {
        var rows: [Row] = []
        for (name, graph) in models {
            let inputs = inputs(graph)
            for targetName in targets {
                let target = try TargetRegistry.named(targetName)
                guard !target.isHost else { throw TesseraError.usage("bench measures on emulated MCUs; \"host\" has no instruction counts") }
                for precision in precisions {
                    progress("\(name) on \(targetName) at \(precision.rawValue)")
                    let best = try Compiler.compile(graph, options: CompileOptions(target: targetName, precision: precision))
                    let baseline = try Compiler.compile(graph, options: CompileOptions(target: targetName, precision: precision, kernels: .baseline))
                    let run = try EmulatorRunner.run(best, target: target, inputs: inputs)
                    let base = try EmulatorRunner.run(baseline, target: target, inputs: inputs)
                    rows.append(Row(model: name, target: targetName, precision: precision, macs: best.summary.macs,
                                    instructions: run.instructions, baselineInstructions: base.instructions,
                                    weightsBytes: best.plan.weightsBytes, modelFlashBytes: run.image.modelFlashBytes,
                                    arenaBytes: best.plan.arenaBytes, stackBytes: run.stackBytes,
                                    estimatedMs: Double(run.instructions) * target.cpi / (target.clockMHz * 1000)))
                }
            }
        }
        return rows
    }

    /// The Markdown report: the emulated runs' tables (when `rows` has any) and the arena
    /// table (when `arena` has rows).
    public static func markdown(_ rows: [Row], arena: [ArenaRow] = [], scheduled: [ScheduleRow] = [], tflmVersion: String = "", command: String) -> String {
        func g(_ n: Int) -> String { InspectReport.grouped(n) }
        func f(_ x: Double, _ digits: Int = 2) -> String { String(format: "%.\(digits)f", x) }
        var l = ["# Benchmarks", ""]
        guard !rows.isEmpty else {
            l += ["Written by `\(command)`. Do not edit: every figure is measured by that run."]
            l += arenaMarkdown(arena, tflmVersion: tflmVersion)
            return l.joined(separator: "\n") + "\n"
        }
        l += ["Written by `\(command)`. Do not edit: every figure is measured by that run on QEMU with",
                 "`-icount` (instruction counts are deterministic; latency is instructions x the target's",
                 "CPI assumption / clock, an estimate). The baseline is the same model built with the plain C",
                 "loop-nest kernels, run in the same invocation.", "",
                 "| model | target | precision | MACs | instructions | MACs/instr | vs baseline | weights B | model flash B | arena B | stack B | est. ms |",
                 "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
        for r in rows {
            l.append("| \(r.model) | \(r.target) | \(r.precision.rawValue) | \(g(r.macs)) | \(g(r.instructions)) | \(f(r.macsPerInstruction, 3)) | "
                + "\(f(r.speedupOverBaseline))x | \(g(r.weightsBytes)) | \(g(r.modelFlashBytes)) | \(g(r.arenaBytes)) | \(g(r.stackBytes)) | \(f(r.estimatedMs)) |")
        }
        // FP16 against FP32 of the same model and target.
        let pairs = rows.filter { $0.precision.isHalf }.compactMap { h -> (Row, Row)? in
            rows.first { $0.model == h.model && $0.target == h.target && $0.precision == .fp32 }.map { (h, $0) }
        }
        if !pairs.isEmpty {
            l += ["", "## FP16 against FP32", "",
                  "| model | target | precision | FP32/FP16 instructions | weights FP16/FP32 |", "|---|---|---|---:|---:|"]
            for (h, s) in pairs {
                l.append("| \(h.model) | \(h.target) | \(h.precision.rawValue) | \(f(Double(s.instructions) / Double(max(h.instructions, 1))))x | "
                    + "\(f(Double(h.weightsBytes) / Double(max(s.weightsBytes, 1)), 3)) |")
            }
        }
        l += scheduleMarkdown(scheduled)
        if !arena.isEmpty { l += arenaMarkdown(arena, tflmVersion: tflmVersion) }
        return l.joined(separator: "\n") + "\n"
    }
}
