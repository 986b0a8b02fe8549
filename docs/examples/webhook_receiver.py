#!/usr/bin/env python3
"""A claimtrack webhook receiver in Python's standard library only (docs/embedding.md).

    CLAIMTRACK_WEBHOOK_SECRET=whsec_... python3 webhook_receiver.py 8088 [STOP_AFTER]

Register it with `claimtrack webhook add http://127.0.0.1:8088/claimtrack`; `claimtrack serve`
delivers. For each POST it checks the signature and the timestamp, drops a delivery it has
already handled (delivery is at least once), and prints the change. With STOP_AFTER it exits
after that many distinct changes (how the tests run it).
"""
import hashlib
import hmac
import json
import os
import sys
import time
from http.server import BaseHTTPRequestHandler, HTTPServer

SECRET = os.environ["CLAIMTRACK_WEBHOOK_SECRET"].encode()
MAX_AGE = 300  # seconds: an older timestamp is a replay, or a clock far off
seen = set()  # a real receiver keeps these in its database, with what it did


def signed(timestamp, body, header):
    """Whether `Claimtrack-Signature` is HMAC-SHA256(secret, timestamp + "." + body)."""
    expected = "v1=" + hmac.new(SECRET, timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, header)


class Hook(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: claimtrack sends the next change on the same connection

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        timestamp = self.headers.get("Claimtrack-Timestamp", "")
        if not signed(timestamp, body, self.headers.get("Claimtrack-Signature", "")):
            return self.answer(401)
        if abs(time.time() - int(timestamp)) > MAX_AGE:
            return self.answer(401)
        delivery = json.loads(body)
        if delivery["schema_version"] != 1:
            return self.answer(500)  # not understood: claimtrack retries, nothing is lost
        change = delivery["data"]["change"]
        if change["cursor"] not in seen:
            seen.add(change["cursor"])
            what = change.get("claim") or change.get("batch") or change.get("key") or change.get("name")
            print(f"{change['cursor']} {change['kind']} {what}: {change.get('before')} -> {change.get('after')}", flush=True)
        self.answer(200)  # a repeat is answered 200 too, or it would be sent again
        if STOP_AFTER and len(seen) >= STOP_AFTER:
            self.server.done = True
            self.close_connection = True

    def answer(self, code):
        self.send_response(code)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass  # keep standard output for the changes


if __name__ == "__main__":
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 8088
    STOP_AFTER = int(sys.argv[2]) if len(sys.argv) > 2 else 0
    server = HTTPServer(("127.0.0.1", port), Hook)
    server.done = False
    print(f"listening on http://127.0.0.1:{port}/", flush=True)
    while not server.done:
        server.handle_request()
