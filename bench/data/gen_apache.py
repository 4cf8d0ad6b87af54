#!/usr/bin/env python3
"""Writes apache_combined.log: a fixed corpus of realistic Apache combined-format access lines.

Deterministic (fixed seed) so that bench numbers are comparable across runs. Run from this
directory: python3 gen_apache.py > apache_combined.log
"""
import random

random.seed(20261101)
ips = (
    [f"{random.randint(1,223)}.{random.randint(0,255)}.{random.randint(0,255)}.{random.randint(1,254)}" for _ in range(60)]
    + ["2001:db8::1", "2001:db8:85a3::8a2e:370:7334", "fe80::1ff:fe23:4567:890a"]
    + ["crawl-66-249-73-135.googlebot.com", "proxy1.example.net", "host-42.isp.example"]
)
users = ["-"] * 12 + ["frank", "alice", "bob@example.com", "svc_backup"]
methods = ["GET"] * 14 + ["POST"] * 3 + ["HEAD", "PUT", "DELETE", "OPTIONS"]
paths = [
    "/", "/index.html", "/favicon.ico", "/robots.txt", "/apache_pb.gif", "/css/site.min.css",
    "/js/app.3f9a1c.js", "/images/logo.png", "/api/v1/items", "/api/v1/items/7731",
    "/api/v1/search?q=sluice&page=2", "/blog/2015/05/17/logstash-monitorama.html",
    "/presentations/logstash-monitorama-2013/images/kibana-search.png",
    "/downloads/sluice-0.1.0-x86_64.tar.gz", "/wp-login.php", "/login?next=%2Fadmin%2F",
    "/static/fonts/inter-var.woff2", "/feed.xml", "/health", "/metrics",
]
statuses = [200] * 20 + [301, 302, 304, 304, 400, 401, 403, 404, 404, 500, 502, 503]
refs = ["-"] * 6 + [
    "http://www.example.com/start.html", "https://www.google.com/", "https://duckduckgo.com/?q=sluice",
    "http://semicomplete.com/presentations/logstash-monitorama-2013/", "https://news.ycombinator.com/item?id=1",
]
agents = [
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_9_1) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/32.0.1700.77 Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:121.0) Gecko/20100101 Firefox/121.0",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "curl/8.5.0", "Wget/1.21.4", "Prometheus/2.48.0", "-", "Mozilla/4.08 [en] (Win98; I ;Nav)",
]
months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
for i in range(1000):
    ts = f"{random.randint(1,28):02d}/{random.choice(months)}/20{random.randint(10,25)}:{random.randint(0,23):02d}:{random.randint(0,59):02d}:{random.randint(0,59):02d} {random.choice(['+0000', '-0700', '+0100', '+0530'])}"
    if random.random() < 0.02:
        req = "-"
    else:
        req = f"{random.choice(methods)} {random.choice(paths)} HTTP/{random.choice(['1.0', '1.1', '1.1', '2.0'])}"
    status = random.choice(statuses)
    size = "-" if status in (304,) or random.random() < 0.03 else str(random.randint(0, 250000))
    print(f'{random.choice(ips)} - {random.choice(users)} [{ts}] "{req}" {status} {size} "{random.choice(refs)}" "{random.choice(agents)}"')
