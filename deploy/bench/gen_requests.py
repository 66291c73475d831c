#!/usr/bin/env python3
"""Pre-signed webhook deliveries for deploy/local/bench (wrk replays them with replay.lua).

Events follow real client lifecycles over N clients (default 1,000): checkout → subscription
created (trialing) → trial_will_end → updated (active) → invoice paid, then monthly renewals
(invoice paid + subscription updated), some failing (payment_failed → past_due → paid → active),
a few cancellations (deleted) followed by a new checkout and subscription. Bodies are rendered from
the Stripe fixtures of Tests/Fixtures/stripe/2025-03-31.basil (3.3-6.9 KiB, pretty-printed as Stripe
sends them) with per-client ids and shifted timestamps. A share of deliveries (default 10 %) are
redeliveries of an event sent shortly before (same id and body).

Everything but the signature is a pure function of --seed and --tag, so runs are comparable. Requests
are signed (t = now) when this runs; the bench calls it right before each phase (tolerance 300 s).

Output: THREADS files PREFIX.<i>, each a sequence of records "<8-digit length><raw HTTP/1.1 request>";
request j goes to file j % THREADS. A JSON summary goes to stdout.

Other modes: --floor-payload prints one realistic 4,096-byte JSON event (the floor's payload);
--events-out PREFIX writes --count events (no redeliveries, nothing signed) as Stripe list objects for
`billing-worker ingest`, --per-file events each, to PREFIX.0.json, PREFIX.1.json, … (the replay phase).
"""
import argparse
import hashlib
import hmac
import json
import os
import random
import re
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "..", "..", "Tests", "Fixtures", "stripe", "2025-03-31.basil")
BASE_TIME = 1_750_000_000  # fixed, so bodies depend on the seed only
B62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

# Fixture literals that become per-event values.
LITERALS = {
    "cus_SQm4fT8ZkWq1Lb": "CUS",
    "sub_1RVkq2Gx8ZkQ2aXpH3nLw7Tc": "SUB",
    "in_1RlP8dGx8ZkQ2aXpq2Wz5NfU": "INV",
    "in_1RZQ0bGx8ZkQ2aXp4mVb7KcS": "INV",
    "il_1RlP8dGx8ZkQ2aXpk4Td9QwE": "IL",
    "il_1RZQ0bGx8ZkQ2aXpa8Jm3XyR": "IL",
    "si_SQm4bR7yPqN2xV": "SI",
    "cs_test_b1Qk7ZpX3mLw9aT2vR8cN5yJ4dF6gH0sK2qE7uB3nM9xW4zC1vA6sD8fG5hJ2k": "CS",
    "clt_acme": "CLT",
}
TOKEN = re.compile("|".join(re.escape(k) for k in sorted(LITERALS, key=len, reverse=True))
                   + r"|evt_[A-Za-z0-9]{20,}|req_[A-Za-z0-9]{10,}|\b1[67]\d{8}\b")


class Template:
    """A fixture split into literal text and slots (ids, timestamps relative to the event's created)."""

    def __init__(self, path):
        text = open(path, encoding="utf-8").read()
        created = json.loads(text)["created"]
        self.type = json.loads(text)["type"]
        self.parts = []  # str | ("k", key) | ("t", offset)
        pos = 0
        for m in TOKEN.finditer(text):
            self.parts.append(text[pos:m.start()])
            tok = m.group(0)
            if tok in LITERALS:
                self.parts.append(("k", LITERALS[tok]))
            elif tok.startswith("evt_"):
                self.parts.append(("k", "EVT"))
            elif tok.startswith("req_"):
                self.parts.append(("k", "REQ"))
            else:
                self.parts.append(("t", int(tok) - created))
            pos = m.end()
        self.parts.append(text[pos:])

    def render(self, values, created):
        out = []
        for p in self.parts:
            if type(p) is str:
                out.append(p)
            elif p[0] == "k":
                out.append(values[p[1]])
            else:
                out.append(str(created + p[1]))
        return "".join(out)


def load_templates():
    t = {}
    for name in sorted(os.listdir(FIXTURES)):
        if name.endswith(".json"):
            t[name[:2]] = Template(os.path.join(FIXTURES, name))
    return t


def rid(rng, n):
    return "".join(rng.choice(B62) for _ in range(n))


class Client:
    def __init__(self, i, rng):
        self.id = f"clt_bench_{i:04d}"
        self.customer = f"cus_B{i:04d}{rid(rng, 9)}"
        self.gen = 0
        self.cycle = 0
        self.clock = BASE_TIME + rng.randrange(0, 86_400 * 30)
        self.pending = []
        self.new_subscription(rng)

    def new_subscription(self, rng):
        self.gen += 1
        self.sub = f"sub_1B{self.id[-4:]}G{self.gen:03d}{rid(rng, 13)}"
        self.si = f"si_B{self.id[-4:]}{self.gen:03d}{rid(rng, 7)}"
        inv = self.invoice(rng)
        self.pending += [("01", inv), ("02", inv), ("03", inv), ("04", inv), ("05", inv)]

    def invoice(self, rng):
        self.cycle += 1
        return f"in_1B{self.id[-4:]}C{self.cycle:04d}{rid(rng, 11)}"

    def next_event(self, rng):
        if not self.pending:
            r = rng.random()
            if r < 0.02:
                self.pending.append(("11", self.invoice(rng)))
                self.pending_resubscribe = True
            elif r < 0.17:
                inv = self.invoice(rng)
                self.pending += [("06", inv), ("07", inv), ("09", inv), ("10", inv)]
            else:
                inv = self.invoice(rng)
                self.pending += [("05", inv), ("10", inv)]
        key, inv = self.pending.pop(0)
        if key == "11":
            # after the cancellation, the client checks out again later with a new subscription
            self.clock += rng.randrange(3_600, 86_400 * 3)
            ev = (key, inv, self.sub, self.si, self.clock)
            self.new_subscription(rng)
            return ev
        step = 86_400 * 30 if key in ("05", "06") and self.cycle > 1 else rng.randrange(5, 3_600)
        self.clock += step
        return (key, inv, self.sub, self.si, self.clock)


def generate(args):
    rng = random.Random(f"{args.seed}:{args.tag}")
    templates = load_templates()
    clients = [Client(i + 1, rng) for i in range(args.clients)]
    secret = args.secret.encode()
    t = str(int(time.time()))
    files = [open(f"{args.out}.{i}", "wb", buffering=1 << 20) for i in range(args.threads)]
    recent = []  # (request bytes) of recently sent first deliveries
    stats = {"requests": 0, "duplicates": 0, "bytes": 0, "types": {}}
    host = f"127.0.0.1:{args.port}"
    n_event = 0
    for j in range(args.count):
        if recent and rng.random() < args.dup:
            req = recent[rng.randrange(len(recent))]
            stats["duplicates"] += 1
        else:
            n_event += 1
            typ, text = next_body(rng, clients, templates, args.tag, n_event)
            body = text.encode()
            mac = hmac.new(secret, t.encode() + b"." + body, hashlib.sha256).hexdigest()
            req = (f"POST /webhooks/stripe HTTP/1.1\r\nHost: {host}\r\nUser-Agent: Stripe/1.0 (+https://stripe.com/docs/webhooks)\r\n"
                   f"Content-Type: application/json; charset=utf-8\r\nStripe-Signature: t={t},v1={mac}\r\n"
                   f"Content-Length: {len(body)}\r\n\r\n").encode() + body
            stats["bytes"] += len(body)
            stats["types"][typ] = stats["types"].get(typ, 0) + 1
            recent.append(req)
            if len(recent) > 500:
                recent.pop(0)
        files[j % args.threads].write(b"%08d" % len(req) + req)
        stats["requests"] += 1
    for f in files:
        f.close()
    events = stats["requests"] - stats["duplicates"]
    stats["mean_body_bytes"] = round(stats["bytes"] / max(1, events))
    stats["signed_at"] = int(t)
    return stats


def next_body(rng, clients, templates, tag, n_event):
    """One new event of a random client's lifecycle: (type, body text)."""
    c = clients[rng.randrange(len(clients))]
    key, inv, sub, si, created = c.next_event(rng)
    values = {
        "EVT": f"evt_1B{tag}{n_event:08d}{rid(rng, 10)}",
        "REQ": f"req_B{rid(rng, 12)}",
        "CUS": c.customer, "SUB": sub, "SI": si, "INV": inv, "IL": "il_" + inv[3:],
        "CS": f"cs_test_B{sub[4:]}{rid(rng, 20)}", "CLT": c.id,
    }
    tpl = templates[key]
    return tpl.type, tpl.render(values, created)


def write_events(args):
    """--events-out: list objects of new events (each entry the body as Stripe sends it)."""
    rng = random.Random(f"{args.seed}:{args.tag}")
    templates = load_templates()
    clients = [Client(i + 1, rng) for i in range(args.clients)]
    stats = {"events": 0, "files": 0, "bytes": 0, "types": {}}
    n = 0
    while n < args.count:
        k = min(args.per_file, args.count - n)
        with open(f"{args.events_out}.{stats['files']}.json", "w", encoding="utf-8") as f:
            f.write('{"object": "list", "url": "/v1/events", "has_more": false, "data": [\n')
            for i in range(k):
                n += 1
                typ, body = next_body(rng, clients, templates, args.tag, n)
                f.write(body if i == 0 else ",\n" + body)
                stats["bytes"] += len(body.encode())
                stats["types"][typ] = stats["types"].get(typ, 0) + 1
            f.write("\n]}\n")
        stats["files"] += 1
    stats["events"] = n
    stats["mean_body_bytes"] = round(stats["bytes"] / max(1, n))
    return stats


def floor_payload():
    """A realistic event body of exactly 4,096 bytes: a compact invoice.paid event plus id-like metadata."""
    templates = load_templates()
    rng = random.Random("floor")
    c = Client(1, rng)
    values = {"EVT": "evt_1BFloor000000000000000", "REQ": "req_Bfloor0000000", "CUS": c.customer, "SUB": c.sub,
              "SI": c.si, "INV": "in_1BFloor", "IL": "il_1BFloor", "CS": "cs_test_BFloor", "CLT": c.id}
    obj = json.loads(templates["05"].render(values, BASE_TIME))
    obj["data"]["object"]["metadata"] = {"note": ""}
    text = json.dumps(obj, separators=(",", ":"))
    if len(text) > 4096:
        raise SystemExit(f"floor payload base too large: {len(text)}")
    # id-like filler (as incompressible as Stripe's ids), not a run of one character
    obj["data"]["object"]["metadata"]["note"] = rid(rng, 4096 - len(text))
    text = json.dumps(obj, separators=(",", ":"))
    assert len(text.encode()) == 4096, len(text)
    return text


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--seed", type=int, default=20240601)
    p.add_argument("--tag", default="A", help="one letter, part of every event id: phases never share ids")
    p.add_argument("--count", type=int, default=10_000, help="deliveries to write")
    p.add_argument("--clients", type=int, default=1000)
    p.add_argument("--dup", type=float, default=0.10, help="share of redeliveries")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--port", type=int, default=8080)
    p.add_argument("--secret", default="whsec_bench_secret")
    p.add_argument("--out", help="file prefix")
    p.add_argument("--floor-payload", action="store_true")
    p.add_argument("--events-out", help="file prefix: write events for `ingest` instead of requests")
    p.add_argument("--per-file", type=int, default=10_000, help="events per file with --events-out")
    args = p.parse_args()
    if args.floor_payload:
        sys.stdout.write(floor_payload())
        return
    if args.events_out:
        json.dump(write_events(args), sys.stdout)
        sys.stdout.write("\n")
        return
    if not args.out:
        p.error("--out is required")
    json.dump(generate(args), sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
