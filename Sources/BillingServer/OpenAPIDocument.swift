import Hummingbird

/// The OpenAPI 3.1 description of every HTTP route (SPEC §7), served at `GET /openapi.yaml`.
///
/// Kept as a Swift constant so no resource bundling is needed. `OpenAPITests` fails when a
/// route of the router is missing here, or a path here has no route.
public enum OpenAPIDocument {
    /// Adds `GET /openapi.yaml` (no authentication: the document holds no secret).
    static func addRoutes(to router: Router<AppContext>) {
        router.get("/openapi.yaml") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/yaml"], body: .init(byteBuffer: ByteBuffer(string: yaml)))
        }
    }

    /// The document.
    public static let yaml = #"""
openapi: 3.1.0
info:
  title: billing-worker
  version: 1.0.0
  summary: Stripe webhook ingest and the audited admin API of billing-worker.
  description: "Every admin route needs `Authorization: Bearer <token>` (tokens are configured as `adminId:token` pairs in BILLING_ADMIN_TOKENS; the admin id is recorded in audits). Every mutation requires a non-blank `reason` and writes exactly one `admin_actions` row, in the same transaction as the change. Timestamps are ISO 8601 strings in UTC. Lists answer `{data, next_cursor}`; pass `next_cursor` back as `cursor` for the next page."
security:
  - bearerAuth: []
tags:
  - name: clients
  - name: alerts
  - name: events
  - name: actions
  - name: operations
paths:
  /api/admin/clients:
    get:
      operationId: listClients
      tags: [clients]
      summary: List clients with their operational state
      description: Ordered by client id.
      parameters:
        - name: status
          in: query
          schema:
            $ref: '#/components/schemas/BillingStatus'
        - name: gate
          in: query
          description: "open = TRIALING/ACTIVE, closed = PAST_DUE/UNPAID/PAUSED/CANCELED, pending = PENDING."
          schema:
            type: string
            enum: [open, closed, pending]
        - $ref: '#/components/parameters/Limit'
        - $ref: '#/components/parameters/Cursor'
      responses:
        '200':
          description: A page of client views.
          content:
            application/json:
              schema:
                $ref: '#/components/schemas/ClientPage'
        '400':
          $ref: '#/components/responses/InvalidRequest'
        '401':
          $ref: '#/components/responses/Unauthorized'
        '429':
          $ref: '#/components/responses/TooManyRequests'
        '503':
          $ref: '#/components/responses/Unavailable'
    post:
      operationId: createClient
      tags: [clients]
      summary: Create a client
      description: Creates the client with its client_billing (PENDING, NONE), client_controls and onboarding_states rows.
      requestBody:
        required: true
        content:
          application/json:
            schema:
              $ref: '#/components/schemas/CreateClientRequest'
      responses:
        '201':
          description: The new client's view.
          content:
            application/json:
              schema:
                $ref: '#/components/schemas/ClientView'
        '400':
          $ref: '#/components/responses/InvalidRequest'
        '401':
          $ref: '#/components/responses/Unauthorized'
        '429':
          $ref: '#/components/responses/TooManyRequests'
        '409':
          $ref: '#/components/responses/Conflict'
        '503':
          $ref: '#/components/responses/Unavailable'
  /api/admin/clients/{id}:
    get:
      operationId: getClient
      tags: [clients]
      summary: One client's view
      parameters:
        - $ref: '#/components/parameters/ClientId'
      responses:
        '200':
          $ref: '#/components/responses/ClientView'
        '401':
          $ref: '#/components/responses/Unauthorized'
        '429':
          $ref: '#/components/responses/TooManyRequests'
        '404':
          $ref: '#/components/responses/NotFound'
        '503':
          $ref: '#/components/responses/Unavailable'
  /api/admin/clients/{id}/history:
    get:
      operationId: getClientHistory
      tags: [clients]
      summary: A client's status history, newest first
      description: >-
        The client's billing_status_history rows: one per change of its status or payment source, with
        the cause (a Stripe event, an admin action or reconcile). Rows start with the first change after
        the table was created.
      parameters:
        - $ref: '#/components/parameters/ClientId'
        - $ref: '#/components/parameters/Limit'
        - $ref: '#/components/parameters/Cursor'
      responses:
        '200':
          description: A page of history rows.
          content:
            application/json:
              schema:
                $ref: '#/components/schemas/StatusHistoryPage'
        '400':
          $ref: '#/components/responses/InvalidRequest'
        '401':
          $ref: '#/components/responses/Unauthorized'
        '404':
          $ref: '#/components/responses/NotFound'
        '503':
          $ref: '#/components/responses/Unavailable'
  /api/admin/clients/{id}/confirm-payment:
    post:
      operationId: confirmPayment
      tags: [clients]
      summary: Confirm a payment manually
      description: "Sets ACTIVE with payment_source MANUAL through the billing state machine. The gate opens: alerted states emptied, payment_gate_alerted_at cleared, open PAYMENT_GATE alerts acknowledged by `system`. Stripe events that would move the client elsewhere are then `pinned`."
      parameters:
        - $ref: '#/components/parameters/ClientId'
      requestBody:
        $ref: '#/components/requestBodies/Reason'
      responses:
        '200':
          $ref: '#/components/responses/ClientView'
        '400':
          $ref: '#/components/responses/InvalidRequest'
        '401':
          $ref: '#/components/responses/Unauthorized'
        '429':
          $ref: '#/components/responses/TooManyRequests'
        '404':
          $ref: '#/components/responses/NotFound'
        '503':
          $ref: '#/components/responses/Unavailable'
  /api/admin/clients/{id}/waive:
    post:
      operationId: waive
      tags: [clients]
      summary: Waive payment
      description: "Sets ACTIVE with payment_source WAIVED; otherwise as confirm-payment."
      parameters:
        - $ref: '#/components/parameters/ClientId'
      requestBody:
        $ref: '#/components/requestBodies/Reason'
      responses:
        '200':
          $ref: '#/components/responses/ClientView'
        '400':
          $ref: '#/components/responses/InvalidRequest'
        '401':
          $ref: '#/components/responses/Unauthorized'
        '429':
          $ref: '#/components/responses/TooManyRequests'
        '404':
          $ref: '#/components/responses/NotFound'
        '503':
          $ref: '#/components/responses/Unavailable'
  /api/admin/clients/{id}/complete-onboarding:
    post:
      operationId: completeOnboarding
      tags: [clients]
      summary: Complete onboarding
      description: "Sets onboarding current_state COMPLETED and completed_at (kept from the first completion)."
      parameters:
        - $ref: '#/components/parameters/ClientId'
      requestBody:
        $ref: '#/components/requestBodies/Reason'
      responses:
        '200':
          $ref: '#/components/responses/ClientView'
        '400':
          $ref: '#/components/responses/InvalidRequest'
        '401':
          $ref: '#/components/responses/Unauthorized'
        '429':
          $ref: '#/components/responses/TooManyRequests'
        '404':
          $ref: '#/components/responses/NotFound'
        '503':
          $ref: '#/components/responses/Unavailable'
  /api/admin/clients/{id}/pause-outbound:
    post:
      operationId: pauseOutbound
      tags: [clients]
      summary: Pause outbound messaging
      description: "Sets client_controls.outbound_paused."
      parameters:
        - $ref: '#/components/parameters/ClientId'
      requestBody:
        $ref: '#/components/requestBodies/Reason'
      responses:
        '200':
          $ref: '#/components/responses/ClientView'
        '400':
          $ref: '#/components/responses/InvalidRequest'
        '401':
          $ref: '#/components/responses/Unauthorized'
        '429':
          $ref: '#/components/responses/TooManyRequests'
        '404':
          $ref: '#/components/responses/NotFound'
        '503':
          $ref: '#/components/responses/Unavailable'
  /api/admin/clients/{id}/resume-outbound:
    post:
      operationId: resumeOutbound
      tags: [clients]
      summary: Resume outbound messaging
      description: "Clears client_controls.outbound_paused."
      parameters:
        - $ref: '#/components/parameters/ClientId'
      requestBody:
        $ref: '#/components/requestBodies/Reason'
      responses:
        '200':
          $ref: '#/components/responses/ClientView'
        '400':
          $ref: '#/components/responses/InvalidRequest'
        '401':
          $ref: '#/components/responses/Unauthorized'
        '429':
          $ref: '#/components/responses/TooManyRequests'
        '404':
          $ref: '#/components/responses/NotFound'
        '503':
          $ref: '#/components/responses/Unavailable'
  /api/admin/clients/{id}/mute-alerts:
    post:
      operationId: muteAlerts
      tags: [clients]
      summary: Mute payment-gate alerts
      description: "Sets client_controls.ops_alerts_muted: payment-gate alerts are suppressed and not recorded as sent."
      parameters:
        - $ref: '#/components/parameters/ClientId'
      requestBody:
        $ref: '#/components/requestBodies/Reason'
      responses:
        '200':
          $ref: '#/components/responses/ClientView'
        '400':
          $ref: '#/components/responses/InvalidRequest'
        '401':
          $ref: '#/components/responses/Unauthorized'
        '429':
          $ref: '#/components/responses/TooManyRequests'
        '404':
          $ref: '#/components/responses/NotFound'
        '503':
          $ref: '#/components/responses/Unavailable'
  /api/admin/clients/{id}/unmute-alerts:
    post:
      operationId: unmuteAlerts
      tags: [clients]
      summary: Unmute payment-gate alerts
      description: "Clears client_controls.ops_alerts_muted; nothing is raised retroactively."
      parameters:
        - $ref: '#/components/parameters/ClientId'
      requestBody:
        $ref: '#/components/requestBodies/Reason'
      responses:
        '200':
          $ref: '#/components/responses/ClientView'
        '400':
          $ref: '#/components/responses/InvalidRequest'
        '401':
          $ref: '#/components/responses/Unauthorized'
        '429':
          $ref: '#/components/responses/TooManyRequests'
        '404':
          $ref: '#/components/responses/NotFound'
        '503':
          $ref: '#/components/responses/Unavailable'
  /api/admin/clients/{id}/reset-payment-alert:
    post:
      operationId: resetPaymentAlert
      tags: [clients]
      summary: Re-arm payment-gate alerts
      description: "Empties payment_gate_alerted_states and clears payment_gate_alerted_at without acknowledging anything; the count is kept."
      parameters:
        - $ref: '#/components/parameters/ClientId'
      requestBody:
        $ref: '#/components/requestBodies/Reason'
      responses:
        '200':
          $ref: '#/components/responses/ClientView'
        '400':
          $ref: '#/components/responses/InvalidRequest'
        '401':
          $ref: '#/components/responses/Unauthorized'
        '429':
          $ref: '#/components/responses/TooManyRequests'
        '404':
          $ref: '#/components/responses/NotFound'
        '503':
          $ref: '#/components/responses/Unavailable'
  /api/admin/alerts:
    get:
      operationId: listAlerts
      tags: [alerts]
      summary: List alerts, newest first
      parameters:
        - name: acknowledged
          in: query
          description: Unacknowledged alerts by default.
          schema:
            type: string
            enum: ['true', 'false', any]
            default: 'false'
        - name: client_id
          in: query
          schema:
            type: string
        - name: type
          in: query
          description: alert_type, e.g. PAYMENT_GATE or EVENT_PROCESSING_FAILED.
          schema:
            type: string
        - $ref: '#/components/parameters/Limit'
        - $ref: '#/components/parameters/Cursor'
      responses:
        '200':
          description: A page of alerts.
          content:
            application/json:
              schema:
                $ref: '#/components/schemas/AlertPage'
        '400':
          $ref: '#/components/responses/InvalidRequest'
        '401':
          $ref: '#/components/responses/Unauthorized'
        '429':
          $ref: '#/components/responses/TooManyRequests'
        '503':
          $ref: '#/components/responses/Unavailable'
  /api/admin/alerts/{id}/acknowledge:
    post:
      operationId: acknowledgeAlert
      tags: [alerts]
      summary: Acknowledge an alert
      description: Records the admin id in acknowledged_by; the resolution defaults to the reason.
      parameters:
        - name: id
          in: path
          required: true
          description: alert_logs.id
          schema:
            type: integer
      requestBody:
        required: true
        content:
          application/json:
            schema:
              $ref: '#/components/schemas/AcknowledgeRequest'
      responses:
        '200':
          description: The acknowledged alert.
          content:
            application/json:
              schema:
                $ref: '#/components/schemas/Alert'
        '400':
          $ref: '#/components/responses/InvalidRequest'
        '401':
          $ref: '#/components/responses/Unauthorized'
        '429':
          $ref: '#/components/responses/TooManyRequests'
        '404':
          $ref: '#/components/responses/NotFound'
        '409':
          $ref: '#/components/responses/Conflict'
        '503':
          $ref: '#/components/responses/Unavailable'
  /api/admin/events:
    get:
      operationId: listEvents
      tags: [events]
      summary: List stored Stripe events, newest first (without payloads)
      parameters:
        - name: status
          in: query
          schema:
            type: string
            enum: [received, processing, processed, ignored, unmatched, retry, failed]
        - name: type
          in: query
          description: Stripe event type, e.g. invoice.paid.
          schema:
            type: string
        - name: client_id
          in: query
          schema:
            type: string
        - $ref: '#/components/parameters/Limit'
        - $ref: '#/components/parameters/Cursor'
      responses:
        '200':
          description: A page of events.
          content:
            application/json:
              schema:
                $ref: '#/components/schemas/EventPage'
        '400':
          $ref: '#/components/responses/InvalidRequest'
        '401':
          $ref: '#/components/responses/Unauthorized'
        '429':
          $ref: '#/components/responses/TooManyRequests'
        '503':
          $ref: '#/components/responses/Unavailable'
  /api/admin/events/{id}:
    get:
      operationId: getEvent
      tags: [events]
      summary: One stored event, with its payload
      parameters:
        - $ref: '#/components/parameters/EventId'
      responses:
        '200':
          $ref: '#/components/responses/Event'
        '401':
          $ref: '#/components/responses/Unauthorized'
        '429':
          $ref: '#/components/responses/TooManyRequests'
        '404':
          $ref: '#/components/responses/NotFound'
        '503':
          $ref: '#/components/responses/Unavailable'
  /api/admin/events/{id}/replay:
    post:
      operationId: replayEvent
      tags: [events]
      summary: Replay a stored event
      description: "Re-runs the event at once against the current state through the same rules as the processor (as the replay command does). The answer is the event with a `replay` summary (status and outcome before and after, error). 409 when its payload was pruned."
      parameters:
        - $ref: '#/components/parameters/EventId'
      requestBody:
        $ref: '#/components/requestBodies/Reason'
      responses:
        '200':
          $ref: '#/components/responses/Event'
        '400':
          $ref: '#/components/responses/InvalidRequest'
        '401':
          $ref: '#/components/responses/Unauthorized'
        '429':
          $ref: '#/components/responses/TooManyRequests'
        '404':
          $ref: '#/components/responses/NotFound'
        '409':
          $ref: '#/components/responses/Conflict'
        '503':
          $ref: '#/components/responses/Unavailable'
  /api/admin/actions:
    get:
      operationId: listActions
      tags: [actions]
      summary: The audit trail, newest first
      parameters:
        - name: client_id
          in: query
          schema:
            type: string
        - name: admin_id
          in: query
          schema:
            type: string
        - $ref: '#/components/parameters/Limit'
        - $ref: '#/components/parameters/Cursor'
      responses:
        '200':
          description: A page of audit rows.
          content:
            application/json:
              schema:
                $ref: '#/components/schemas/ActionPage'
        '400':
          $ref: '#/components/responses/InvalidRequest'
        '401':
          $ref: '#/components/responses/Unauthorized'
        '429':
          $ref: '#/components/responses/TooManyRequests'
        '503':
          $ref: '#/components/responses/Unavailable'
  /webhooks/stripe:
    post:
      operationId: receiveStripeWebhook
      tags: [operations]
      summary: Stripe webhook endpoint
      description: "Verifies Stripe-Signature, stores the event durably (idempotent by event id), then answers."
      security: []
      parameters:
        - name: Stripe-Signature
          in: header
          required: true
          schema:
            type: string
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
      responses:
        '200':
          description: Stored (or already stored).
          content:
            application/json:
              schema:
                type: object
                required: [received, duplicate]
                properties:
                  received:
                    type: boolean
                  duplicate:
                    type: boolean
        '400':
          description: "missing_signature, malformed_signature, signature_mismatch, timestamp_outside_tolerance or invalid_payload."
          content:
            application/json:
              schema:
                $ref: '#/components/schemas/Error'
        '413':
          description: payload_too_large
          content:
            application/json:
              schema:
                $ref: '#/components/schemas/Error'
        '503':
          $ref: '#/components/responses/Unavailable'
  /healthz:
    get:
      operationId: healthz
      tags: [operations]
      summary: The process is alive
      security: []
      responses:
        '200':
          description: Alive.
  /readyz:
    get:
      operationId: readyz
      tags: [operations]
      summary: Database reachable and every migration applied
      security: []
      responses:
        '200':
          description: Ready.
        '503':
          $ref: '#/components/responses/Unavailable'
  /metrics:
    get:
      operationId: metrics
      tags: [operations]
      summary: Prometheus metrics
      security: []
      responses:
        '200':
          description: Prometheus text exposition format.
          content:
            text/plain:
              schema:
                type: string
  /openapi.yaml:
    get:
      operationId: openapi
      tags: [operations]
      summary: This document
      security: []
      responses:
        '200':
          description: The OpenAPI 3.1 document.
          content:
            application/yaml:
              schema:
                type: string
components:
  securitySchemes:
    bearerAuth:
      type: http
      scheme: bearer
      description: "A token of BILLING_ADMIN_TOKENS (`adminId:token` pairs). Without configured tokens every admin request is refused."
  parameters:
    ClientId:
      name: id
      in: path
      required: true
      description: clients.id
      schema:
        type: string
    EventId:
      name: id
      in: path
      required: true
      description: The Stripe event id (evt_…).
      schema:
        type: string
    Limit:
      name: limit
      in: query
      description: Page size; above 500 is 400 invalid_request.
      schema:
        type: integer
        minimum: 1
        maximum: 500
        default: 50
    Cursor:
      name: cursor
      in: query
      description: The next_cursor of the previous page (opaque).
      schema:
        type: string
  requestBodies:
    Reason:
      required: true
      content:
        application/json:
          schema:
            $ref: '#/components/schemas/ReasonRequest'
  responses:
    ClientView:
      description: The client's view after the request.
      content:
        application/json:
          schema:
            $ref: '#/components/schemas/ClientView'
    Event:
      description: The stored event, with its payload.
      content:
        application/json:
          schema:
            $ref: '#/components/schemas/Event'
    InvalidRequest:
      description: invalid_request — a blank reason, a malformed body or query, limit above 500.
      content:
        application/json:
          schema:
            $ref: '#/components/schemas/Error'
    Unauthorized:
      description: unauthorized — no or wrong bearer token.
      content:
        application/json:
          schema:
            $ref: '#/components/schemas/Error'
    TooManyRequests:
      description: too_many_requests — this client address failed authentication too often (by default 10 times in 60 s); retry after the seconds of `Retry-After`, whatever the token.
      headers:
        Retry-After:
          schema:
            type: integer
      content:
        application/json:
          schema:
            $ref: '#/components/schemas/Error'
    NotFound:
      description: not_found — no such client, alert or event.
      content:
        application/json:
          schema:
            $ref: '#/components/schemas/Error'
    Conflict:
      description: conflict — the client id exists, the alert is already acknowledged, or the event's payload was pruned.
      content:
        application/json:
          schema:
            $ref: '#/components/schemas/Error'
    Unavailable:
      description: unavailable — the database cannot be reached (or, for /readyz, migrations are pending).
      content:
        application/json:
          schema:
            $ref: '#/components/schemas/Error'
  schemas:
    Error:
      type: object
      required: [error]
      properties:
        error:
          type: object
          required: [code, message]
          properties:
            code:
              type: string
              enum: [unauthorized, invalid_request, not_found, conflict, unavailable, missing_signature, malformed_signature, signature_mismatch, timestamp_outside_tolerance, invalid_payload, payload_too_large]
            message:
              type: string
    BillingStatus:
      type: string
      enum: [PENDING, TRIALING, ACTIVE, PAST_DUE, UNPAID, PAUSED, CANCELED]
    Timestamp:
      type: [string, 'null']
      format: date-time
    ReasonRequest:
      type: object
      required: [reason]
      properties:
        reason:
          type: string
          minLength: 1
          description: Why; recorded in admin_actions.reason. Must not be blank.
    CreateClientRequest:
      type: object
      required: [id, business_name, reason]
      properties:
        id:
          type: string
        business_name:
          type: string
        reason:
          type: string
    AcknowledgeRequest:
      type: object
      required: [reason]
      properties:
        reason:
          type: string
        resolution:
          type: string
    ClientView:
      type: object
      required: [id, business_name, gate, billing, controls, onboarding, open_alert_count, last_event]
      properties:
        id:
          type: string
        business_name:
          type: string
        gate:
          type: string
          enum: [open, closed, pending]
        billing:
          type: object
          properties:
            status:
              $ref: '#/components/schemas/BillingStatus'
            payment_source:
              type: string
              enum: [NONE, STRIPE, MANUAL, WAIVED]
            stripe_customer_id:
              type: [string, 'null']
            stripe_subscription_id:
              type: [string, 'null']
            trial_ends_at:
              $ref: '#/components/schemas/Timestamp'
            current_period_end:
              $ref: '#/components/schemas/Timestamp'
            cancel_at_period_end:
              type: boolean
            collection_paused:
              type: boolean
            canceled_at:
              $ref: '#/components/schemas/Timestamp'
        controls:
          type: object
          properties:
            outbound_paused:
              type: boolean
            ai_disabled:
              type: boolean
            ops_alerts_muted:
              type: boolean
            payment_gate_alerted_at:
              $ref: '#/components/schemas/Timestamp'
            payment_gate_alert_count:
              type: integer
        onboarding:
          type: object
          properties:
            current_state:
              type: string
            completed_at:
              $ref: '#/components/schemas/Timestamp'
        open_alert_count:
          type: integer
        last_event:
          description: The newest status-bearing event evaluated for the current subscription.
          oneOf:
            - type: 'null'
            - type: object
              properties:
                id:
                  type: string
                type:
                  type: [string, 'null']
                created:
                  $ref: '#/components/schemas/Timestamp'
    Alert:
      type: object
      description: An alert_logs row, by column name.
      properties:
        id:
          type: integer
        alert_type:
          type: string
        alert_key:
          type: string
        severity:
          type: string
          enum: [INFO, WARNING, ERROR, CRITICAL]
        client_id:
          type: [string, 'null']
        message:
          type: string
        metadata:
          type: object
        created_at:
          $ref: '#/components/schemas/Timestamp'
        acknowledged_at:
          $ref: '#/components/schemas/Timestamp'
        acknowledged_by:
          type: [string, 'null']
        resolution:
          type: [string, 'null']
    Event:
      type: object
      description: A billing_events row, by column name (payload only on GET /api/admin/events/{id} and replay).
      properties:
        id:
          type: integer
        stripe_event_id:
          type: string
        type:
          type: string
        api_version:
          type: [string, 'null']
        livemode:
          type: boolean
        stripe_created_at:
          $ref: '#/components/schemas/Timestamp'
        received_at:
          $ref: '#/components/schemas/Timestamp'
        payload:
          type: [object, 'null']
        replay:
          type: object
          description: Only in the answer of replay.
          properties:
            status_before:
              type: string
            outcome_before:
              type: [string, 'null']
            status_after:
              type: string
            outcome_after:
              type: [string, 'null']
            error:
              type: [string, 'null']
        status:
          type: string
          enum: [received, processing, processed, ignored, unmatched, retry, failed]
        outcome:
          type: [string, 'null']
          enum: [applied, no_change, stale, pinned, superseded, ignored, null]
        attempts:
          type: integer
        next_attempt_at:
          $ref: '#/components/schemas/Timestamp'
        last_error:
          type: [string, 'null']
        processed_at:
          $ref: '#/components/schemas/Timestamp'
        client_id:
          type: [string, 'null']
        source:
          type: string
          enum: [webhook, import, backfill]
        delivery_count:
          type: integer
    AdminAction:
      type: object
      description: An admin_actions row, by column name.
      properties:
        id:
          type: integer
        admin_id:
          type: string
        client_id:
          type: [string, 'null']
        action:
          type: string
        reason:
          type: string
        metadata:
          type: object
          description: '{"before": …, "after": …} and context such as alert_id or stripe_event_id.'
        created_at:
          $ref: '#/components/schemas/Timestamp'
    NextCursor:
      type: [string, 'null']
      description: Pass as `cursor` for the next page; null on the last page.
    ClientPage:
      type: object
      required: [data, next_cursor]
      properties:
        data:
          type: array
          items:
            $ref: '#/components/schemas/ClientView'
        next_cursor:
          $ref: '#/components/schemas/NextCursor'
    StatusHistoryEntry:
      type: object
      description: A billing_status_history row, by column name.
      properties:
        id:
          type: integer
        client_id:
          type: string
        from_status:
          $ref: '#/components/schemas/BillingStatus'
        to_status:
          $ref: '#/components/schemas/BillingStatus'
        from_source:
          $ref: '#/components/schemas/PaymentSource'
        to_source:
          $ref: '#/components/schemas/PaymentSource'
        cause:
          type: string
          enum: [event, admin, reconcile]
        stripe_event_id:
          type: [string, 'null']
        stripe_event_type:
          type: [string, 'null']
        admin_id:
          type: [string, 'null']
        admin_action:
          type: [string, 'null']
        stripe_subscription_id:
          type: [string, 'null']
        changed_at:
          $ref: '#/components/schemas/Timestamp'
    StatusHistoryPage:
      type: object
      required: [data, next_cursor]
      properties:
        data:
          type: array
          items:
            $ref: '#/components/schemas/StatusHistoryEntry'
        next_cursor:
          $ref: '#/components/schemas/NextCursor'
    PaymentSource:
      type: string
      enum: [NONE, STRIPE, MANUAL, WAIVED]
    AlertPage:
      type: object
      required: [data, next_cursor]
      properties:
        data:
          type: array
          items:
            $ref: '#/components/schemas/Alert'
        next_cursor:
          $ref: '#/components/schemas/NextCursor'
    EventPage:
      type: object
      required: [data, next_cursor]
      properties:
        data:
          type: array
          items:
            $ref: '#/components/schemas/Event'
        next_cursor:
          $ref: '#/components/schemas/NextCursor'
    ActionPage:
      type: object
      required: [data, next_cursor]
      properties:
        data:
          type: array
          items:
            $ref: '#/components/schemas/AdminAction'
        next_cursor:
          $ref: '#/components/schemas/NextCursor'
"""#
}
