import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing
@testable import Tessera

/// report.json's memory section, the text timeline and the SVG of `tessera inspect --memory`.
@Suite struct MemoryTimelineTests {
    static func report(_ model: CompiledModel) throws -> [(String, JSONValue)] {
        let text = try #require(model.files.first { $0.name == "report.json" }?.contents)
        guard case let .object(top) = try JSONParser.parse(text) else { throw Failure("report.json is not an object") }
        return top
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
        init(_ d: String) { description = d }
    }

    static func field(_ fields: [(String, JSONValue)], _ key: String) throws -> JSONValue {
        try #require(fields.first { $0.0 == key }?.1, "no \"\(key)\"")
    }

    static func int(_ v: JSONValue) throws -> Int {
        guard case let .int(n) = v else { throw Failure("not an int: \(v)") }
        return n
    }

    static func object(_ v: JSONValue) throws -> [(String, JSONValue)] {
        guard case let .object(o) = v else { throw Failure("not an object: \(v)") }
        return o
    }

    static func array(_ v: JSONValue) throws -> [JSONValue] {
        guard case let .array(a) = v else { throw Failure("not an array: \(v)") }
        return a
    }

    /// The header's offset table: `[ offset, +bytes) tensors  nodes first..last` per buffer.
    static func headerOffsets(_ model: CompiledModel) throws -> [(offset: Int, bytes: Int, first: Int, last: Int)] {
        let header = try #require(model.files.first { $0.name == "\(model.symbolPrefix).h" }?.contents)
        let pattern = try NSRegularExpression(pattern: #"^ \*     \[ *(\d+), \+(\d+)\) .*  nodes (\d+)\.\.(\d+)$"#, options: [.anchorsMatchLines])
        let ns = header as NSString
        return pattern.matches(in: header, range: NSRange(location: 0, length: ns.length)).map { m in
            let n = (1...4).map { Int(ns.substring(with: m.range(at: $0)))! }
            return (n[0], n[1], n[2], n[3])
        }
    }

    /// The MLP (Gemm+ReLU fused, Gemm, Softmax into the graph output), planned by hand:
    /// fc1's output, 2x32 floats = 256 B, lives from node 0 to node 1 (fc2 reads it); fc2's,
    /// 2x10 floats = 80 B, from node 1 to node 2 (softmax), so it cannot share fc1's bytes
    /// and sits at 256. Arena 336 B, and 336 B are live at node 1.
    @Test func reportFieldsOfTheMLPAgreeWithTheHeaderAndTheHandPlan() throws {
        let model = try Compiler.compile(try SyntheticModels.mlp().graph())
        let memory = try Self.object(try Self.field(try Self.report(model), "memory"))
        func m(_ key: String) throws -> JSONValue { try Self.field(memory, key) }
        #expect(try Self.int(m("arena_bytes")) == 336)
        #expect(try Self.int(m("lower_bound_bytes")) == 336)
        #expect(try Self.int(m("arena_lower_bound_bytes")) == 336)
        #expect(try m("planner") == .string("first-fit"))
        #expect(try m("io_in_arena") == .bool(false))
        #expect(try Self.int(m("scratch_bytes")) == 0)
        // Inputs 2x16 and outputs 2x10 floats, caller-owned: 128 + 80 B on top of the arena.
        #expect(try Self.int(m("input_bytes")) == 128 && Self.int(m("output_bytes")) == 80)
        #expect(try Self.int(m("total_activation_bytes")) == 336 + 128 + 80)
        #expect(try m("efficiency") == .double(1) || m("efficiency") == .int(1))
        let buffers = try Self.array(try m("buffers")).map(Self.object)
        #expect(buffers.count == 2)
        let expected = [(offset: 0, bytes: 256, first: 0, last: 1), (offset: 256, bytes: 80, first: 1, last: 2)]
        let header = try Self.headerOffsets(model)
        #expect(header.count == 2)
        for (i, b) in buffers.enumerated() where i < expected.count && i < header.count {
            let got = (try Self.int(Self.field(b, "offset")), try Self.int(Self.field(b, "bytes")),
                       try Self.int(Self.field(b, "first_node")), try Self.int(Self.field(b, "last_node")))
            #expect(got == (expected[i].offset, expected[i].bytes, expected[i].first, expected[i].last), "buffer \(i)")
            #expect(got == (header[i].offset, header[i].bytes, header[i].first, header[i].last), "buffer \(i) against the header")
            #expect(try Self.field(b, "kind") == .string("activation"))
        }
    }

    /// On models with scratch: every figure of the memory section follows from the others
    /// and from the header's offset table; scratch buffers are marked with their node.
    @Test(arguments: ["conv_relu_pool", "dw_separable", "residual"])
    func reportFieldsAreConsistent(_ name: String) throws {
        let model = try Compiler.compile(try SyntheticModels.named(name).graph(), options: CompileOptions(target: "corstone300", precision: .fp32))
        let top = try Self.report(model)
        let memory = try Self.object(try Self.field(top, "memory"))
        func m(_ key: String) throws -> Int { try Self.int(Self.field(memory, key)) }
        let arena = try m("arena_bytes"), lower = try m("lower_bound_bytes")
        #expect(lower == (try m("arena_lower_bound_bytes")))
        #expect(try m("total_activation_bytes") == arena + m("input_bytes") + m("output_bytes"))
        guard case let .double(eff) = try Self.field(memory, "efficiency") else { Issue.record("efficiency is not a number"); return }
        #expect(abs(eff - Double(lower) / Double(arena)) < 1e-12)
        let buffers = try Self.array(try Self.field(memory, "buffers")).map(Self.object)
        #expect(buffers.count == (try Self.array(Self.field(top, "arena_buffers"))).count)
        let header = try Self.headerOffsets(model)
        #expect(header.count == buffers.count)
        var scratchSeen = 0
        for (i, b) in buffers.enumerated() where i < header.count {
            let offset = try Self.int(Self.field(b, "offset")), bytes = try Self.int(Self.field(b, "bytes"))
            let first = try Self.int(Self.field(b, "first_node")), last = try Self.int(Self.field(b, "last_node"))
            #expect((offset, bytes, first, last) == (header[i].offset, header[i].bytes, header[i].first, header[i].last), "buffer \(i)")
            #expect(offset + bytes <= arena)
            if try Self.field(b, "kind") == .string("scratch") {
                scratchSeen += 1
                let node = try Self.int(Self.field(b, "node"))
                #expect(first == node && last == node)
                let s = try #require(model.plan.scratch[node], "scratch of node \(node) not in the plan")
                #expect(s.offset == offset && s.bytes == bytes)
            }
        }
        #expect(scratchSeen == model.plan.scratch.count)
        let largestScratch = buffers.filter { (try? Self.field($0, "kind")) == .string("scratch") }.compactMap { try? Self.int(Self.field($0, "bytes")) }.max() ?? 0
        #expect(try m("scratch_bytes") == largestScratch)
    }

    // MARK: - Text timeline

    /// Rows of the text timeline: `  <i>  <offset>  <bytes>  <bar>  <first>-<last>  ...`.
    static func timelineRows(_ text: String) -> [String] {
        text.split(separator: "\n").map(String.init).filter {
            $0.range(of: #"^ +\d+ +[\d,]+ +[\d,]+ +[#s.]+ +\d+-\d+ "#, options: .regularExpression) != nil
        }
    }

    @Test(arguments: ["conv_relu_pool", "dw_separable", "residual", "ops_mix"])
    func textTimelineHasOneRowPerBuffer(_ name: String) throws {
        let r = try InspectReport.memory(try SyntheticModels.named(name).graph(), options: CompileOptions(target: "corstone300", precision: .fp32))
        let rows = Self.timelineRows(r.text)
        #expect(rows.count == r.timeline.rows.count)
        #expect(rows.filter { $0.contains("[scratch]") }.count == r.timeline.rows.filter(\.isScratch).count)
        #expect(r.text.contains("peak") && r.text.contains("lower bound") && r.text.contains("efficiency") && r.text.contains("planner"))
    }

    @Test func textTimelineSnapshot() throws {
        let r = try InspectReport.memory(try SyntheticModels.convReluPool().graph(), options: CompileOptions(target: "corstone300", precision: .fp32))
        assertSnapshot(r.text, named: "memory-timeline-conv_relu_pool")
    }

    // MARK: - SVG

    struct Rect { var x, y, width, height: Double; var id: String; var cls: String }

    /// Parses the SVG with XMLParser: its rects and lines (by class), or the parse error.
    final class SVGReader: NSObject, XMLParserDelegate {
        var rects: [Rect] = []
        var lines: [String: [String: String]] = [:]
        func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String]) {
            if name == "rect" {
                func d(_ k: String) -> Double { Double(attributes[k] ?? "") ?? .nan }
                rects.append(Rect(x: d("x"), y: d("y"), width: d("width"), height: d("height"), id: attributes["id"] ?? "", cls: attributes["class"] ?? ""))
            } else if name == "line", let c = attributes["class"] {
                lines[c] = attributes
            }
        }
        static func read(_ svg: String) throws -> SVGReader {
            let parser = XMLParser(data: Data(svg.utf8))
            let reader = SVGReader()
            parser.delegate = reader
            guard parser.parse() else { throw Failure("the SVG is not well-formed XML: \(parser.parserError.map { "\($0)" } ?? "?") at line \(parser.lineNumber)") }
            return reader
        }
    }

    static func svgModels() throws -> [(String, Graph)] {
        var models = try ["conv_relu_pool", "dw_separable", "residual", "ops_mix"].map { ($0, try SyntheticModels.named($0).graph()) }
        if SharedModels.available {
            models.append(("ic_resnet8", try ONNXImporter.load(path: "\(SharedModels.directory)/ic_resnet8.onnx").graph))
        } else {
            print("MemoryTimelineTests: \(SharedModels.skipReason); the SVG check runs on the synthetic models only")
        }
        return models
    }

    /// Well-formed, one rect per buffer, scratch in its class, and no two rects share area
    /// where their time spans overlap: a check on the drawing's geometry alone (with no
    /// output placed over its input, which the picture would rightly show overlapping).
    @Test func svgIsWellFormedWithOneNonOverlappingRectPerBuffer() throws {
        for (name, graph) in try Self.svgModels() {
            let r = try InspectReport.memory(graph, options: CompileOptions(target: "corstone300", precision: .fp32, inPlace: .never))
            let svg = try SVGReader.read(r.svg)
            #expect(svg.rects.count == r.timeline.rows.count, "\(name)")
            #expect(svg.rects.filter { $0.cls == "scratch" }.count == r.timeline.rows.filter(\.isScratch).count, "\(name)")
            #expect(svg.rects.allSatisfy { $0.width > 0 && $0.height > 0 }, "\(name)")
            let eps = 1e-3
            for i in svg.rects.indices {
                for j in svg.rects.indices where j > i {
                    let a = svg.rects[i], b = svg.rects[j]
                    let timeOverlap = min(a.x + a.width, b.x + b.width) - max(a.x, b.x) > eps
                    let addressOverlap = min(a.y + a.height, b.y + b.height) - max(a.y, b.y) > eps
                    #expect(!(timeOverlap && addressOverlap), "\(name): rects \(a.id) and \(b.id) overlap")
                }
            }
            // The arena line tops every rect; the lower bound line is at or below it.
            let arenaY = try #require(svg.lines["arena"]?["y1"].flatMap(Double.init), "\(name): no arena line")
            let lowerY = try #require(svg.lines["lower-bound"]?["y1"].flatMap(Double.init), "\(name): no lower-bound line")
            #expect(svg.rects.allSatisfy { $0.y >= arenaY - eps }, "\(name)")
            #expect(lowerY >= arenaY - eps, "\(name)")
            #expect(svg.lines["peak"] != nil, "\(name): no peak mark")
            // Deterministic: the same model draws the same bytes.
            #expect(try InspectReport.memory(graph, options: CompileOptions(target: "corstone300", precision: .fp32, inPlace: .never)).svg == r.svg, "\(name)")
        }
    }

    /// Names are escaped: a tensor named with XML's special characters still parses.
    @Test func svgEscapesNames() throws {
        var b = ModelBuilder("esc", seed: 3)
        b.input("in<1>", [1, 8])
        let h = b.node("Gemm", ["in<1>", b.weight("w&1", [8, 8])], name: "fc\"a'", outputs: ["h<&>"], [("transB", .int(1))])
        b.output(b.node("Softmax", [h], name: "r<1>", outputs: ["out"]))
        let r = try InspectReport.memory(try b.graph())
        #expect(r.svg.contains("h&lt;&amp;&gt;"))
        _ = try SVGReader.read(r.svg)
    }

    /// The command line: `inspect --memory` prints the timeline and writes the SVG, by
    /// default as <model>.memory.svg in the current directory.
    @Test func cliWritesTheSVG() throws {
        let dir = try TestEnvironment.temporaryDirectory()
        defer { TestEnvironment.remove(dir) }
        let model = TestEnvironment.repositoryRoot.appendingPathComponent("Examples/digits_cnn.json").path
        let r = try TestEnvironment.cli(["inspect", model, "--memory"], directory: dir)
        #expect(r.status == 0, "\(r.stderr)")
        let svgPath = dir + "/digits_cnn.memory.svg"
        let svg = try String(contentsOfFile: svgPath, encoding: .utf8)
        let graph = try FrontEnd.load(path: model)
        let expected = try InspectReport.memory(graph)
        #expect(svg == expected.svg)
        #expect(r.stdout.hasPrefix(expected.text))
        let explicit = dir + "/chosen.svg"
        let r2 = try TestEnvironment.cli(["inspect", model, "--memory", "--svg", explicit, "--target", "corstone300", "--precision", "fp16"], directory: dir)
        #expect(r2.status == 0, "\(r2.stderr)")
        #expect(FileManager.default.fileExists(atPath: explicit))
        let bad = try TestEnvironment.cli(["inspect", model, "--svg", explicit])
        #expect(bad.status == 2)
    }
}
