import BillingServer
import Foundation
import HTTPTypes
import Testing

/// Bearer authentication of every admin route (SPEC §7, §10).
@Suite struct AdminAuthTests {
    /// The admin routes the router holds, with `{id}` replaced by ids that exist in the test database.
    static func concrete(_ path: String, alertId: Int64) -> String {
        path.replacingOccurrences(of: "/clients/{id}", with: "/clients/auth_client")
            .replacingOccurrences(of: "/alerts/{id}", with: "/alerts/\(alertId)")
            .replacingOccurrences(of: "/events/{id}", with: "/events/evt_auth")
    }

    /// Every admin route answers 401 `unauthorized` without a token, with a wrong token and with another scheme,
    /// and something other than 401 with a configured token; refused requests write no audit row.
    @Test func everyRouteRequiresAValidToken() async throws {
        let routes = AdminTest.adminRoutes()
        #expect(routes.count == 18)  // 17 of SPEC §7 and the client history (issue 18)
        try await TestApp.withApp { client, pool in
            try await AdminTest.seed(pool, "auth_client", status: .pastDue)
            let alertId = try await AdminTest.insertAlert(pool, clientId: "auth_client")
            try await AdminTest.insertEvent(pool, id: "evt_auth")
            for route in routes {
                let uri = Self.concrete(route.path, alertId: alertId)
                let body: [String: Any]? = route.method == .post ? ["reason": "auth test", "id": "new_client", "business_name": "N"] : nil
                let audited = try await AdminTest.auditCount(pool)
                for authorization in [nil, "Bearer wrong-token", "Bearer tok_alice_5f0c2e9a4b7d1e3f6a8c0b2d4e6f8a1cx", "Basic dG9rZW4tYWxpY2U=", "tok_alice_5f0c2e9a4b7d1e3f6a8c0b2d4e6f8a1c", "Bearer "] {
                    let answer = try await AdminTest.send(client, route.method, uri, token: nil, body: body, authorization: authorization)
                    #expect(answer.status == 401, "\(route.method) \(uri) with \(authorization ?? "no header")")
                    #expect(answer.errorCode == "unauthorized")
                }
                #expect(try await AdminTest.auditCount(pool) == audited)
                let answer = try await AdminTest.send(client, route.method, uri, token: AdminTest.bobToken, body: body)
                #expect(answer.status != 401 && answer.status < 500, "\(route.method) \(uri) → \(answer.status) \(answer.json)")
            }
        }
    }

    /// The scheme is case-insensitive and each admin's token records that admin.
    @Test func tokenIdentifiesTheAdmin() async throws {
        try await TestApp.withApp { client, pool in
            let answer = try await AdminTest.send(client, .post, "/api/admin/clients", token: nil,
                                                  body: ["id": "c_who", "business_name": "Who", "reason": "r"],
                                                  authorization: "bearer tok_bob_9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b")
            #expect(answer.status == 201)
            let rows = try await TestApp.rows(pool, "SELECT admin_id FROM admin_actions")
            #expect(rows.map { $0.string("admin_id") } == ["bob"])
        }
    }

    /// With no token configured, the admin API refuses everything, even a token that used to work.
    @Test func noConfiguredTokensRefusesEverything() async throws {
        try await TestApp.withApp(configure: { $0.adminTokens = [] }) { client, _ in
            for route in AdminTest.adminRoutes() {
                let uri = Self.concrete(route.path, alertId: 1)
                let answer = try await AdminTest.send(client, route.method, uri, token: AdminTest.aliceToken,
                                                      body: route.method == .post ? ["reason": "r"] : nil)
                #expect(answer.status == 401, "\(route.method) \(uri)")
                let bare = try await AdminTest.send(client, route.method, uri, token: nil, authorization: "Bearer ")
                #expect(bare.status == 401)
            }
        }
    }

    /// The health, metrics and OpenAPI routes need no token.
    @Test func operationalRoutesArePublic() async throws {
        try await TestApp.withApp { client, _ in
            for uri in ["/healthz", "/readyz", "/metrics", "/openapi.yaml"] {
                let answer = try await AdminTest.get(client, uri, token: nil)
                #expect(answer.status == 200, "\(uri)")
            }
        }
    }
}
