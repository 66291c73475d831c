import ArgumentParser
import Foundation

/// Reads settings from the environment (SPEC §8); flags override. A missing or invalid
/// setting is one line on stderr naming it, and exit code 2 — never a stack trace.
enum Settings {
    static var environment: [String: String] { ProcessInfo.processInfo.environment }

    /// The flag's value, else the environment variable's, else a usage error naming both.
    static func required(_ flag: String?, env name: String, flagName: String) throws -> String {
        if let flag, !flag.isEmpty { return flag }
        if let v = environment[name], !v.trimmingCharacters(in: .whitespaces).isEmpty { return v }
        fail("\(name) is not set (or pass --\(flagName))")
    }

    static func optional(_ flag: String?, env name: String) -> String? {
        if let flag, !flag.isEmpty { return flag }
        if let v = environment[name], !v.isEmpty { return v }
        return nil
    }

    static func integer(_ flag: Int?, env name: String, default value: Int, range: ClosedRange<Int>) throws -> Int {
        if let flag {
            guard range.contains(flag) else { fail("\(name) must be between \(range.lowerBound) and \(range.upperBound)") }
            return flag
        }
        guard let text = environment[name], !text.isEmpty else { return value }
        guard let v = Int(text.trimmingCharacters(in: .whitespaces)), range.contains(v) else {
            fail("\(name) must be an integer between \(range.lowerBound) and \(range.upperBound), got \"\(text)\"")
        }
        return v
    }

    static func boolean(env name: String) -> Bool? {
        guard let text = environment[name]?.lowercased(), !text.isEmpty else { return nil }
        switch text {
        case "true", "1", "yes": return true
        case "false", "0", "no": return false
        default: fail("\(name) must be true or false, got \"\(text)\"")
        }
    }

    /// Prints one line to stderr and exits 2 (bad usage / configuration).
    static func fail(_ message: String) -> Never {
        FileHandle.standardError.write(Data("billing-worker: configuration error: \(message)\n".utf8))
        exit(2)
    }
}
