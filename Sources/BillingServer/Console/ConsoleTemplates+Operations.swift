extension ConsoleTemplates {
    /// Counts at a glance: clients per status, events per status, the charts with their tables, failed
    /// events, recent alerts.
    static let overview = """
        {{>header}}
        {{#body}}
        {{#charts}}
        <div class="grid">
        <section class="card"><h2>Queue</h2><p id="queue"><span class="count" id="queue-depth">{{queueDepth}}</span> events waiting
        (received or retry); the oldest has waited <span class="count" id="queue-lag">{{queueLag}}</span>.</p></section>
        <section class="card"><h2>Unmatched</h2><p id="unmatched"><span class="count" id="unmatched-count">{{unmatched}}</span> events wait
        for their client; the oldest for <span class="count" id="unmatched-age">{{unmatchedAge}}</span>.
        <a href="/console/events?status=unmatched">Unmatched events</a></p></section>
        </div>
        <section class="card chart-card"><h2>Events per hour</h2>
        {{#eventsChart}}{{>chart}}{{/eventsChart}}
        <details><summary>Table: events per hour</summary>
        <table id="events-per-hour"><thead><tr><th>Hour (UTC)</th><th>Received</th><th>Processed</th><th>Failed</th></tr></thead><tbody>
        {{#hours}}<tr><td>{{hour}}</td><td>{{received}}</td><td>{{processed}}</td><td>{{failed}}</td></tr>{{/hours}}
        </tbody></table></details></section>
        <section class="card chart-card"><h2>Payment gate per day</h2>
        {{#gateChart}}{{>chart}}{{/gateChart}}
        <details><summary>Table: gate closings and reopenings per day</summary>
        <table id="gate-per-day"><thead><tr><th>Day (UTC)</th><th>Closings</th><th>Reopenings</th></tr></thead><tbody>
        {{#days}}<tr><td>{{day}}</td><td>{{closings}}</td><td>{{reopenings}}</td></tr>{{/days}}
        </tbody></table></details></section>
        {{/charts}}
        <div class="grid">
        <section class="card"><h2>Clients per status</h2><table id="clients-per-status">
        {{#clientStatuses}}<tr><td><a href="{{href}}">{{label}}</a></td><td class="count">{{count}}</td></tr>{{/clientStatuses}}
        </table></section>
        <section class="card"><h2>Events per status</h2><table id="events-per-status">
        {{#eventStatuses}}<tr><td><a href="{{href}}">{{label}}</a></td><td class="count">{{count}}</td></tr>{{/eventStatuses}}
        </table><p class="hint">About {{storedEstimate}} events stored (PostgreSQL's estimate); settled ones are not counted.</p></section>
        <section class="card"><h2>Alerts, last 24 h</h2><p><span class="count" id="alerts-24h">{{alertsLastDay}}</span> raised,
        <span class="count">{{openAlerts}}</span> open in all. <a href="/console/alerts">Alerts</a></p></section>
        </div>
        <h2>Failed events</h2>
        <table id="failed-events"><thead><tr><th>Event</th><th>Type</th><th>Client</th><th>Attempts</th><th>Last error</th></tr></thead><tbody>
        {{#failed}}<tr><td><a href="{{href}}">{{id}}</a></td><td>{{type}}</td><td>{{client}}</td><td>{{attempts}}</td><td>{{lastError}}</td></tr>{{/failed}}
        {{^failed}}<tr><td colspan="5" class="muted">No failed event.</td></tr>{{/failed}}
        </tbody></table>
        {{/body}}
        {{>footer}}
        """

    /// Alerts, unacknowledged first (each with an acknowledge form), then recently acknowledged.
    static let alerts = """
        {{>header}}
        {{#body}}
        <h2>Open</h2>
        <table id="open-alerts"><thead><tr><th>Id</th><th>Type</th><th>Severity</th><th>Client</th><th>Message</th><th>Raised</th><th>Acknowledge</th></tr></thead><tbody>
        {{#open}}<tr class="alert-row">
        <td>{{id}}</td><td>{{type}}</td><td>{{severity}}</td><td>{{#clientHref}}<a href="{{clientHref}}">{{client}}</a>{{/clientHref}}</td><td>{{message}}</td><td>{{createdAt}}</td>
        <td><form method="post" action="{{post}}" class="ack" id="ack-{{id}}">
        <input type="hidden" name="_csrf" value="{{csrf}}">
        \(reasonField)
        <input name="resolution" maxlength="1000" placeholder="resolution (defaults to the reason)">
        <button type="submit">Acknowledge</button></form></td></tr>{{/open}}
        {{^open}}<tr><td colspan="7" class="muted">No open alert.</td></tr>{{/open}}
        </tbody></table>
        {{#next}}<p><a href="{{next}}" id="next-page">More open alerts</a></p>{{/next}}
        <h2>Recently acknowledged</h2>
        <table id="acknowledged-alerts"><thead><tr><th>Id</th><th>Type</th><th>Client</th><th>Message</th><th>Raised</th><th>Acknowledged</th><th>By</th><th>Resolution</th></tr></thead><tbody>
        {{#acknowledged}}<tr><td>{{id}}</td><td>{{type}}</td><td>{{client}}</td><td>{{message}}</td><td>{{createdAt}}</td><td>{{acknowledgedAt}}</td><td>{{acknowledgedBy}}</td><td>{{resolution}}</td></tr>{{/acknowledged}}
        {{^acknowledged}}<tr><td colspan="8" class="muted">None.</td></tr>{{/acknowledged}}
        </tbody></table>
        {{/body}}
        {{>footer}}
        """

    /// Stored events, filtered by status, type and client, newest first.
    static let events = """
        {{>header}}
        {{#body}}
        <form method="get" action="/console/events" class="filters" id="event-filters">
        <label>Status <select name="status">{{#statuses}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{label}}</option>{{/statuses}}</select></label>
        <label>Type <input name="type" value="{{type}}" placeholder="invoice.paid"></label>
        <label>Client <input name="client_id" value="{{clientId}}"></label>
        <button type="submit">Filter</button>
        </form>
        <table id="events"><thead><tr><th>Event</th><th>Type</th><th>Client</th><th>Created</th><th>Status</th><th>Outcome</th><th>Attempts</th></tr></thead><tbody>
        {{#rows}}<tr><td><a href="{{href}}">{{id}}</a></td><td>{{type}}</td><td>{{client}}</td><td>{{createdAt}}</td><td>{{status}}</td><td>{{outcome}}</td><td>{{attempts}}</td></tr>{{/rows}}
        {{^rows}}<tr><td colspan="7" class="muted">No event matches.</td></tr>{{/rows}}
        </tbody></table>
        {{#next}}<p><a href="{{next}}" id="next-page">Next page</a></p>{{/next}}
        {{/body}}
        {{>footer}}
        """

    /// One event: its columns, its payload pretty-printed (escaped), and the replay form.
    static let event = """
        {{>header}}
        {{#body}}
        <section class="card"><dl>
        {{#fields}}<dt>{{label}}</dt><dd>{{value}}</dd>{{/fields}}
        </dl></section>
        <section class="card"><h2>Replay</h2>
        <form method="post" action="{{post}}" class="ack" id="form-replay">
        <input type="hidden" name="_csrf" value="{{csrf}}">
        \(reasonField)
        <button type="submit">Replay now</button></form>
        <p class="hint">Re-runs the event against the client's current state, through the same rules as the processor.</p>
        </section>
        <h2>Payload</h2>
        {{#payload}}<pre id="payload">{{payload}}</pre>{{/payload}}{{^payload}}<p class="muted">Pruned.</p>{{/payload}}
        {{/body}}
        {{>footer}}
        """
}
