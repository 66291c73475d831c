/// The console's style sheet, inlined in every page (the Content-Security-Policy allows inline
/// styles and nothing else: no script runs on a console page).
enum ConsoleStyle {
    static let css = """
        body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;color:#1d2330;background:#f5f6f8}
        header.top{display:flex;gap:1.5em;align-items:center;padding:.6em 1.5em;background:#1d2330;color:#e8eaf0}
        header.top a{color:#e8eaf0;text-decoration:none}header.top nav a{margin-right:1em}
        .brand{font-weight:700}.who{margin-left:auto}main{padding:1em 1.5em;max-width:1200px}
        h1{font-size:1.4em;margin:.3em 0 .8em}h2{font-size:1.1em;margin:1.4em 0 .5em}
        table{border-collapse:collapse;width:100%;background:#fff;margin-bottom:1em}
        th,td{text-align:left;padding:.35em .6em;border-bottom:1px solid #e2e5ea;vertical-align:top}
        th{background:#eceef2;font-weight:600}a{color:#1f5fbf}
        .gate{display:inline-block;padding:.05em .6em;border-radius:1em;font-size:.85em;font-weight:600}
        .gate-open{background:#d6f5df;color:#146c2e}.gate-closed{background:#fbd9d9;color:#a11d1d}
        .gate-pending{background:#fdf0c8;color:#7a5a00}
        .card{background:#fff;border:1px solid #e2e5ea;border-radius:6px;padding:1em;margin-bottom:1em}
        .narrow{max-width:420px}.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(260px,1fr));gap:1em}
        dl{display:grid;grid-template-columns:max-content 1fr;gap:.2em 1em;margin:0}dt{color:#5b6475}dd{margin:0}
        .card h2{margin-top:0}.actions{display:grid;grid-template-columns:repeat(auto-fit,minmax(520px,1fr));gap:.6em 2em}
        form.action{display:grid;grid-template-columns:14em 1fr auto;gap:.5em;align-items:center;margin:0}
        form.action .hint{font-size:.85em;line-height:1.25}form.ack{display:flex;gap:.4em;flex-wrap:wrap}
        form.ack input{flex:1;min-width:12em}
        form.inline{display:inline}form.filters{display:flex;gap:.8em;align-items:end;margin-bottom:1em;flex-wrap:wrap}
        label{display:flex;flex-direction:column;gap:.2em;font-size:.9em}
        input,select,button{font:inherit;padding:.3em .5em}button{cursor:pointer}
        button.link{background:none;border:none;color:#e8eaf0;text-decoration:underline;padding:0}
        .flash{background:#d6f5df;border:1px solid #9fd8b0;padding:.5em .8em;border-radius:4px}
        .error{background:#fbd9d9;border:1px solid #e9a3a3;padding:.5em .8em;border-radius:4px}
        .hint{color:#5b6475;font-size:.9em}.muted{color:#8a92a3}.count{font-weight:600}
        svg.chart{max-width:100%;height:auto;display:block}.chart-card details{margin-top:.5em}
        .history-grid{display:grid;grid-template-columns:minmax(0,3fr) minmax(0,2fr);gap:1em;align-items:start}
        .legend span{display:inline-block;margin-right:.8em;font-size:.85em}.swatch{display:inline-block;width:.8em;height:.8em;margin-right:.3em}
        pre{background:#fff;border:1px solid #e2e5ea;padding:1em;overflow:auto;font-size:12px}
        """
}
