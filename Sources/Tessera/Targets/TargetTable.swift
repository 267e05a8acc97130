/// The text of `tessera targets`.
public enum TargetTable {
    public static func text(_ targets: [TargetDescription]) -> String {
        let header = ["target", "core", "MHz", "flash", "arena SRAM", "FP16", "SIMD", "emulator", "board"]
        let rows: [[String]] = targets.map { t in
            let kib = { (n: Int) in n == 0 ? "-" : "\(n / 1024) KB" }
            return [t.name, t.core, t.clockMHz == 0 ? "-" : String(Int(t.clockMHz)), kib(t.flash.size),
                    t.arenaRegion.map { "\(kib($0.size)) \($0.name)" } ?? "-",
                    t.fp16Arithmetic ? "arith" : (t.fp16Storage ? "storage" : "-"), t.simd,
                    t.isHost ? "json-c harness" : "qemu \(t.emulator.machine)", t.board]
        }
        var widths = header.map(\.count)
        for r in rows { for (i, c) in r.enumerated() { widths[i] = max(widths[i], c.count) } }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { $1 + String(repeating: " ", count: widths[$0] - $1.count) }.joined(separator: "  ").trimmingTrailingSpaces()
        }
        return ([line(header), line(widths.map { String(repeating: "-", count: $0) })] + rows.map(line)).joined(separator: "\n") + "\n"
    }
}

/// The terminal summary of a run report.
public enum RunReportText {
    public static func text(_ r: JSONValue) -> String {
        func int(_ key: String) -> String {
            if case let .int(v)? = r[key] { return InspectReport.grouped(v) }
            return "?"
        }
        var lines = [
            "  instructions      \(int("instructions")) per inference (\(r["macs_per_instruction"]?.number.map { String($0) } ?? "?") MACs per instruction)",
            "  estimated latency \(r["estimated_ms"]?.number.map { String($0) } ?? "?") ms at \(r["clock_mhz"]?.number.map { String(Int($0)) } ?? "?") MHz (estimate: instructions x CPI / clock)",
            "  peak stack        \(int("stack_bytes")) B",
            "  flash             \(int("flash_bytes")) B in the image (model \(int("model_flash_bytes")) B, of which weights \(int("weights_bytes")) B; test inputs \(int("input_data_bytes")) B)",
            "  RAM               \(int("static_ram_bytes")) B data+bss (arena \(int("arena_bytes")) B) + \(int("stack_bytes")) B stack",
        ]
        if let layers = r["layers"]?.array {
            let top = layers.compactMap { l -> (String, Int)? in
                guard let n = l["node"]?.string, case let .int(i)? = l["instructions"] else { return nil }
                return (n, i)
            }.sorted { $0.1 > $1.1 }.prefix(3)
            lines.append("  heaviest layers   " + top.map { "\(InspectReport.abbreviated($0.0, 32)) \(InspectReport.grouped($0.1))" }.joined(separator: ", "))
        }
        return lines.joined(separator: "\n")
    }
}
