#!/usr/bin/env python3
"""Real-browser test of the operator console (issue 10).

Starts a private PostgreSQL (deploy/local/pg.sh), migrates it, seeds clients with psql, starts
`billing-worker serve`, and drives headless Chromium (Debian's chromium + chromium-driver,
selenium from deploy/.venv-console) through the console:

  sign in -> filter clients to the closed gate -> open a client -> confirm a payment with a
  reason -> see the gate open and the alert acknowledged -> find the audit row with psql ->
  post a form without its CSRF token and see it refused -> see a client named
  <script>alert(1)</script> rendered as text -> (issue 18) deliver a client's signed Stripe events to
  the service, confirm its payment, and read its status timeline (bands in time order, the admin
  marker, the history table) and the overview's charts.

Screenshots of the clients page and the client page go to --out. Exits 1 on any failure and
prints "N passed, M failed" last.
"""
import argparse
import hashlib
import hmac
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

from selenium import webdriver
from selenium.common.exceptions import NoAlertPresentException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
SCRIPT_NAME = "<script>alert(1)</script>"
REASON = "wire transfer received (browser test)"

WEBHOOK_SECRET = "whsec_browser_test"
SEED = f"""
INSERT INTO clients (id, business_name) VALUES
  ('acme_late', 'Acme Late Payers Ltd'), ('globex_ok', 'Globex Corporation'), ('xss_client', '{SCRIPT_NAME}'),
  ('hist_client', 'Historic Dental');
INSERT INTO client_billing (client_id, status, payment_source, stripe_customer_id, stripe_subscription_id,
                            last_event_id, last_event_created_at) VALUES
  ('acme_late', 'PAST_DUE', 'STRIPE', 'cus_acme', 'sub_acme', 'evt_acme_failed', now() - interval '2 hours'),
  ('globex_ok', 'ACTIVE', 'STRIPE', 'cus_globex', 'sub_globex', NULL, NULL),
  ('xss_client', 'UNPAID', 'STRIPE', 'cus_xss', 'sub_xss', NULL, NULL);
INSERT INTO client_controls (client_id, payment_gate_alerted_at, payment_gate_alerted_states, payment_gate_alert_count) VALUES
  ('acme_late', now() - interval '2 hours', '{{PAST_DUE}}', 1),
  ('globex_ok', NULL, '{{}}', 0),
  ('xss_client', now() - interval '1 day', '{{PAST_DUE,UNPAID}}', 2);
INSERT INTO onboarding_states (client_id, current_state) VALUES
  ('acme_late', 'COMPLETED'), ('globex_ok', 'COMPLETED'), ('xss_client', 'NOT_STARTED');
INSERT INTO alert_logs (alert_type, alert_key, severity, client_id, message) VALUES
  ('PAYMENT_GATE', 'payment_gate:acme_late', 'WARNING', 'acme_late', 'acme_late entered PAST_DUE'),
  ('PAYMENT_GATE', 'payment_gate:xss_client', 'CRITICAL', 'xss_client', '{SCRIPT_NAME} entered UNPAID');
INSERT INTO billing_events (stripe_event_id, type, stripe_created_at, payload, status, outcome, attempts, client_id, source)
VALUES ('evt_acme_failed', 'invoice.payment_failed', now() - interval '2 hours',
        '{{"id":"evt_acme_failed","object":"event","type":"invoice.payment_failed","data":{{"object":{{"id":"in_1","customer":"cus_acme"}}}}}}',
        'processed', 'applied', 1, 'acme_late', 'webhook');
"""


def history_events(now):
    """hist_client's story as Stripe sends it (basil shape): checkout, trialing, active, a failed invoice."""
    def sub(status, created):
        obj = {"id": "sub_hist", "object": "subscription", "customer": "cus_hist", "status": status,
               "cancel_at_period_end": False, "canceled_at": None, "trial_start": now - 60, "trial_end": now + 86400,
               "pause_collection": None, "metadata": {},
               "items": {"object": "list", "data": [{"id": "si_hist", "object": "subscription_item",
                                                     "current_period_start": now - 60, "current_period_end": now + 2592000}]}}
        return obj
    def event(n, etype, created, obj):
        return {"id": f"evt_hist_{n}", "object": "event", "api_version": "2025-03-31.basil", "created": created,
                "livemode": False, "type": etype, "data": {"object": obj}}
    checkout = {"id": "cs_hist", "object": "checkout.session", "mode": "subscription", "status": "complete",
                "customer": "cus_hist", "subscription": "sub_hist", "client_reference_id": "hist_client", "metadata": {}}
    invoice = {"id": "in_hist", "object": "invoice", "customer": "cus_hist", "billing_reason": "subscription_cycle",
               "amount_paid": 0, "amount_due": 4900, "created": now - 10, "metadata": {}, "currency": "usd", "status": "open",
               "parent": {"type": "subscription_details", "quote_details": None,
                          "subscription_details": {"metadata": {}, "subscription": "sub_hist"}}}
    return [event(1, "checkout.session.completed", now - 40, checkout),
            event(2, "customer.subscription.created", now - 30, sub("trialing", now - 30)),
            event(3, "customer.subscription.updated", now - 20, sub("active", now - 20)),
            event(4, "invoice.payment_failed", now - 10, invoice)]


def deliver(base, event):
    """POSTs one event signed as Stripe signs it; answers the HTTP status."""
    body = json.dumps(event, separators=(",", ":")).encode()
    t = str(int(time.time()))
    signature = hmac.new(WEBHOOK_SECRET.encode(), t.encode() + b"." + body, hashlib.sha256).hexdigest()
    request = urllib.request.Request(base + "/webhooks/stripe", data=body, method="POST",
                                     headers={"Stripe-Signature": f"t={t},v1={signature}", "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as r:
        return r.status


def wait_for(check, seconds=30):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if check():
            return True
        time.sleep(0.25)
    return check()


def history(base, url, out, d, c):
    """Issue 18: a client with several status changes through real deliveries and an operator action, its
    timeline in order, and the overview's charts with their text alternatives."""
    now = int(time.time())
    statuses = [deliver(base, e) for e in history_events(now)]
    c.check(statuses == [200, 200, 200, 200], f"the service stores hist_client's signed events: {statuses}")
    processed = wait_for(lambda: psql(url, "SELECT count(*) FROM billing_events WHERE stripe_event_id LIKE 'evt_hist_%' "
                                           "AND status = 'processed'") == [["4"]])
    c.check(processed, "the processor settles the four events")
    d.get(base + "/console/clients/hist_client")
    form = d.find_element(By.ID, "form-confirm-payment")
    form.find_element(By.NAME, "reason").send_keys("paid by bank transfer (browser test)")
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    c.check(d.find_element(By.ID, "flash").text == "Confirm payment done.", "hist_client's payment is confirmed")
    rows = psql(url, "SELECT from_status, to_status, cause FROM billing_status_history WHERE client_id = 'hist_client' ORDER BY id")
    expected = [["PENDING", "PENDING", "event"], ["PENDING", "TRIALING", "event"], ["TRIALING", "ACTIVE", "event"],
                ["ACTIVE", "PAST_DUE", "event"], ["PAST_DUE", "ACTIVE", "admin"]]
    c.check(rows == expected, f"psql finds the five history rows in order: {rows}")
    bands = [b.get_attribute("data-status") for b in d.find_elements(By.CSS_SELECTOR, "#status-timeline rect.band")]
    c.check(bands == ["PENDING", "TRIALING", "ACTIVE", "PAST_DUE", "ACTIVE"], f"the timeline shows the statuses in time order: {bands}")
    xs = [float(b.get_attribute("x")) for b in d.find_elements(By.CSS_SELECTOR, "#status-timeline rect.band")]
    c.check(xs == sorted(xs), f"the bands run left to right in time: {xs}")
    c.check(len(d.find_elements(By.CSS_SELECTOR, "#status-timeline .marker-admin")) == 1, "the confirm-payment is a marker")
    title = d.find_element(By.CSS_SELECTOR, "#status-timeline > title").get_attribute("textContent")
    c.check(title == "Status over time", f"the timeline has a title for screen readers: {title!r}")
    history_rows = [r.text for r in d.find_elements(By.CSS_SELECTOR, "#client-history tr.history-row")]
    c.check(len(history_rows) == 5 and "PAST_DUE → ACTIVE" in history_rows[0] and "confirm-payment by operator" in history_rows[0],
            f"the history table beside it lists the changes newest first: {history_rows[:2]}")
    screenshot(d, os.path.join(out, "client-history.png"))

    flushed = wait_for(lambda: int(psql(url, "SELECT coalesce(sum(received), 0) FROM billing_event_hourly")[0][0]) >= 4, seconds=30)
    c.check(flushed, "the hourly counters reach the database")
    d.get(base + "/console")
    bars = d.find_elements(By.CSS_SELECTOR, "#chart-events rect.bar")
    c.check(len(bars) == 24 * 3, f"the events chart has 24 hours of three series: {len(bars)}")
    tips = " ".join(b.find_element(By.TAG_NAME, "title").get_attribute("textContent") for b in bars)
    c.check(" received" in tips and any(int(b.get_attribute("height").split(".")[0] or 0) > 0 for b in bars),
            "this hour's bar is drawn")
    # The tables sit in a closed <details>: read their text content, not the rendered text.
    gates = [" ".join(td.get_attribute("textContent") for td in r.find_elements(By.TAG_NAME, "td"))
             for r in d.find_elements(By.CSS_SELECTOR, "#gate-per-day tbody tr")]
    c.check(len(gates) == 30, f"the gate chart's table lists 30 days: {len(gates)}")
    today = gates[-1].split()
    c.check(today[1:] == ["1", "2"], f"today: 1 closing (hist_client) and 2 reopenings (two confirm-payments): {gates[-1]!r}")
    for chart in ["chart-events", "chart-gates"]:
        desc = d.find_element(By.CSS_SELECTOR, f"#{chart} > desc").get_attribute("textContent")
        c.check(bool(desc), f"{chart} has a text description: {desc!r}")
    c.check(d.find_element(By.ID, "queue-depth").text == "0", "the queue is empty once processed")
    c.check(d.find_elements(By.TAG_NAME, "script") == [], "the overview holds no script element")
    screenshot(d, os.path.join(out, "overview-charts.png"))


def wait_url(d, fragment, seconds=10):
    """A click only starts a form's POST and redirect: wait (bounded) until the URL shows it."""
    deadline = time.time() + seconds
    while fragment not in d.current_url and time.time() < deadline:
        time.sleep(0.05)


class Checks:
    """Counts checks; a failed one is reported and the run goes on where it can."""

    def __init__(self):
        self.passed = 0
        self.failed = 0

    def check(self, condition, what):
        if condition:
            self.passed += 1
            print(f"ok   {what}", flush=True)
        else:
            self.failed += 1
            print(f"FAIL {what}", flush=True)
        return condition


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pg_shell(command):
    """Runs `command` in bash after sourcing deploy/local/pg.sh; answers its stdout."""
    return subprocess.run(["bash", "-c", f". deploy/local/pg.sh; {command}"], cwd=ROOT, check=True,
                          capture_output=True, text=True).stdout


def psql(url, sql):
    out = subprocess.run(["psql", url, "-v", "ON_ERROR_STOP=1", "-qAtX", "-F", "|", "-c", sql],
                         check=True, capture_output=True, text=True).stdout
    return [line.split("|") for line in out.splitlines() if line]


def wait_ready(base, proc, seconds=60):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"billing-worker serve exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("billing-worker serve did not answer /healthz")


def browser():
    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
    for arg in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1280,1000"]:
        options.add_argument(arg)
    service = Service(executable_path=shutil.which("chromedriver") or "/usr/bin/chromedriver")
    return webdriver.Chrome(options=options, service=service)


def screenshot(d, path):
    """A full-page screenshot: the viewport is stretched to the page's height for the shot."""
    height = d.execute_script("return document.documentElement.scrollHeight")
    d.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                      {"width": 1280, "height": max(height, 800), "deviceScaleFactor": 1, "mobile": False})
    d.save_screenshot(path)
    d.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


def drive(base, url, token, out, c):
    """The browser session; `url` is the database's, for the psql checks."""
    d = browser()
    try:
        d.implicitly_wait(3)
        d.get(base + "/console/clients")
        c.check("/console/sign-in" in d.current_url, "without a session the console redirects to sign-in")
        d.find_element(By.ID, "token").send_keys(token)
        d.find_element(By.CSS_SELECTOR, "#sign-in button[type=submit]").click()
        wait_url(d, base + "/console/clients")
        c.check(d.current_url.startswith(base + "/console/clients"), "sign-in returns to the page first asked for")
        c.check(d.find_element(By.ID, "admin-id").text == "operator", "the header names the signed-in admin")

        Select(d.find_element(By.ID, "filter-gate")).select_by_value("closed")
        d.find_element(By.CSS_SELECTOR, "#client-filters button[type=submit]").click()
        wait_url(d, "gate=closed")
        c.check("gate=closed" in d.current_url, "the filter form asks for the closed gate")
        ids = [r.get_attribute("data-client-id") for r in d.find_elements(By.CSS_SELECTOR, "tr.client-row")]
        c.check(sorted(ids) == ["acme_late", "xss_client"], f"the closed gate lists the late clients only: {ids}")
        gates = {e.text for e in d.find_elements(By.CSS_SELECTOR, "tr.client-row .gate")}
        c.check(gates == {"closed"}, "every listed gate is closed")
        xss_name = d.find_element(By.CSS_SELECTOR, "tr[data-client-id=xss_client] td.name").text
        c.check(xss_name == SCRIPT_NAME, f"the script-named client renders as text: {xss_name!r}")
        c.check(d.find_elements(By.TAG_NAME, "script") == [], "the page holds no script element")
        try:
            d.switch_to.alert
            c.check(False, "no JavaScript alert opened")
        except NoAlertPresentException:
            c.check(True, "no JavaScript alert opened")
        screenshot(d, os.path.join(out, "clients.png"))

        d.find_element(By.LINK_TEXT, "acme_late").click()
        c.check(d.find_element(By.ID, "client-gate").text == "closed", "the client page shows the closed gate")
        form = d.find_element(By.ID, "form-confirm-payment")
        form.find_element(By.NAME, "reason").send_keys(REASON)
        form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        c.check(d.find_element(By.ID, "flash").text == "Confirm payment done.", "the action is confirmed")
        c.check(d.find_element(By.ID, "client-gate").text == "open", "the gate is open after confirm-payment")
        acks = [r.get_attribute("data-acknowledged") for r in d.find_elements(By.CSS_SELECTOR, "#client-alerts tr.alert-row")]
        c.check(acks == ["yes"], f"the payment-gate alert is acknowledged: {acks}")
        audit = d.find_element(By.CSS_SELECTOR, "#client-audit tbody tr").text
        c.check("operator" in audit and "confirm-payment" in audit and REASON in audit, f"the page shows the audit row: {audit!r}")
        screenshot(d, os.path.join(out, "client.png"))

        rows = psql(url, "SELECT admin_id, action, reason, metadata->'before'->>'status', metadata->'after'->>'status', "
                         "metadata->'after'->>'payment_source' FROM admin_actions WHERE client_id = 'acme_late'")
        c.check(rows == [["operator", "confirm-payment", REASON, "PAST_DUE", "ACTIVE", "MANUAL"]], f"psql finds the audit row: {rows}")
        alert = psql(url, "SELECT acknowledged_by FROM alert_logs WHERE client_id = 'acme_late'")
        c.check(alert == [["system"]], f"psql finds the alert acknowledged by the system: {alert}")

        # A form without its CSRF token: drop the hidden field (through WebDriver, not page script) and submit.
        form = d.find_element(By.ID, "form-waive")
        d.execute_script("arguments[0].querySelector('input[name=_csrf]').remove()", form)
        form.find_element(By.NAME, "reason").send_keys("no token")
        form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        message = d.find_element(By.ID, "error-message").text
        c.check("security token is missing or stale" in message, f"the form without its CSRF token is refused: {message!r}")
        c.check("403" in d.title, f"the refusal is a 403: {d.title!r}")
        state = psql(url, "SELECT b.payment_source, (SELECT count(*) FROM admin_actions) FROM client_billing b WHERE client_id = 'acme_late'")
        c.check(state == [["MANUAL", "1"]], f"the refused form changed nothing: {state}")

        for name, path in [("overview", "/console"), ("alerts", "/console/alerts"), ("event", "/console/events/evt_acme_failed")]:
            d.get(base + path)
            c.check(d.find_element(By.ID, "admin-id").text == "operator", f"the {name} page renders for the operator")
            screenshot(d, os.path.join(out, f"{name}.png"))

        history(base, url, out, d, c)

        d.get(base + "/console/clients/xss_client")
        c.check(d.find_element(By.ID, "client-name").text.startswith(SCRIPT_NAME), "the client page shows the script name as text")
        c.check(d.find_elements(By.TAG_NAME, "script") == [], "the client page holds no script element")

        d.find_element(By.CSS_SELECTOR, "header form button").click()
        wait_url(d, "/console/sign-in")
        c.check("/console/sign-in" in d.current_url, "sign-out returns to sign-in")
        d.get(base + "/console/clients")
        c.check("/console/sign-in" in d.current_url, "after sign-out the console needs a session again")
    finally:
        d.quit()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--binary", required=True, help="the billing-worker executable")
    parser.add_argument("--out", default=os.path.join(ROOT, "deploy/console/.out"), help="screenshots and logs")
    args = parser.parse_args()
    out = os.path.abspath(args.out)
    os.makedirs(out, exist_ok=True)
    c = Checks()
    pgdir = tempfile.mkdtemp(prefix="console-browser-pg.")
    os.chmod(pgdir, 0o755)
    server = None
    try:
        url = pg_shell(f"pg_start {pgdir} fast >&2 && echo $DATABASE_URL").strip()
        env = dict(os.environ, DATABASE_URL=url, BILLING_MIGRATIONS_DIR=os.path.join(ROOT, "migrations"))
        subprocess.run([args.binary, "migrate", "deploy"], env=env, check=True, cwd=ROOT, capture_output=True)
        psql(url, SEED)
        token = secrets.token_urlsafe(24)
        port = free_port()
        env.update(STRIPE_WEBHOOK_SECRETS=WEBHOOK_SECRET, BILLING_ADMIN_TOKENS=f"operator:{token}",
                   HOST="127.0.0.1", PORT=str(port), LOG_LEVEL="info")
        log = open(os.path.join(out, "serve.log"), "w")
        server = subprocess.Popen([args.binary, "serve"], env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
        base = f"http://127.0.0.1:{port}"
        wait_ready(base, server)
        drive(base, url, token, out, c)
    except Exception as error:  # a step that could not run at all is one failure, reported
        c.check(False, f"the run completed: {type(error).__name__}: {error}")
    finally:
        if server is not None and server.poll() is None:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
        pg_shell(f"pg_stop {pgdir}")
        shutil.rmtree(pgdir, ignore_errors=True)
    print(f"screenshots: {', '.join(os.path.join(out, n) for n in ['clients.png', 'client.png', 'client-history.png', 'overview-charts.png'])}")
    print(f"browser test: {c.passed} passed, {c.failed} failed")
    return 1 if c.failed else 0


if __name__ == "__main__":
    sys.exit(main())
