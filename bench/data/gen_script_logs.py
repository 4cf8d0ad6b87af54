# Generates script_logs.ndjson: 256 JSON log records of about 600 bytes each, with a fixed
# seed so the file is reproducible. Field mix follows typical service access/app logs.
import json, random
random.seed(20261129)
services = ["api", "auth", "billing", "search", "db", "frontend"]
levels = ["info"] * 14 + ["warn"] * 4 + ["error"] * 2 + ["debug"] * 2
paths = ["/v1/orders", "/v1/orders/{id}", "/v1/users/{id}", "/healthz", "/v2/search", "/v1/cart/items", "/login"]
msgs = ["request completed", "upstream timeout, retrying", "cache miss for key", "user authenticated",
        "payment declined by provider", "slow query detected", "connection reset by peer", "rate limit applied"]
out = []
for i in range(256):
    svc = random.choice(services)
    lvl = random.choice(levels)
    path = random.choice(paths).replace("{id}", str(random.randint(1000, 99999)))
    status = 500 if lvl == "error" else (429 if lvl == "warn" and random.random() < 0.5 else 200)
    rec = {
        "timestamp": "2026-11-29T%02d:%02d:%02d.%03dZ" % (random.randint(0, 23), random.randint(0, 59), random.randint(0, 59), random.randint(0, 999)),
        "level": lvl,
        "service": svc,
        "host": "%s-%d.prod.eu-west-1.internal" % (svc, random.randint(1, 40)),
        "message": "%s (attempt %d)" % (random.choice(msgs), random.randint(1, 3)),
        "request": {"id": "%032x" % random.getrandbits(128), "method": random.choice(["GET", "POST", "PUT", "DELETE"]),
                    "path": path, "status": status, "duration_ms": round(random.uniform(0.2, 900.0), 3),
                    "bytes_in": random.randint(0, 4096), "bytes_out": random.randint(0, 65536),
                    "user_agent": "Mozilla/5.0 (X11; Linux x86_64) client/%d.%d" % (random.randint(1, 9), random.randint(0, 30))},
        "user": {"id": random.randint(1, 10**6), "org": "org-%d" % random.randint(1, 500), "roles": random.sample(["viewer", "editor", "admin", "billing"], 2)},
        "trace_id": "%032x" % random.getrandbits(128),
        "span_id": "%016x" % random.getrandbits(64),
        "env": "production", "region": "eu-west-1", "version": "1.%d.%d" % (random.randint(0, 40), random.randint(0, 9)),
        "tags": random.sample(["edge", "canary", "blue", "green", "batch", "interactive"], 3),
    }
    out.append(json.dumps(rec, separators=(",", ":")))
open("script_logs.ndjson", "w").write("\n".join(out) + "\n")
sizes = [len(l) for l in out]
print(len(out), "records, mean", sum(sizes) / len(sizes), "bytes")
