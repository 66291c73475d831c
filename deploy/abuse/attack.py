#!/usr/bin/env python3
"""Hostile traffic for deploy/local/abuse (issue 16), on loopback only, for a fixed time.

For --secs seconds it keeps, against 127.0.0.1:PORT:
  * --idle connections (default 1,000) that send nothing;
  * --slow connections (default 100) that announce a 1 MiB webhook body with a well-formed but
    forged Stripe-Signature, then send it a few bytes per second;
  * --forged requests/s (default 200) of small webhook deliveries with forged signatures;
  * --readyz requests/s (default 100) to GET /readyz.
A connection the service closes is reopened at once, so the pressure holds; each closure is
recorded with its age. At the end it prints one JSON object to stdout: per kind, connections
opened, closed by the service, their age when closed (median, p90, max seconds), and answers
by status. Every loop is bounded by the deadline; nothing leaves loopback.
"""
import argparse
import asyncio
import json
import resource
import statistics
import time

HOST = "127.0.0.1"


class Kind:
    def __init__(self, name):
        self.name = name
        self.opened = 0
        self.closed_by_server = []  # ages in seconds
        self.connect_errors = 0
        self.statuses = {}

    def summary(self):
        ages = sorted(self.closed_by_server)

        def pct(p):
            return round(ages[min(len(ages) - 1, int(p * len(ages)))], 1) if ages else None

        return {
            "opened": self.opened,
            "closed_by_service": len(ages),
            "closed_after_s": {"median": round(statistics.median(ages), 1) if ages else None,
                               "p90": pct(0.9), "max": round(ages[-1], 1) if ages else None},
            "connect_errors": self.connect_errors,
            "statuses": self.statuses,
        }


async def wait_closed_by_server(reader, deadline):
    """Reads (and discards) until EOF or the deadline; the time the service closed, or None."""
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return None
        try:
            data = await asyncio.wait_for(reader.read(65536), timeout=left)
        except asyncio.TimeoutError:
            return None
        except (ConnectionError, OSError):
            return time.monotonic()
        if not data:
            return time.monotonic()


async def open_counted(port, kind):
    """A connection to the service, counted in `kind`; None (after half a second) when refused."""
    try:
        connection = await asyncio.open_connection(HOST, port)
    except OSError:
        kind.connect_errors += 1
        await asyncio.sleep(0.5)
        return None
    kind.opened += 1
    return connection


async def hold_idle(port, kind, deadline):
    while time.monotonic() < deadline:
        connection = await open_counted(port, kind)
        if connection is None:
            continue
        reader, writer = connection
        opened = time.monotonic()
        closed_at = await wait_closed_by_server(reader, deadline)
        if closed_at is not None:
            kind.closed_by_server.append(closed_at - opened)
        writer.close()


async def hold_slow_body(port, kind, deadline, body_bytes, bytes_per_sec):
    head = ("POST /webhooks/stripe HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            f"Stripe-Signature: t={int(time.time())},v1={'0' * 64}\r\nContent-Length: {body_bytes}\r\n\r\n").encode()
    while time.monotonic() < deadline:
        connection = await open_counted(port, kind)
        if connection is None:
            continue
        reader, writer = connection
        opened = time.monotonic()
        closed_at = None
        try:
            writer.write(head)
            await writer.drain()
            sent = 0
            closer = asyncio.ensure_future(wait_closed_by_server(reader, deadline))
            while time.monotonic() < deadline and sent < body_bytes and not closer.done():
                writer.write(b"x" * bytes_per_sec)
                await writer.drain()
                sent += bytes_per_sec
                await asyncio.sleep(1.0)
            closed_at = await closer
        except (ConnectionError, OSError):
            closed_at = time.monotonic()
        if closed_at is not None:
            kind.closed_by_server.append(closed_at - opened)
        writer.close()


async def read_response(reader):
    """Status of one HTTP/1.1 response with a Content-Length body."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = lines[0].split(" ")[1]
    length = 0
    close = False
    for line in lines[1:]:
        name, _, value = line.partition(":")
        if name.lower() == "content-length":
            length = int(value.strip())
        if name.lower() == "connection" and value.strip().lower() == "close":
            close = True
    if length:
        await reader.readexactly(length)
    return status, close


async def request_stream(port, kind, deadline, rate, make_request, workers):
    """`rate` requests/s over `workers` keep-alive connections, reconnecting when closed."""
    interval = workers / rate

    async def worker(offset):
        await asyncio.sleep(offset)
        reader = writer = None
        next_at = time.monotonic()
        while time.monotonic() < deadline:
            if writer is None:
                connection = await open_counted(port, kind)
                if connection is None:
                    continue
                reader, writer = connection
            try:
                writer.write(make_request())
                await writer.drain()
                status, close = await asyncio.wait_for(read_response(reader), timeout=10)
                kind.statuses[status] = kind.statuses.get(status, 0) + 1
                if close:
                    writer.close()
                    writer = None
            except (ConnectionError, OSError, asyncio.IncompleteReadError, asyncio.TimeoutError):
                kind.statuses["error"] = kind.statuses.get("error", 0) + 1
                writer.close()
                writer = None
            next_at += interval
            await asyncio.sleep(max(0.0, next_at - time.monotonic()))
        if writer is not None:
            writer.close()

    await asyncio.gather(*(worker(i * interval / workers) for i in range(workers)))


def forged_delivery():
    body = ('{"id":"evt_forged_%d","object":"event","type":"invoice.paid","created":%d,"data":{"object":{}}}'
            % (time.monotonic_ns(), int(time.time()))).encode()
    return (f"POST /webhooks/stripe HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            f"Stripe-Signature: t={int(time.time())},v1={'ab' * 32}\r\nContent-Length: {len(body)}\r\n\r\n").encode() + body


def readyz_request():
    return b"GET /readyz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"


async def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--secs", type=float, default=60)
    p.add_argument("--idle", type=int, default=1000)
    p.add_argument("--slow", type=int, default=100)
    p.add_argument("--slow-body-bytes", type=int, default=1 << 20)
    p.add_argument("--slow-bytes-per-sec", type=int, default=4)
    p.add_argument("--forged", type=float, default=200)
    p.add_argument("--readyz", type=float, default=100)
    a = p.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))

    deadline = time.monotonic() + a.secs
    kinds = {name: Kind(name) for name in ("idle", "slow_body", "forged_signature", "readyz")}
    tasks = [hold_idle(a.port, kinds["idle"], deadline) for _ in range(a.idle)]
    tasks += [hold_slow_body(a.port, kinds["slow_body"], deadline, a.slow_body_bytes, a.slow_bytes_per_sec) for _ in range(a.slow)]
    tasks.append(request_stream(a.port, kinds["forged_signature"], deadline, a.forged, forged_delivery, workers=10))
    tasks.append(request_stream(a.port, kinds["readyz"], deadline, a.readyz, readyz_request, workers=5))
    started = time.monotonic()
    await asyncio.wait_for(asyncio.gather(*tasks), timeout=a.secs + 30)
    print(json.dumps({"seconds": round(time.monotonic() - started, 1),
                      "kinds": {k: v.summary() for k, v in kinds.items()}}))


if __name__ == "__main__":
    asyncio.run(main())
