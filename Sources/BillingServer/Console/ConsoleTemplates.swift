/// The console's Mustache templates, kept as string constants so the binary needs no resource
/// bundle. Every value is written with `{{name}}`, which HTML-escapes it (`<`, `>`, `&`, `"`, `'`);
/// no template uses an unescaped tag (`{{{…}}}`, `{{&…}}`) or a content-type pragma, and a
/// test keeps it so. Pages share the `header` and `footer` partials.
enum ConsoleTemplates {
    /// Every template by name: the partials and the pages.
    static let all: [String: String] = [
        "header": header, "footer": footer, "error": error, "sign-in": signIn,
        "overview": overview, "clients": clients, "client": client,
        "alerts": alerts, "events": events, "event": event, "chart": chart,
    ]

    /// The document head, the top bar (admin id, navigation, sign-out) and the flash message.
    static let header = """
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>{{title}} · billing-worker console</title>
        <style>\(ConsoleStyle.css)</style>
        </head>
        <body>
        <header class="top">
        <a class="brand" href="/console">billing-worker</a>
        {{#admin}}
        <nav>
        <a href="/console">Overview</a>
        <a href="/console/clients">Clients</a>
        <a href="/console/alerts">Alerts</a>
        <a href="/console/events">Events</a>
        </nav>
        <span class="who">signed in as <strong id="admin-id">{{admin}}</strong></span>
        <form method="post" action="/console/sign-out" class="inline">
        <input type="hidden" name="_csrf" value="{{csrf}}">
        <button type="submit" class="link">Sign out</button>
        </form>
        {{/admin}}
        </header>
        <main>
        <h1>{{title}}</h1>
        {{#flash}}<p class="flash" id="flash">{{flash}}</p>{{/flash}}
        {{#problem}}<p class="error" id="problem">{{problem}}</p>{{/problem}}

        """

    static let footer = """
        </main>
        </body>
        </html>

        """

    static let error = """
        {{>header}}
        {{#body}}
        <p class="error" id="error-message">{{message}}</p>
        <p><a href="{{back}}">Back</a></p>
        {{/body}}
        {{>footer}}
        """

    static let signIn = """
        {{>header}}
        {{#body}}
        <form method="post" action="/console/sign-in" class="card narrow" id="sign-in">
        <input type="hidden" name="_csrf" value="{{csrf}}">
        <input type="hidden" name="next" value="{{next}}">
        <label>Admin token <input type="password" name="token" id="token" required autocomplete="current-password"></label>
        <p class="hint">A token of <code>BILLING_ADMIN_TOKENS</code>. The console keeps you signed in for 8 hours.</p>
        <button type="submit">Sign in</button>
        </form>
        {{/body}}
        {{>footer}}
        """

    /// A reason field, required by every action (SPEC §7).
    static let reasonField = """
        <input name="reason" required maxlength="1000" placeholder="reason (recorded in the audit)">
        """
}
