import Foundation

/// The scheduled rows of `tessera bench`: each model compiled layer by layer and with
/// `--schedule auto`, in half precision with the caller's input outside the arena (half
/// I/O, NHWC), both run on the emulated target in the same invocation.
extension Bench {
    public struct ScheduleRow: Sendable {
        public var model: String
        public var target: String
        public var precision: Precision
        public var schedule: String
        public var layerArenaBytes: Int
        public var arenaBytes: Int
        public var layerInstructions: Int
        public var instructions: Int
        public var layerMACs: Int
        public var macs: Int
    }

    public static func scheduleRows(models: [(name: String, graph: Graph)], targets: [String], precisions: [Precision],
                                    progress: (String) -> Void = { _ in }) throws -> [ScheduleRow] {
        var rows: [ScheduleRow] = []
        for (name, graph) in models {
            for targetName in targets {
                let target = try TargetRegistry.named(targetName)
                guard !target.isHost else { throw TesseraError.usage("bench measures on emulated MCUs; \"host\" has no instruction counts") }
                for precision in precisions {
                    progress("\(name) on \(targetName) at \(precision.rawValue), layer by layer and --schedule auto")
                    var options = CompileOptions(target: targetName, precision: precision, io: precision.isHalf ? .float16 : .float32)
                    options.inputLayout = .nhwc
                    let layer = try Compiler.compile(graph, options: options)
                    options.schedule = .auto
                    let auto = try Compiler.compile(graph, options: options)
                    let inputs = Bench.inputs(layer.graph)
                    let a = try EmulatorRunner.run(layer, target: target, inputs: inputs)
                    let b = try EmulatorRunner.run(auto, target: target, inputs: inputs)
                    rows.append(ScheduleRow(model: name, target: targetName, precision: precision, schedule: auto.schedule.request.description,
                                            layerArenaBytes: layer.plan.arenaBytes, arenaBytes: auto.plan.arenaBytes,
                                            layerInstructions: a.instructions, instructions: b.instructions,
                                            layerMACs: layer.summary.macs, macs: auto.summary.macs))
                }
            }
        }
        return rows
    }

    static func scheduleMarkdown(_ rows: [ScheduleRow]) -> [String] {
        guard !rows.isEmpty else { return [] }
        func g(_ n: Int) -> String { InspectReport.grouped(n) }
        func f(_ x: Double, _ digits: Int = 2) -> String { String(format: "%.\(digits)f", x) }
        var l = ["", "## Scheduled against layer by layer", "",
                 "`--schedule auto` (the smallest arena within 15 % extra MACs) against `--schedule layer`, both with",
                 "`--io fp16 --input-layout nhwc` at half precision (the caller's input outside the arena), run on",
                 "the same inputs in this invocation. Arena ratio: layer by layer / scheduled.", "",
                 "| model | target | precision | arena layer B | arena scheduled B | arena ratio | extra MACs | instructions layer | instructions scheduled | instructions ratio | schedule |",
                 "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---|"]
        for r in rows {
            let extra = 100 * Double(r.macs - r.layerMACs) / Double(max(r.layerMACs, 1))
            let schedule = r.schedule.count > 120 ? String(r.schedule.prefix(117)) + "..." : r.schedule
            l.append("| \(r.model) | \(r.target) | \(r.precision.rawValue) | \(g(r.layerArenaBytes)) | \(g(r.arenaBytes)) | "
                + "\(f(Double(r.layerArenaBytes) / Double(max(r.arenaBytes, 1))))x | \(f(extra, 1)) % | \(g(r.layerInstructions)) | \(g(r.instructions)) | "
                + "\(f(Double(r.instructions) / Double(max(r.layerInstructions, 1)), 3)) | `\(schedule.replacingOccurrences(of: "|", with: "\\|"))` |")
        }
        return l
    }
}
