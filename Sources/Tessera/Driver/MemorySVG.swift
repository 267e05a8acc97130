import Foundation

/// The arena timeline as SVG: time (node index) across, addresses up, one `<rect>` per
/// arena buffer (its tensors as `<title>`, the tooltip; scratch in another colour), a
/// horizontal line at the arena size and one at the lower bound, the peak step marked.
/// Every coordinate is printed with fixed decimals, so the same plan gives the same bytes.
public enum MemorySVG {
    /// Plot area and margins, in SVG user units.
    static let plotWidth = 720.0, plotHeight = 360.0
    static let left = 90.0, right = 150.0, top = 40.0, bottom = 50.0

    static func n(_ x: Double) -> String { String(format: "%.4f", x) }

    static func escape(_ s: String) -> String {
        var out = ""
        for c in s.unicodeScalars {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            default:
                // XML 1.0 admits no control characters but tab, newline, return.
                if c.value < 0x20 && c != "\t" && c != "\n" && c != "\r" { out += "?" } else { out.unicodeScalars.append(c) }
            }
        }
        return out
    }

    public static func svg(_ t: MemoryTimeline) -> String {
        let steps = max(t.nodes.count, 1)
        let height = max(t.arenaBytes, t.lowerBoundBytes, 1)
        let dx = plotWidth / Double(steps)
        func x(_ step: Int) -> Double { left + Double(step) * dx }
        func y(_ address: Int) -> Double { top + plotHeight - Double(address) * plotHeight / Double(height) }
        let g = InspectReport.grouped
        let width = left + plotWidth + right, total = top + plotHeight + bottom
        var l = ["<?xml version=\"1.0\" encoding=\"UTF-8\"?>",
                 "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(n(width))\" height=\"\(n(total))\" viewBox=\"0 0 \(n(width)) \(n(total))\" font-family=\"sans-serif\" font-size=\"11\">",
                 "<title>\(escape("Arena of \"\(t.model)\": \(g(t.arenaBytes)) B, lower bound \(g(t.lowerBoundBytes)) B, planner \(t.planner)"))</title>",
                 "<text x=\"\(n(left))\" y=\"\(n(top - 16))\" font-size=\"13\">\(escape("\(t.model): arena \(g(t.arenaBytes)) B, lower bound \(g(t.lowerBoundBytes)) B, efficiency \(String(format: "%.3f", t.efficiency)), planner \(t.planner), scratch \(g(t.scratchBytes)) B"))</text>",
                 // Axes: time across the bottom, addresses up the left.
                 "<line x1=\"\(n(left))\" y1=\"\(n(top + plotHeight))\" x2=\"\(n(left + plotWidth))\" y2=\"\(n(top + plotHeight))\" stroke=\"black\"/>",
                 "<line x1=\"\(n(left))\" y1=\"\(n(top))\" x2=\"\(n(left))\" y2=\"\(n(top + plotHeight))\" stroke=\"black\"/>",
                 "<text x=\"\(n(left + plotWidth / 2))\" y=\"\(n(total - 12))\" text-anchor=\"middle\">node index (\(t.nodes.count) nodes)</text>",
                 "<text x=\"\(n(left - 8))\" y=\"\(n(top + plotHeight))\" text-anchor=\"end\">0</text>",
                 "<text transform=\"translate(\(n(16)) \(n(top + plotHeight / 2))) rotate(-90)\" text-anchor=\"middle\">arena offset (bytes)</text>"]
        // Node ticks: at most about 16 labels.
        let every = max(1, (t.nodes.count + 15) / 16)
        for s in stride(from: 0, to: t.nodes.count, by: every) {
            l.append("<text x=\"\(n(x(s) + dx / 2))\" y=\"\(n(top + plotHeight + 14))\" text-anchor=\"middle\"><title>\(escape(t.nodes[s]))</title>\(s)</text>")
        }
        // The buffers.
        for (i, r) in t.rows.enumerated() {
            let yTop = y(r.end), yBottom = y(r.offset)
            let kind = r.isScratch ? "scratch" : "activation"
            let tip = (r.isScratch ? "[scratch] " : "") + r.tensors.joined(separator: ", ")
                + ": offset \(r.offset), \(r.bytes) B, nodes \(r.first)..\(r.last)"
            l.append("<rect id=\"b\(i)\" class=\"\(kind)\" x=\"\(n(x(r.first)))\" y=\"\(n(yTop))\" width=\"\(n(Double(r.last - r.first + 1) * dx))\" height=\"\(n(yBottom - yTop))\" "
                     + "fill=\"\(r.isScratch ? "#f2a65a" : "#6fa8dc")\" fill-opacity=\"0.85\" stroke=\"#1c4587\" stroke-width=\"0.5\"><title>\(escape(tip))</title></rect>")
        }
        // The arena size and the lower bound.
        for (label, bytes, colour, dash) in [("arena", t.arenaBytes, "#cc0000", ""), ("lower bound", t.lowerBoundBytes, "#38761d", " stroke-dasharray=\"6 3\"")] {
            l.append("<line class=\"\(label == "arena" ? "arena" : "lower-bound")\" x1=\"\(n(left))\" y1=\"\(n(y(bytes)))\" x2=\"\(n(left + plotWidth))\" y2=\"\(n(y(bytes)))\" stroke=\"\(colour)\" stroke-width=\"1.5\"\(dash)/>")
            l.append("<text x=\"\(n(left + plotWidth + 6))\" y=\"\(n(y(bytes) + (label == "arena" ? -2 : 11)))\" fill=\"\(colour)\">\(escape("\(label) \(g(bytes)) B"))</text>")
        }
        // The peak step.
        if let p = t.peakStep {
            let cx = x(p) + dx / 2
            l.append("<line class=\"peak\" x1=\"\(n(cx))\" y1=\"\(n(top))\" x2=\"\(n(cx))\" y2=\"\(n(top + plotHeight))\" stroke=\"#741b47\" stroke-width=\"1\" stroke-dasharray=\"2 2\"/>")
            l.append("<text x=\"\(n(cx))\" y=\"\(n(top - 4))\" text-anchor=\"middle\" fill=\"#741b47\">\(escape("peak: node \(p) \(t.nodes[p]), \(g(t.liveBytes[p])) B live"))</text>")
        }
        l.append("</svg>")
        return l.joined(separator: "\n") + "\n"
    }
}
