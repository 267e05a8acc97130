import Testing
@testable import Tessera

@Suite struct JSONTests {
    @Test func parsesEveryKindOfValue() throws {
        let v = try JSONParser.parse(#"{"a": [1, -2.5e3, true, false, null], "s": "x\"\\\/\u00e9\ud83d\ude00\n", "n": {}}"#)
        #expect(v["a"] == .array([.int(1), .double(-2500), .bool(true), .bool(false), .null]))
        #expect(v["s"] == .string("x\"\\/é😀\n"))
        #expect(v["n"] == .object([]))
    }

    @Test func reportsLineAndColumn() {
        #expect(throws: TesseraError.malformedJSON(file: "f.json", line: 2, column: 6, message: "invalid number: leading zero")) {
            _ = try JSONParser.parse("[1,\n  2, 01]", file: "f.json")
        }
        #expect(throws: TesseraError.malformedJSON(file: "f.json", line: 1, column: 3, message: "the file is empty")) {
            _ = try JSONParser.parse("  ", file: "f.json")
        }
    }

    @Test func rejectsWhatStrictJSONRejects() {
        for text in ["[1,]", "{\"a\" 1}", "[NaN]", "'a'", "[1] 2", "\"tab\there\"", "[\"\\ud800\"]", "{\"a\":1,}", String(repeating: "[", count: 600)] {
            #expect(throws: TesseraError.self, "\(text)") { _ = try JSONParser.parse(text) }
        }
    }

    @Test func overflowingNumbersBecomeInfinite() throws {
        #expect(try JSONParser.parse("1e999") == .double(.infinity))
        #expect(try JSONParser.parse("123456789012345678901234567890") == .double(1.2345678901234568e29))
    }

    @Test func writerRoundTripsAndKeepsKeyOrder() throws {
        let v: JSONValue = .object([("z", .int(1)), ("a", .array([.double(0.1), .string("q\"")])), ("m", .object([("k", .null)]))])
        let text = JSONWriter.write(v)
        #expect(try JSONParser.parse(text) == v)
        #expect(text.firstIndex(of: "z")! < text.firstIndex(of: "a")!)
        #expect(JSONWriter.write(.double(.nan), pretty: false) == "null")
    }

    @Test func tensorsJSONRoundTripsFloatsExactly() throws {
        var rng = SeededRandom(seed: 1)
        let t = TensorValue(shape: [3, 7], data: rng.values(21, -1e6, 1e6) + [])
        let text = TensorsJSON.write(["t": t])
        let back = try TensorsJSON.parse(try JSONParser.parse(text), file: "t.json")
        #expect(back["t"] == t)
    }
}
