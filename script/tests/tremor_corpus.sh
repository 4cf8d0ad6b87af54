#!/usr/bin/env bash
# Runs tremor's script test corpus through `sluice script run`, unmodified, and reports the
# pass rate. Not part of the test suite (tremor's files are not in this repository).
#
#   bash script/tests/tremor_corpus.sh /path/to/tremor-runtime/tests/scripts [SLUICE_BIN]
#
# Each `<case>/script.tremor` runs over `<case>/in` (or `in.xz`, decompressed first); the
# emitted values are compared with `<case>/out` (or `out.xz`) as parsed JSON values, line by
# line, in order, as tremor's `tests/script.rs` does (it serialises both sides with sorted
# keys, so key order does not matter and 1 differs from 1.0). A case passes when every event
# runs without error and the outputs match in number and value. `-v` lists every failure.
set -euo pipefail
corpus=${1:?usage: tremor_corpus.sh CORPUS_DIR [SLUICE_BIN] [-v]}
bin=${2:-target/debug/sluice}
verbose=${3:-}
exec python3 - "$corpus" "$bin" "$verbose" <<'PY'
import json, lzma, os, subprocess, sys, tempfile

corpus, binary, verbose = sys.argv[1], sys.argv[2], sys.argv[3] == "-v"

def strict(v):
    # tag numbers by kind so that 1 and 1.0 differ, as tremor's serialised comparison does
    if isinstance(v, bool) or v is None or isinstance(v, str):
        return v
    if isinstance(v, int):
        return ("i", v)
    if isinstance(v, float):
        return ("f", v)
    if isinstance(v, list):
        return [strict(x) for x in v]
    return {k: strict(x) for k, x in v.items()}

def read(case, name):
    p = os.path.join(case, name)
    if os.path.exists(p + ".xz"):
        return lzma.open(p + ".xz").read()
    with open(p, "rb") as f:
        return f.read()

def values(data):
    return [json.loads(l) for l in data.decode().splitlines() if l.strip()]

passed, failed = [], []
for name in sorted(os.listdir(corpus)):
    case = os.path.join(corpus, name)
    if not os.path.isfile(os.path.join(case, "script.tremor")):
        continue
    try:
        inp = read(case, "in")
        expected = values(read(case, "out"))
    except FileNotFoundError as e:
        failed.append((name, f"missing file: {e}"))
        continue
    with tempfile.NamedTemporaryFile(suffix=".json") as f:
        f.write(inp)
        f.flush()
        try:
            r = subprocess.run([binary, "script", "run", os.path.join(case, "script.tremor"), f.name],
                               capture_output=True, timeout=60)
        except subprocess.TimeoutExpired:
            failed.append((name, "timeout"))
            continue
    if r.returncode != 0:
        failed.append((name, f"exit {r.returncode}: {r.stderr.decode(errors='replace').strip()[:600]}"))
        continue
    try:
        got = values(r.stdout)
    except ValueError as e:
        failed.append((name, f"unparsable output: {e}"))
        continue
    if len(got) != len(expected):
        failed.append((name, f"{len(got)} values, expected {len(expected)}"))
        continue
    bad = [(i, g, e) for i, (g, e) in enumerate(zip(got, expected)) if strict(g) != strict(e)]
    if bad:
        i, g, e = bad[0]
        failed.append((name, f"value {i}: got {json.dumps(g)[:300]} expected {json.dumps(e)[:300]}"))
        continue
    passed.append(name)

total = len(passed) + len(failed)
for name, why in failed:
    print(f"FAIL {name}: {why}" if verbose else f"FAIL {name}")
print(f"passed {len(passed)}/{total} ({100.0 * len(passed) / max(total, 1):.1f}%)")
PY
