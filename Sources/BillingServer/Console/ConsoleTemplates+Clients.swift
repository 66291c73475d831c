extension ConsoleTemplates {
    /// The clients list: filters by status and gate, the gate colour-coded, paging by cursor.
    static let clients = """
        {{>header}}
        {{#body}}
        <form method="get" action="/console/clients" class="filters" id="client-filters">
        <label>Status <select name="status" id="filter-status">{{#statuses}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{label}}</option>{{/statuses}}</select></label>
        <label>Gate <select name="gate" id="filter-gate">{{#gates}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{label}}</option>{{/gates}}</select></label>
        <button type="submit">Filter</button>
        </form>
        <table id="clients">
        <thead><tr><th>Client</th><th>Name</th><th>Status</th><th>Payment source</th><th>Gate</th><th>Open alerts</th><th>Last event</th></tr></thead>
        <tbody>
        {{#rows}}
        <tr class="client-row" data-client-id="{{id}}">
        <td><a href="{{href}}">{{id}}</a></td>
        <td class="name">{{name}}</td>
        <td>{{status}}</td>
        <td>{{source}}</td>
        <td><span class="gate gate-{{gate}}">{{gate}}</span></td>
        <td>{{#hasOpenAlerts}}<span class="count">{{openAlerts}}</span>{{/hasOpenAlerts}}{{^hasOpenAlerts}}<span class="muted">0</span>{{/hasOpenAlerts}}</td>
        <td>{{#lastEventType}}{{lastEventType}} <span class="muted">{{lastEventAt}}</span>{{/lastEventType}}{{^lastEventType}}<span class="muted">none</span>{{/lastEventType}}</td>
        </tr>
        {{/rows}}
        {{^rows}}<tr><td colspan="7" class="muted">No client matches.</td></tr>{{/rows}}
        </tbody>
        </table>
        {{#next}}<p><a href="{{next}}" id="next-page">Next page</a></p>{{/next}}
        {{/body}}
        {{>footer}}
        """

    /// One client: billing, controls, onboarding, the action forms, its alerts, events and audit.
    static let client = """
        {{>header}}
        {{#body}}
        <p class="name" id="client-name">{{name}} <span class="muted">({{id}})</span> <span class="gate gate-{{gate}}" id="client-gate">{{gate}}</span></p>
        <div class="grid">
        <section class="card"><h2>Billing</h2><dl>
        {{#billing}}<dt>{{label}}</dt><dd>{{value}}</dd>{{/billing}}
        </dl></section>
        <section class="card"><h2>Controls</h2><dl>
        {{#controls}}<dt>{{label}}</dt><dd>{{value}}</dd>{{/controls}}
        </dl></section>
        <section class="card"><h2>Onboarding</h2><dl>
        {{#onboarding}}<dt>{{label}}</dt><dd>{{value}}</dd>{{/onboarding}}
        </dl></section>
        </div>
        <section class="card"><h2>Actions</h2><div class="actions">
        {{#actions}}
        <form method="post" action="{{post}}" class="action" id="form-{{name}}">
        <input type="hidden" name="_csrf" value="{{csrf}}">
        <span class="hint" title="{{help}}"><strong>{{label}}</strong><br>{{help}}</span>
        \(reasonField)
        <button type="submit">{{label}}</button>
        </form>
        {{/actions}}
        </div></section>
        {{#timeline}}
        <h2>History</h2>
        <div class="history-grid">
        <section class="card chart-card">{{#chart}}{{>chart}}{{/chart}}
        <p class="legend">{{#legend}}<span><span class="swatch" style="background:{{color}}"></span>{{status}}</span>{{/legend}}</p></section>
        <table id="client-history"><thead><tr><th>When (UTC)</th><th>Status</th><th>Payment source</th><th>Cause</th></tr></thead><tbody>
        {{#rows}}<tr class="history-row"><td>{{at}}</td><td>{{change}}</td><td>{{source}}</td><td>{{cause}}</td></tr>{{/rows}}
        {{^rows}}<tr><td colspan="4" class="muted">No change recorded yet (history starts with the first change after the upgrade).</td></tr>{{/rows}}
        </tbody></table>
        </div>
        {{/timeline}}
        <h2>Alerts</h2>
        <table id="client-alerts"><thead><tr><th>Id</th><th>Type</th><th>Severity</th><th>Message</th><th>Raised</th><th>Acknowledged</th></tr></thead><tbody>
        {{#alerts}}<tr class="alert-row" data-acknowledged="{{#acknowledged}}yes{{/acknowledged}}{{^acknowledged}}no{{/acknowledged}}">
        <td>{{id}}</td><td>{{type}}</td><td>{{severity}}</td><td>{{message}}</td><td>{{createdAt}}</td>
        <td>{{#acknowledged}}{{acknowledgedAt}} by {{acknowledgedBy}}: {{resolution}}{{/acknowledged}}{{^acknowledged}}<a href="/console/alerts">open</a>{{/acknowledged}}</td></tr>{{/alerts}}
        {{^alerts}}<tr><td colspan="6" class="muted">No alert.</td></tr>{{/alerts}}
        </tbody></table>
        <h2>Recent events</h2>
        <table id="client-events"><thead><tr><th>Event</th><th>Type</th><th>Created</th><th>Status</th><th>Outcome</th></tr></thead><tbody>
        {{#events}}<tr><td><a href="{{href}}">{{id}}</a></td><td>{{type}}</td><td>{{createdAt}}</td><td>{{status}}</td><td>{{outcome}}</td></tr>{{/events}}
        {{^events}}<tr><td colspan="5" class="muted">No event.</td></tr>{{/events}}
        </tbody></table>
        <h2>Audit</h2>
        <table id="client-audit"><thead><tr><th>When</th><th>Admin</th><th>Action</th><th>Reason</th></tr></thead><tbody>
        {{#audit}}<tr><td>{{createdAt}}</td><td>{{adminId}}</td><td>{{action}}</td><td>{{reason}}</td></tr>{{/audit}}
        {{^audit}}<tr><td colspan="4" class="muted">No admin action.</td></tr>{{/audit}}
        </tbody></table>
        {{/body}}
        {{>footer}}
        """
}
