import BillingPostgres
import BillingServer
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import Testing
import Yams

/// The deployment artifacts under `deploy/` (Dockerfile, systemd unit, Kubernetes manifests) name
/// the binary's real commands, routes, port and environment variables (issue 9).
///
/// Commands are checked against the built `billing-worker` itself (`--experimental-dump-help`, the
/// command tree swift-argument-parser prints), found next to the test bundle; routes against the
/// real router; variable names against SPEC §8 and the executable's sources.
@Suite("Deployment artifacts")
struct DeployArtifactTests {
    // MARK: - Kubernetes

    @Test func everyManifestParsesAndHasAKnownKind() throws {
        let documents = try DeployFiles.kubernetesDocuments()
        #expect(!documents.isEmpty)
        let kinds = Set(documents.compactMap { $0.object["kind"] as? String })
        #expect(kinds.isSuperset(of: ["Deployment", "Service", "Job", "CronJob"]), "kinds: \(kinds.sorted())")
        for document in documents {
            #expect(document.object["apiVersion"] is String, "\(document.file): apiVersion")
            #expect((document.object["metadata"] as? [String: Any])?["name"] is String || document.object["kind"] as? String == "Kustomization",
                    "\(document.file): metadata.name")
        }
    }

    @Test func kustomizationListsEveryManifest() throws {
        let documents = try DeployFiles.kubernetesDocuments()
        let kustomization = try #require(documents.first { $0.object["kind"] as? String == "Kustomization" })
        let listed = Set(kustomization.object["resources"] as? [String] ?? [])
        let files = Set(documents.map(\.file)).subtracting([kustomization.file])
        #expect(listed == files)
    }

    @Test func containerCommandsAreRealSubcommands() throws {
        let cli = try BinaryCLI.load()
        var checked: [String] = []
        for (document, container) in try DeployFiles.containers() {
            if let command = container["command"] as? [String] {
                #expect(command.first == "billing-worker", "\(document.file): command must run billing-worker")
            }
            let args = try #require(container["args"] as? [String], "\(document.file): container without args")
            let problem = cli.problem(with: args)
            #expect(problem == nil, "\(document.file): \(args.joined(separator: " ")): \(problem ?? "")")
            checked.append(args.joined(separator: " "))
        }
        #expect(checked.contains("serve"))
        #expect(checked.contains("migrate deploy"))
        #expect(checked.contains { $0.hasPrefix("reconcile") })
    }

    @Test func environmentVariablesAreOnesTheBinaryReads() throws {
        let known = try DeployFiles.variablesTheBinaryReads()
        for (document, container) in try DeployFiles.containers() {
            for entry in container["env"] as? [[String: Any]] ?? [] {
                let name = try #require(entry["name"] as? String)
                #expect(known.contains(name), "\(document.file): \(name) is not a variable billing-worker reads")
                if let ref = (entry["valueFrom"] as? [String: Any])?["secretKeyRef"] as? [String: Any] {
                    // Only the migrate Job reads the owner's URL, from a Secret of its own (issue 15).
                    let secret = document.file == "migrate-job.yaml" && name == "DATABASE_URL" ? "billing-worker-owner" : "billing-worker"
                    #expect(ref["name"] as? String == secret, "\(document.file): \(name) from another Secret")
                    #expect(ref["key"] as? String == name, "\(document.file): \(name) read from key \(ref["key"] ?? "-")")
                }
            }
        }
    }

    /// Two roles (issue 15): the migrate Job connects as the owner and names the application role
    /// to grant; the Deployment and the CronJob connect with the application role's URL.
    @Test func migrationsRunAsOwnerServiceAsApplicationRole() throws {
        func env(_ file: String) throws -> [[String: Any]] {
            let container = try #require(try DeployFiles.containers().first { $0.0.file == file }?.1, "\(file)")
            return container["env"] as? [[String: Any]] ?? []
        }
        func secret(of name: String, in entries: [[String: Any]]) -> String? {
            let entry = entries.first { $0["name"] as? String == name }
            return ((entry?["valueFrom"] as? [String: Any])?["secretKeyRef"] as? [String: Any])?["name"] as? String
        }
        let migrate = try env("migrate-job.yaml")
        #expect(secret(of: "DATABASE_URL", in: migrate) == "billing-worker-owner")
        #expect(migrate.contains { $0["name"] as? String == "BILLING_APP_ROLE" && ($0["value"] as? String)?.isEmpty == false })
        for file in ["deployment.yaml", "reconcile-cronjob.yaml"] {
            let entries = try env(file)
            #expect(secret(of: "DATABASE_URL", in: entries) == "billing-worker", "\(file)")
            #expect(!entries.contains { $0["name"] as? String == "BILLING_APP_ROLE" }, "\(file)")
        }
        let unit = try DeployFiles.text("deploy/systemd/billing-worker-migrate.service")
        #expect(unit.contains("ExecStart=/usr/local/bin/billing-worker migrate deploy"))
        #expect(unit.contains("EnvironmentFile=/etc/billing-worker/migrate.env"))
        #expect(try DeployFiles.text("deploy/systemd/billing-worker.service").contains("EnvironmentFile=/etc/billing-worker/env"))
    }

    @Test func secretsComeFromTheSecretNeverFromLiterals() throws {
        let secretNames: Set = ["DATABASE_URL", "STRIPE_WEBHOOK_SECRETS", "BILLING_ADMIN_TOKENS", "STRIPE_API_KEY"]
        for (document, container) in try DeployFiles.containers() {
            for entry in container["env"] as? [[String: Any]] ?? [] where secretNames.contains(entry["name"] as? String ?? "") {
                #expect(entry["value"] == nil, "\(document.file): \(entry["name"] ?? "") set as a literal")
                #expect(((entry["valueFrom"] as? [String: Any])?["secretKeyRef"]) != nil)
            }
        }
        let deployment = try DeployFiles.deploymentContainer()
        let fromSecret = Set((deployment["env"] as? [[String: Any]] ?? []).compactMap { entry -> String? in
            ((entry["valueFrom"] as? [String: Any])?["secretKeyRef"]) != nil ? entry["name"] as? String : nil
        })
        // serve never calls Stripe's API: its Deployment does not receive the key (issue 16).
        #expect(fromSecret == secretNames.subtracting(["STRIPE_API_KEY"]))
    }

    @Test func probesPointAtServedRoutesOnTheServingPort() async throws {
        let container = try DeployFiles.deploymentContainer()
        let env = Dictionary(uniqueKeysWithValues: (container["env"] as? [[String: Any]] ?? []).compactMap { entry in
            (entry["name"] as? String).flatMap { name in (entry["value"] as? String).map { (name, $0) } }
        })
        let ports = container["ports"] as? [[String: Any]] ?? []
        let servingPort = try #require(Int(env["PORT"] ?? "8080"))
        #expect(env["HOST"] == "0.0.0.0", "a container must listen on every interface")
        #expect(ports.contains { $0["containerPort"] as? Int == servingPort }, "PORT is not a containerPort")

        func probe(_ key: String) throws -> (path: String, port: Int) {
            let get = try #require((container[key] as? [String: Any])?["httpGet"] as? [String: Any], "\(key).httpGet")
            let path = try #require(get["path"] as? String)
            let port: Int
            if let number = get["port"] as? Int {
                port = number
            } else {
                let name = try #require(get["port"] as? String)
                port = try #require(ports.first { $0["name"] as? String == name }?["containerPort"] as? Int, "no port named \(name)")
            }
            return (path, port)
        }
        let readiness = try probe("readinessProbe")
        let liveness = try probe("livenessProbe")
        // Probes go to the internal port (issue 16), which is a containerPort distinct from PORT.
        let internalPort = try #require(Int(env["BILLING_INTERNAL_PORT"] ?? ""), "the Deployment sets BILLING_INTERNAL_PORT")
        #expect(internalPort != servingPort && ports.contains { $0["containerPort"] as? Int == internalPort })
        #expect(readiness.path == "/readyz" && readiness.port == internalPort)
        #expect(liveness.path == "/healthz" && liveness.port == internalPort)
        #expect(env["BILLING_CONSOLE_SECURE_COOKIES"] == "true", "console cookies are Secure in the shipped manifests")

        // The routes exist in the real router: /healthz answers 200 without a database, /readyz
        // answers 503 (not 404) while its database is unreachable.
        let pool = PGPool(url: "postgresql://nobody@127.0.0.1:1/none?connect_timeout=2", size: 1)
        var settings = ServerSettings(databaseURL: pool.url, webhookSecrets: ["whsec_deploy_test"])
        settings.internalPort = internalPort
        let parts = BillingApplicationParts(
            settings: settings, pool: pool, handler: BillingEventHandler(livemode: nil), logger: Logger(label: "deploy-test"))
        let app = Application(router: buildInternalRouter(parts))
        try await app.test(.router) { client in
            try await client.execute(uri: liveness.path, method: .get) { #expect($0.status == .ok) }
            try await client.execute(uri: readiness.path, method: .get) { #expect($0.status == .serviceUnavailable) }
            try await client.execute(uri: "/no-such-route", method: .get) { #expect($0.status == .notFound) }
        }
        await pool.shutdown()
    }

    @Test func deploymentDrainsAndIsBounded() throws {
        let deployment = try #require(try DeployFiles.kubernetesDocuments().first { $0.object["kind"] as? String == "Deployment" })
        let pod = try #require(DeployFiles.podSpec(of: deployment.object))
        let container = try DeployFiles.deploymentContainer()
        let preStop = try #require(((container["lifecycle"] as? [String: Any])?["preStop"] as? [String: Any])?["exec"] as? [String: Any])
        let command = preStop["command"] as? [String] ?? []
        #expect(command.first == "sleep")
        let sleep = try #require(Int(command.last ?? ""))
        let grace = try #require(pod["terminationGracePeriodSeconds"] as? Int)
        #expect(grace >= sleep + 20, "the grace period must cover the preStop sleep and a drain")
        let resources = try #require(container["resources"] as? [String: Any])
        #expect((resources["requests"] as? [String: Any])?["cpu"] != nil)
        #expect((resources["requests"] as? [String: Any])?["memory"] != nil)
        #expect((resources["limits"] as? [String: Any])?["memory"] != nil)
    }

    @Test func serviceSelectsTheDeploymentPods() throws {
        let documents = try DeployFiles.kubernetesDocuments()
        let service = try #require(documents.first { $0.object["kind"] as? String == "Service" }?.object)
        let deployment = try #require(documents.first { $0.object["kind"] as? String == "Deployment" }?.object)
        let selector = try #require((service["spec"] as? [String: Any])?["selector"] as? [String: String])
        let labels = try #require(((((deployment["spec"] as? [String: Any])?["template"] as? [String: Any])?["metadata"] as? [String: Any])?["labels"]) as? [String: String])
        for (key, value) in selector { #expect(labels[key] == value, "selector \(key)=\(value)") }
        let container = try DeployFiles.deploymentContainer()
        let portNames = Set((container["ports"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String })
        for port in (service["spec"] as? [String: Any])?["ports"] as? [[String: Any]] ?? [] {
            if let name = port["targetPort"] as? String { #expect(portNames.contains(name), "targetPort \(name)") }
        }
    }

    // MARK: - Dockerfile

    @Test func dockerfileBuildsAndRunsWhatTheReadmeAndScriptsUse() throws {
        let docker = try DeployFiles.dockerfile()
        let froms = docker.filter { $0.instruction == "FROM" }.map(\.arguments)
        #expect(froms.count == 2, "multi-stage: build and run")
        #expect(froms.first?.hasPrefix("swift:") == true && froms.first?.contains("-bookworm") == true)
        #expect(froms.last == "debian:bookworm-slim")

        // Build: the release build of the package's executable product, as deploy/local scripts run it.
        let canonicalBuild = "swift build -c release --product billing-worker"
        let runs = docker.filter { $0.instruction == "RUN" }.map(\.arguments)
        #expect(runs.contains { $0.contains(canonicalBuild) }, "Dockerfile must run `\(canonicalBuild)`")
        let manifest = try DeployFiles.text("Package.swift")
        #expect(manifest.contains(#".executable(name: "billing-worker""#))
        let bench = try DeployFiles.text("deploy/local/bench")
        #expect(bench.contains("swift build -c release") && bench.contains("--product billing-worker"))
        let localRun = try DeployFiles.text("deploy/local/run")
        #expect(localRun.contains("swift build --product billing-worker"))
        for apt in ["libpq-dev", "libssl-dev", "libcurl4-openssl-dev", "pkg-config"] {
            #expect(runs.contains { $0.contains(apt) }, "build stage installs \(apt)")
        }
        for lib in ["libpq5", "libssl3", "libcurl4", "ca-certificates"] {
            #expect(runs.contains { $0.contains(lib) }, "run stage installs \(lib)")
        }

        // Run: `billing-worker serve`, the command README and deploy/local/run use.
        let entrypoint = try DeployFiles.jsonArray(docker.last { $0.instruction == "ENTRYPOINT" }?.arguments)
        let cmd = try DeployFiles.jsonArray(docker.last { $0.instruction == "CMD" }?.arguments)
        #expect(entrypoint == ["billing-worker"])
        #expect(cmd == ["serve"])
        #expect(localRun.contains(#""$bin" serve"#))
        #expect(try DeployFiles.text("README.md").contains("billing-worker serve"))
        #expect(try BinaryCLI.load().problem(with: cmd) == nil)

        // Settings, migrations and the user.
        let env = docker.filter { $0.instruction == "ENV" }.map(\.arguments).joined(separator: " ")
        let settings = Dictionary(uniqueKeysWithValues: env.split(separator: " ").compactMap { pair -> (String, String)? in
            let parts = pair.split(separator: "=", maxSplits: 1).map(String.init)
            return parts.count == 2 ? (parts[0], parts[1]) : nil
        })
        let known = try DeployFiles.variablesTheBinaryReads()
        for name in settings.keys { #expect(known.contains(name), "ENV \(name) is not read by billing-worker") }
        #expect(settings["HOST"] == "0.0.0.0")
        #expect(settings["PORT"] == "8080")
        #expect(docker.contains { $0.instruction == "EXPOSE" && $0.arguments == settings["PORT"] })
        let migrations = try #require(settings["BILLING_MIGRATIONS_DIR"])
        #expect(docker.contains { $0.instruction == "COPY" && $0.arguments == "migrations \(migrations)" })
        let user = try #require(docker.last { $0.instruction == "USER" }?.arguments)
        #expect(!user.hasPrefix("root") && !user.hasPrefix("0"), "runs as a non-root user")
    }

    // MARK: - systemd

    @Test func systemdUnitRunsServeHardened() throws {
        let unit = try DeployFiles.systemdUnit()
        let exec = try #require(unit["ExecStart"]?.first).split(separator: " ").map(String.init)
        #expect(exec.first?.hasSuffix("/billing-worker") == true)
        #expect(try BinaryCLI.load().problem(with: Array(exec.dropFirst())) == nil)
        #expect(exec.dropFirst() == ["serve"])

        let known = try DeployFiles.variablesTheBinaryReads()
        for assignment in unit["Environment"] ?? [] {
            let name = String(assignment.split(separator: "=", maxSplits: 1)[0])
            #expect(known.contains(name), "Environment=\(name) is not read by billing-worker")
        }
        #expect(unit["EnvironmentFile"]?.isEmpty == false, "secrets come from an EnvironmentFile")
        let required: [String: String] = [
            "NoNewPrivileges": "yes", "ProtectSystem": "strict", "ProtectHome": "yes", "PrivateTmp": "yes",
            "CapabilityBoundingSet": "", "RestrictAddressFamilies": "AF_INET AF_INET6 AF_UNIX",
            "SystemCallFilter": "@system-service", "KillSignal": "SIGTERM",
        ]
        for (key, value) in required {
            #expect(unit[key]?.contains(value) == true, "\(key)=\(value)")
        }
        #expect(unit["DynamicUser"]?.contains("yes") == true || unit["User"] != nil)
        #expect(unit["TimeoutStopSec"]?.isEmpty == false)
    }
}

// MARK: - Reading the artifacts

private enum DeployFiles {
    struct Document: @unchecked Sendable {
        let file: String
        let object: [String: Any]
    }

    struct DockerInstruction {
        let instruction: String
        let arguments: String
    }

    /// The repository root: three levels above this file.
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func text(_ path: String) throws -> String {
        try String(contentsOf: root.appendingPathComponent(path), encoding: .utf8)
    }

    /// Every YAML document of every file in deploy/k8s, by file name.
    static func kubernetesDocuments() throws -> [Document] {
        let folder = root.appendingPathComponent("deploy/k8s")
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path)
            .filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }.sorted()
        var documents: [Document] = []
        for file in files {
            let yaml = try String(contentsOf: folder.appendingPathComponent(file), encoding: .utf8)
            for case let object as [String: Any] in try Yams.load_all(yaml: yaml) {
                documents.append(Document(file: file, object: object))
            }
        }
        return documents
    }

    /// The pod spec of a Deployment, Job or CronJob.
    static func podSpec(of object: [String: Any]) -> [String: Any]? {
        var spec = object["spec"] as? [String: Any]
        if object["kind"] as? String == "CronJob" {
            spec = (spec?["jobTemplate"] as? [String: Any])?["spec"] as? [String: Any]
        }
        return (spec?["template"] as? [String: Any])?["spec"] as? [String: Any]
    }

    /// Every container (and init container) of every workload.
    static func containers() throws -> [(Document, [String: Any])] {
        try kubernetesDocuments().flatMap { document -> [(Document, [String: Any])] in
            guard let pod = podSpec(of: document.object) else { return [] }
            let all = (pod["containers"] as? [[String: Any]] ?? []) + (pod["initContainers"] as? [[String: Any]] ?? [])
            return all.map { (document, $0) }
        }
    }

    static func deploymentContainer() throws -> [String: Any] {
        let deployment = try #require(try kubernetesDocuments().first { $0.object["kind"] as? String == "Deployment" })
        return try #require((podSpec(of: deployment.object)?["containers"] as? [[String: Any]])?.first)
    }

    /// SPEC §8's configuration variables, each of which the executable's sources must read.
    static func variablesTheBinaryReads() throws -> Set<String> {
        let spec: Set = [
            "DATABASE_URL", "STRIPE_WEBHOOK_SECRETS", "STRIPE_WEBHOOK_TOLERANCE_SECONDS", "STRIPE_LIVEMODE",
            "STRIPE_API_KEY", "STRIPE_API_BASE", "BILLING_ADMIN_TOKENS", "BILLING_MAX_ATTEMPTS",
            "BILLING_MAX_BODY_BYTES", "BILLING_MIGRATIONS_DIR", "HOST", "PORT", "LOG_LEVEL", "LOG_FORMAT",
            // Settings added after the SPEC (issues 10, 16).
            "BILLING_CONSOLE_SECURE_COOKIES", "BILLING_INTERNAL_PORT",
            // Issue 15.
            "BILLING_APP_ROLE", "BILLING_DB_CHECKOUT_TIMEOUT_MS",
        ]
        let folder = root.appendingPathComponent("Sources/BillingWorker")
        let sources = try FileManager.default.contentsOfDirectory(atPath: folder.path)
            .filter { $0.hasSuffix(".swift") }
            .map { try String(contentsOf: folder.appendingPathComponent($0), encoding: .utf8) }
            .joined(separator: "\n")
        return spec.filter { sources.contains("\"\($0)\"") }
    }

    /// deploy/Dockerfile as instructions, continuation lines joined, comments dropped.
    static func dockerfile() throws -> [DockerInstruction] {
        var logical: [String] = []
        var current = ""
        for line in try text("deploy/Dockerfile").split(separator: "\n", omittingEmptySubsequences: false) {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.hasPrefix("#") || (trimmed.isEmpty && current.isEmpty) { continue }
            if trimmed.hasSuffix("\\") {
                current += trimmed.dropLast() + " "
            } else {
                current += trimmed
                logical.append(current)
                current = ""
            }
        }
        return logical.compactMap { line in
            let parts = line.split(separator: " ", maxSplits: 1)
            guard let first = parts.first else { return nil }
            let arguments = parts.count > 1 ? parts[1].split(whereSeparator: \.isWhitespace).joined(separator: " ") : ""
            return DockerInstruction(instruction: first.uppercased(), arguments: arguments)
        }
    }

    /// An exec-form (`["a", "b"]`) Dockerfile argument.
    static func jsonArray(_ text: String?) throws -> [String] {
        let text = try #require(text)
        return try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String], "not exec form: \(text)")
    }

    /// deploy/systemd/billing-worker.service as key → values (keys may repeat).
    static func systemdUnit() throws -> [String: [String]] {
        var unit: [String: [String]] = [:]
        for line in try text("deploy/systemd/billing-worker.service").split(separator: "\n") {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            guard !trimmed.hasPrefix("#"), !trimmed.hasPrefix("["), let equals = trimmed.firstIndex(of: "=") else { continue }
            unit[String(trimmed[..<equals]), default: []].append(String(trimmed[trimmed.index(after: equals)...]))
        }
        return unit
    }
}

// MARK: - The binary's command tree

/// The command tree of the built `billing-worker`, from `--experimental-dump-help`.
private struct BinaryCLI {
    struct Command {
        let name: String
        let subcommands: [Command]
        /// Long and short option names (`--format`, `-h`), and whether each takes a value.
        let options: [String: Bool]
    }

    let root: Command

    /// Finds `billing-worker` in the build folder of the running test bundle and reads its tree.
    static func load() throws -> BinaryCLI {
        let exe = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
        var folder = URL(fileURLWithPath: exe).deletingLastPathComponent()
        var binary: URL?
        for _ in 0..<6 {  // the test executable sits inside <bin>/<name>.xctest or directly in <bin>
            let candidate = folder.appendingPathComponent("billing-worker")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { binary = candidate; break }
            folder.deleteLastPathComponent()
        }
        let found = try #require(binary, "billing-worker not built next to \(exe): run `swift build` (all products) first")
        let process = Process()
        process.executableURL = found
        process.arguments = ["--experimental-dump-help"]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let json = try #require(try JSONSerialization.jsonObject(with: output) as? [String: Any])
        return BinaryCLI(root: parse(try #require(json["command"] as? [String: Any])))
    }

    private static func parse(_ object: [String: Any]) -> Command {
        var options: [String: Bool] = [:]
        for argument in object["arguments"] as? [[String: Any]] ?? [] {
            let kind = argument["kind"] as? String
            guard kind == "option" || kind == "flag" else { continue }
            for name in argument["names"] as? [[String: Any]] ?? [] {
                guard let text = name["name"] as? String else { continue }
                let prefix = (name["kind"] as? String) == "short" ? "-" : "--"
                options[prefix + text] = kind == "option"
            }
        }
        return Command(name: object["commandName"] as? String ?? "",
                       subcommands: (object["subcommands"] as? [[String: Any]] ?? []).map(parse),
                       options: options)
    }

    /// Why `args` is not a valid invocation (unknown subcommand or option), or nil.
    func problem(with args: [String]) -> String? {
        var command = root
        var index = 0
        while index < args.count, let sub = command.subcommands.first(where: { $0.name == args[index] }) {
            command = sub
            index += 1
        }
        guard command.name != root.name else { return "no subcommand (known: \(root.subcommands.map(\.name)))" }
        guard command.subcommands.isEmpty else {
            return "`\(command.name)` needs a subcommand (\(command.subcommands.map(\.name).joined(separator: ", ")))"
        }
        while index < args.count {
            let token = args[index]
            let name = String(token.split(separator: "=", maxSplits: 1)[0])
            guard token.hasPrefix("-") else { return "unexpected argument `\(token)` for `\(command.name)`" }
            guard let takesValue = command.options[name] else {
                return "`\(command.name)` has no option \(name) (has \(command.options.keys.sorted()))"
            }
            index += (takesValue && !token.contains("=")) ? 2 : 1
        }
        return nil
    }
}
