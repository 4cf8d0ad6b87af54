#!/usr/bin/env python3
"""Writes bench/data/logs-64k.ndjson: 64 KiB of JSON log lines shaped like an HTTP service's
structured logs. Deterministic (fixed seed), so the committed file can be regenerated."""
import json, random, pathlib

rng = random.Random(20261129)
hosts = [f"web-{i:02d}.eu-west-1.internal" for i in range(12)]
paths = ["/api/v1/orders", "/api/v1/orders/{id}", "/api/v1/users/{id}", "/health",
         "/api/v2/search", "/static/app.js", "/api/v1/cart", "/login"]
agents = ["Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36",
          "curl/8.5.0", "okhttp/4.12.0", "Go-http-client/2.0",
          "Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148"]
levels = ["info"] * 8 + ["warn", "error", "debug"]
msgs = ["request completed", "upstream timeout, retrying", "cache miss", "user authenticated",
        "slow query detected", "payment provider returned 502", "rate limit applied"]
out, size, t = [], 0, 1764374400000
while True:
    t += rng.randint(1, 40)
    path = rng.choice(paths).replace("{id}", str(rng.randint(1, 999999)))
    rec = {
        "ts": f"2025-11-29T00:{(t // 60000) % 60:02d}:{(t // 1000) % 60:02d}.{t % 1000:03d}Z",
        "level": rng.choice(levels), "host": rng.choice(hosts), "service": "checkout",
        "msg": rng.choice(msgs), "method": rng.choice(["GET", "GET", "GET", "POST", "PUT"]),
        "path": path, "status": rng.choice([200] * 12 + [201, 204, 304, 400, 404, 500, 502]),
        "duration_ms": round(rng.lognormvariate(3, 1), 3), "bytes": rng.randint(120, 90000),
        "trace_id": "%032x" % rng.getrandbits(128), "user_agent": rng.choice(agents),
        "client_ip": f"10.{rng.randint(0,255)}.{rng.randint(0,255)}.{rng.randint(1,254)}",
    }
    line = json.dumps(rec, separators=(",", ":")) + "\n"
    if size + len(line) > 65536:
        break
    out.append(line)
    size += len(line)
pathlib.Path(__file__).with_name("logs-64k.ndjson").write_text("".join(out))
print(len(out), "lines,", size, "bytes")
