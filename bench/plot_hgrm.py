#!/usr/bin/env python3
"""Draws latency-by-percentile curves from HdrHistogram percentile text (`.hgrm`) as SVG.

Standard library only, so anyone can redraw a committed run. The x axis is the usual
HdrHistogram one: 1/(1-percentile) on a log scale, so p50, p90, p99, p99.9 ... are evenly
spaced and the tail is visible; the y axis is latency in microseconds on a log scale.

usage: bench/plot_hgrm.py OUT.svg [--title TEXT] LABEL=FILE.hgrm [LABEL=FILE.hgrm ...]

The .hgrm files are what the blackhole sink writes (`hgrm = "..."`), values in milliseconds.
"""
import math
import sys

COLOURS = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf"]
W, H = 820, 500
LEFT, RIGHT, TOP, BOTTOM = 80, 190, 50, 60


def read_hgrm(path):
    """(percentile, value in µs) pairs, in file order, and the max in µs."""
    points, mx = [], None
    with open(path) as f:
        for line in f:
            s = line.strip()
            if s.startswith("#[Max"):
                try:
                    mx = float(s.split("=")[1].split(",")[0]) * 1000.0
                except (IndexError, ValueError):
                    pass
                continue
            cols = s.split()
            if len(cols) < 3 or s.startswith("#"):
                continue
            try:
                value, pct = float(cols[0]), float(cols[1])
            except ValueError:
                continue
            points.append((pct, value * 1000.0))
    return points, mx


def x_of(pct, x_max):
    """Position of a percentile on the 1/(1-p) log axis, 0..1."""
    inv = 1.0 / max(1.0 - pct, 10.0 ** -x_max)
    return math.log10(inv) / x_max


def main(argv):
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    out, rest, title = argv[0], argv[1:], "ingest-to-sink latency by percentile"
    series = []
    i = 0
    while i < len(rest):
        if rest[i] == "--title" and i + 1 < len(rest):
            title = rest[i + 1]
            i += 2
            continue
        label, _, path = rest[i].partition("=")
        if not path:
            label, path = rest[i], rest[i]
        pts, mx = read_hgrm(path)
        if pts:
            series.append((label, pts, mx))
        i += 1
    if not series:
        print("plot_hgrm: no data points in the given files", file=sys.stderr)
        return 1
    # x axis up to the deepest percentile any file reaches (at least 99.99%).
    deepest = max(p for _, pts, _ in series for p, _ in pts if p < 1.0)
    x_max = max(4, math.ceil(-math.log10(max(1.0 - deepest, 1e-7))))
    vals = [v for _, pts, _ in series for _, v in pts if v > 0]
    y_lo = 10 ** math.floor(math.log10(min(vals)))
    y_hi = 10 ** math.ceil(math.log10(max(vals)))
    if y_hi <= y_lo:
        y_hi = y_lo * 10
    pw, ph = W - LEFT - RIGHT, H - TOP - BOTTOM

    def px(pct):
        return LEFT + x_of(pct, x_max) * pw

    def py(v):
        v = max(v, y_lo)
        return TOP + ph - (math.log10(v) - math.log10(y_lo)) / (math.log10(y_hi) - math.log10(y_lo)) * ph

    o = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" font-family="sans-serif" font-size="12">',
         f'<rect width="{W}" height="{H}" fill="white"/>',
         f'<text x="{LEFT + pw / 2}" y="25" text-anchor="middle" font-size="15">{esc(title)}</text>']
    for k in range(0, x_max + 1):
        pct = 1.0 - 10.0 ** -k
        x = px(pct)
        name = "0%" if k == 0 else f"{100 * pct:.{max(k - 2, 0)}f}%"
        o.append(f'<line x1="{x:.1f}" y1="{TOP}" x2="{x:.1f}" y2="{TOP + ph}" stroke="#ddd"/>')
        o.append(f'<text x="{x:.1f}" y="{TOP + ph + 18}" text-anchor="middle">{name}</text>')
    decade = y_lo
    while decade <= y_hi * 1.0001:
        for m in (1, 2, 5):
            v = decade * m
            if v > y_hi * 1.0001:
                break
            y = py(v)
            o.append(f'<line x1="{LEFT}" y1="{y:.1f}" x2="{LEFT + pw}" y2="{y:.1f}" stroke="{"#ccc" if m == 1 else "#eee"}"/>')
            o.append(f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">{fmt_us(v)}</text>')
        decade *= 10
    o.append(f'<rect x="{LEFT}" y="{TOP}" width="{pw}" height="{ph}" fill="none" stroke="#333"/>')
    o.append(f'<text x="{LEFT + pw / 2}" y="{H - 15}" text-anchor="middle">percentile</text>')
    o.append(f'<text transform="translate(18,{TOP + ph / 2}) rotate(-90)" text-anchor="middle">latency (log scale)</text>')
    for n, (label, pts, mx) in enumerate(series):
        c = COLOURS[n % len(COLOURS)]
        path = " ".join(f"{px(p):.1f},{py(v):.1f}" for p, v in pts if p < 1.0)
        o.append(f'<polyline fill="none" stroke="{c}" stroke-width="1.8" points="{path}"/>')
        ly = TOP + 10 + 36 * n
        o.append(f'<line x1="{LEFT + pw + 12}" y1="{ly}" x2="{LEFT + pw + 32}" y2="{ly}" stroke="{c}" stroke-width="3"/>')
        o.append(f'<text x="{LEFT + pw + 38}" y="{ly + 4}">{esc(label)}</text>')
        p99 = at(pts, 0.99)
        tail = f"p99 {fmt_us(p99)}" + (f", max {fmt_us(mx)}" if mx else "")
        o.append(f'<text x="{LEFT + pw + 38}" y="{ly + 18}" font-size="10" fill="#555">{tail}</text>')
    o.append("</svg>")
    with open(out, "w") as f:
        f.write("\n".join(o) + "\n")
    return 0


def at(pts, q):
    """The first value at or past percentile q."""
    for p, v in pts:
        if p >= q:
            return v
    return pts[-1][1]


def fmt_us(v):
    if v >= 1000:
        return f"{v / 1000:g} ms"
    return f"{v:g} µs"


def esc(s):
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
