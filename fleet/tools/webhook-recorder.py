#!/usr/bin/env python3
"""A stand-in Alertmanager webhook receiver for fleet/e2e.sh.

Listens on 127.0.0.1:PORT and appends every POSTed notification (Alertmanager's webhook
JSON) as one line to OUTFILE, with the request path under "_path" (= receiver name in
the test config). Bodies over 1 MiB are refused.
"""
import json
import sys
from http.server import BaseHTTPRequestHandler, HTTPServer

MAX_BODY = 1 << 20


class Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        if length <= 0 or length > MAX_BODY:
            self.send_response(413)
            self.end_headers()
            return
        body = self.rfile.read(length)
        try:
            doc = json.loads(body)
        except ValueError:
            self.send_response(400)
            self.end_headers()
            return
        doc["_path"] = self.path
        with open(OUT, "a", encoding="utf-8") as f:
            f.write(json.dumps(doc) + "\n")
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: webhook-recorder.py PORT OUTFILE")
    OUT = sys.argv[2]
    HTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
