import Foundation

/// The built `billing-worker` executable, run as an operator would run it.
public enum WorkerBinary {
    /// `billing-worker` next to the test bundle (built by `swift build --build-tests`).
    public static var url: URL {
        URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
            .deletingLastPathComponent().appendingPathComponent("billing-worker")
    }

    public static func run(_ arguments: [String], env: [String: String], stdin: String? = nil) throws -> (status: Int32, out: String, err: String) {
        let process = Process()
        process.executableURL = url
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        for key in ["STRIPE_API_KEY", "STRIPE_API_BASE", "DATABASE_URL"] { environment[key] = nil }
        environment.merge(env) { $1 }
        process.environment = environment
        let (out, err, input) = (Pipe(), Pipe(), Pipe())
        process.standardOutput = out
        process.standardError = err
        process.standardInput = input
        try process.run()
        if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
        try input.fileHandleForWriting.close()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: outData, as: UTF8.self), String(decoding: errData, as: UTF8.self))
    }
}
