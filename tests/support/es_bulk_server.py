#!/usr/bin/env python3
"""A TEST SERVER that answers the Elasticsearch `_bulk` API. It is not Elasticsearch.

It follows the bulk API reference (Elasticsearch 8.x "Bulk API" page) for what a client of
`_bulk` can observe, so that Sluice's elasticsearch sink is tested against the documented
behaviour rather than against itself:

- `POST /_bulk`, `POST|PUT /<index>/_bulk`; NDJSON body, action line then (except for
  `delete`) a source line; the body must end with a newline (400
  illegal_argument_exception otherwise); `Content-Type` must be `application/x-ndjson` or
  `application/json` (406 otherwise); `Content-Encoding: gzip` bodies are accepted.
- Actions `index`, `create`, `update`, `delete` with `_index`, `_id`, `routing`, `pipeline`,
  `require_alias`, ...; a malformed action line or an unknown action fails the whole request
  with 400; an action without an index (none in the line, none in the path) fails the whole
  request with 400 action_request_validation_exception.
- Item results in request order: 201 `created` / 200 `updated` for index, 409
  version_conflict_engine_exception for `create` of an existing id, 404
  document_missing_exception for `update` of a missing id, 200 `deleted` / 404 `not_found`
  for delete, 400 mapper_parsing_exception for a source line that is not a JSON object.
  `errors` is true when any item failed.
- Bodies over `max_content_length` (default 100mb, as `http.max_content_length`) get 413.

Faults for tests, set with `POST /_test/faults` (JSON, every key optional):
  reject_requests: N  the next N bulk requests get 429 es_rejected_execution_exception
  server_errors: N    the next N bulk requests get 503 (cluster_block / unavailable)
  reject_items: N     the next N items get a 429 es_rejected_execution_exception item
  fail_field: "f"     documents with a top-level field "f" get a 400 mapper_parsing_exception item
  delay: S            sleep S seconds before answering each bulk request (client timeouts)
  max_content_length: bytes
Inspection: `GET /_test/docs` (every stored document: {index: {id: source}}),
`GET /_test/stats` (request and item counters, and the most lines and bytes one bulk body
held), `GET /<index>/_count`.

Usage: es_bulk_server.py [--port N] [--fast]. Prints `{"port": N}` on stdout once listening.
`--fast` stores nothing and answers every item 201 without parsing sources (for benchmarks).
"""

import argparse
import base64
import gzip
import json
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOCK = threading.Lock()
DOCS = {}  # index -> id -> (source, version)
STATS = {"requests": 0, "bulk_requests": 0, "items": 0, "item_errors": 0, "rejected_requests": 0,
         "max_request_lines": 0, "max_request_bytes": 0}
FAULTS = {"reject_requests": 0, "server_errors": 0, "reject_items": 0, "fail_field": None,
          "delay": 0.0, "max_content_length": 100 * 1024 * 1024}
SEQ = [0]
FAST = [False]


def es_error(etype, reason, status, **extra):
    cause = {"type": etype, "reason": reason}
    cause.update(extra)
    return {"error": {"root_cause": [cause], **cause}, "status": status}


def new_id():
    return base64.urlsafe_b64encode(os.urandom(15)).decode().rstrip("=")


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def reply(self, status, obj=None, raw=None):
        body = raw if raw is not None else (b"" if obj is None else json.dumps(obj, separators=(",", ":")).encode())
        self.send_response(status)
        self.send_header("X-elastic-product", "Elasticsearch")
        if body:
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def read_body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def do_GET(self):
        with LOCK:
            STATS["requests"] += 1
        path = self.path.split("?")[0]
        if path == "/":
            return self.reply(200, {"name": "es-bulk-test-server", "cluster_name": "test",
                                    "version": {"number": "8.15.0"},
                                    "tagline": "This is a test server, not Elasticsearch"})
        if path == "/_test/docs":
            with LOCK:
                docs = {i: {k: v[0] for k, v in d.items()} for i, d in DOCS.items()}
            return self.reply(200, docs)
        if path == "/_test/stats":
            with LOCK:
                return self.reply(200, dict(STATS))
        if path.endswith("/_count"):
            index = path[1:-len("/_count")]
            with LOCK:
                n = len(DOCS.get(index, {}))
            return self.reply(200, {"count": n, "_shards": {"total": 1, "successful": 1, "skipped": 0, "failed": 0}})
        return self.reply(404, es_error("resource_not_found_exception", "no handler for " + path, 404))

    def do_PUT(self):
        return self.do_POST()

    def do_POST(self):
        with LOCK:
            STATS["requests"] += 1
        path = self.path.split("?")[0]
        if path == "/_test/faults":
            body = json.loads(self.read_body() or b"{}")
            with LOCK:
                FAULTS.update(body)
            return self.reply(200, {"acknowledged": True})
        if not (path == "/_bulk" or path.endswith("/_bulk")):
            self.read_body()
            return self.reply(404, es_error("resource_not_found_exception", "no handler for " + path, 404))
        path_index = path[1:-len("/_bulk")] or None
        length = int(self.headers.get("Content-Length") or 0)
        with LOCK:
            limit = FAULTS["max_content_length"]
        if length > limit:
            # Elasticsearch answers an oversized body before reading it, and closes.
            self.close_connection = True
            self.send_response(413)
            self.send_header("Content-Length", "0")
            self.send_header("Connection", "close")
            self.end_headers()
            return
        body = self.rfile.read(length) if length else b""
        ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip()
        if ctype not in ("application/x-ndjson", "application/json"):
            return self.reply(406, {"error": "Content-Type header [%s] is not supported" % ctype, "status": 406})
        if (self.headers.get("Content-Encoding") or "").lower() == "gzip":
            try:
                body = gzip.decompress(body)
            except Exception as e:  # noqa: BLE001 - any corrupt body is a 400
                return self.reply(400, es_error("parse_exception", "bad gzip body: %s" % e, 400))
        with LOCK:
            STATS["bulk_requests"] += 1
            # The largest request seen (decompressed), for tests of the client's batching.
            STATS["max_request_lines"] = max(STATS["max_request_lines"], body.count(b"\n"))
            STATS["max_request_bytes"] = max(STATS["max_request_bytes"], len(body))
            delay = FAULTS["delay"]
            if FAULTS["reject_requests"] > 0:
                FAULTS["reject_requests"] -= 1
                STATS["rejected_requests"] += 1
                reject = 429
            elif FAULTS["server_errors"] > 0:
                FAULTS["server_errors"] -= 1
                STATS["rejected_requests"] += 1
                reject = 503
            else:
                reject = 0
        if delay:
            time.sleep(delay)
        if reject == 429:
            return self.reply(429, es_error(
                "es_rejected_execution_exception",
                "rejected execution of coordinating operation [coordinating_and_primary_bytes=0, "
                "replica_bytes=0, all_bytes=0, coordinating_operation_bytes=%d, max_coordinating_and_primary_bytes=0]" % length,
                429))
        if reject == 503:
            return self.reply(503, es_error("cluster_block_exception",
                                            "blocked by: [SERVICE_UNAVAILABLE/2/no master];", 503))
        if body and not body.endswith(b"\n"):
            return self.reply(400, es_error("illegal_argument_exception",
                                            "The bulk request must be terminated by a newline [\\n]", 400))
        if FAST[0]:
            return self.fast(body)
        return self.bulk(body, path_index)

    def fast(self, body):
        lines = body.count(b"\n")
        n = lines // 2 if lines else 0
        with LOCK:
            STATS["items"] += n
        item = b'{"index":{"_index":"bench","_id":"x","_version":1,"result":"created","status":201}}'
        raw = b'{"took":1,"errors":false,"items":[' + b",".join([item] * n) + b"]}"
        return self.reply(200, raw=raw)

    def bulk(self, body, path_index):
        lines = body.split(b"\n")[:-1] if body else []
        ops = []
        i = 0
        while i < len(lines):
            line_no = i + 1
            try:
                action = json.loads(lines[i])
            except ValueError:
                return self.reply(400, es_error(
                    "x_content_parse_exception",
                    "[%d:1] Malformed action/metadata line [%d], expected START_OBJECT" % (line_no, line_no), 400))
            if not isinstance(action, dict) or len(action) != 1:
                return self.reply(400, es_error(
                    "illegal_argument_exception",
                    "Malformed action/metadata line [%d], expected START_OBJECT or END_OBJECT" % line_no, 400))
            (kind, meta), = action.items()
            if kind not in ("index", "create", "update", "delete"):
                return self.reply(400, es_error(
                    "illegal_argument_exception",
                    "Malformed action/metadata line [%d], expected field [create], [delete], [index] or "
                    "[update] but found [%s]" % (line_no, kind), 400))
            if not isinstance(meta, dict):
                return self.reply(400, es_error(
                    "illegal_argument_exception",
                    "Malformed action/metadata line [%d], expected a simple value for field [%s]" % (line_no, kind), 400))
            source = None
            if kind != "delete":
                i += 1
                if i >= len(lines):
                    return self.reply(400, es_error("illegal_argument_exception",
                                                    "The bulk request must be terminated by a newline [\\n]", 400))
                source = lines[i]
            index = meta.get("_index") or path_index
            if not index:
                return self.reply(400, es_error("action_request_validation_exception",
                                                "Validation Failed: 1: index is missing;", 400))
            ops.append((kind, meta, index, source))
            i += 1
        start = time.time()
        items = []
        errors = False
        with LOCK:
            for kind, meta, index, source in ops:
                item = self.apply(kind, meta, index, source)
                if "error" in item:
                    errors = True
                    STATS["item_errors"] += 1
                STATS["items"] += 1
                items.append({kind: item})
        took = int((time.time() - start) * 1000)
        return self.reply(200, {"took": took, "errors": errors, "items": items})

    def apply(self, kind, meta, index, source):
        """One action, under LOCK. Returns the item body."""
        docs = DOCS.setdefault(index, {})
        doc_id = meta.get("_id")
        if doc_id is not None:
            doc_id = str(doc_id)
        base = {"_index": index, "_id": doc_id}
        if FAULTS["reject_items"] > 0:
            FAULTS["reject_items"] -= 1
            return {**base, "status": 429, "error": {
                "type": "es_rejected_execution_exception",
                "reason": "rejected execution of primary operation [shard_detail=[%s][0][node]]" % index}}
        parsed = None
        if source is not None:
            try:
                parsed = json.loads(source)
            except ValueError as e:
                parsed = e
            if not isinstance(parsed, dict):
                return {**base, "status": 400, "error": {
                    "type": "mapper_parsing_exception", "reason": "failed to parse",
                    "caused_by": {"type": "not_x_content_exception",
                                  "reason": "Compressor detection can only be called on some xcontent bytes"}}}
            ff = FAULTS["fail_field"]
            if ff and ff in parsed and kind != "update":
                return {**base, "status": 400, "error": {
                    "type": "mapper_parsing_exception",
                    "reason": "failed to parse field [%s] of type [long] in document with id '%s'" % (ff, doc_id)}}
        SEQ[0] += 1
        ok = {"_shards": {"total": 2, "successful": 1, "failed": 0}, "_seq_no": SEQ[0], "_primary_term": 1}
        if kind in ("index", "create"):
            if doc_id is None:
                doc_id = new_id()
                base["_id"] = doc_id
            if doc_id in docs and kind == "create":
                return {**base, "status": 409, "error": {
                    "type": "version_conflict_engine_exception",
                    "reason": "[%s]: version conflict, document already exists (current version [%d])"
                              % (doc_id, docs[doc_id][1])}}
            version = docs[doc_id][1] + 1 if doc_id in docs else 1
            result = "updated" if doc_id in docs else "created"
            docs[doc_id] = (parsed, version)
            return {**base, "_version": version, "result": result, **ok,
                    "status": 200 if result == "updated" else 201}
        if kind == "update":
            if doc_id is None or doc_id not in docs:
                return {**base, "status": 404, "error": {
                    "type": "document_missing_exception",
                    "reason": "[%s]: document missing" % doc_id}}
            partial = parsed.get("doc", {})
            merged = dict(docs[doc_id][0])
            merged.update(partial)
            version = docs[doc_id][1] + 1
            docs[doc_id] = (merged, version)
            return {**base, "_version": version, "result": "updated", **ok, "status": 200}
        # delete
        if doc_id in docs:
            version = docs[doc_id][1] + 1
            del docs[doc_id]
            return {**base, "_version": version, "result": "deleted", **ok, "status": 200}
        return {**base, "_version": 1, "result": "not_found", **ok, "status": 404}


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        # A client that timed out and closed is normal in the timeout tests.
        if isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            return
        super().handle_error(request, client_address)


def main():
    ap = argparse.ArgumentParser(description="Elasticsearch _bulk TEST server (not Elasticsearch)")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--fast", action="store_true")
    a = ap.parse_args()
    FAST[0] = a.fast
    srv = Server(("127.0.0.1", a.port), Handler)
    print(json.dumps({"port": srv.server_address[1]}), flush=True)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    sys.exit(main())
