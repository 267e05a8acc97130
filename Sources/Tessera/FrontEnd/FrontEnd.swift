import Foundation

/// The front end: model JSON in, a verified graph with every shape inferred out.
public enum FrontEnd {
    /// Loads, checks and shape-infers the model at `path`.
    public static func load(path: String) throws -> Graph {
        try finish(try ModelLoader.load(path: path))
    }

    public static func load(data: Data, file: String) throws -> Graph {
        try finish(try ModelLoader.load(data: data, file: file))
    }

    public static func load(json: JSONValue, irAttributes: Bool = false) throws -> Graph {
        try finish(try ModelLoader.load(json: json, irAttributes: irAttributes))
    }

    private static func finish(_ loaded: ModelLoader.Loaded) throws -> Graph {
        let ordered = try GraphStructure.ordered(loaded.graph)
        let typed = try ShapeInference.run(ordered)
        try ShapeInference.checkDeclaredOutputs(typed, loaded.declaredOutputs)
        return typed
    }
}

/// Checks the invariants every pass must keep; cheap enough to run after each one.
public enum Verifier {
    public static func verify(_ graph: Graph) throws {
        try GraphStructure.verify(graph)
        let reinferred = try ShapeInference.run(graph)
        for (name, t) in reinferred.types where graph.types[name] != t {
            throw TesseraError.internalError("tensor \"\(name)\" has type \(graph.types[name].map { "\($0)" } ?? "none") but its producer computes \(t)")
        }
    }
}
