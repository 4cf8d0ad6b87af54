#!/usr/bin/env python3
"""Transcribes the RFC 5424 cases of influxdata/go-syslog (v2.0.1) into rfc5424_cases.json.

Facts only: each case's input bytes, whether it is valid, and for valid ones the expected
fields (priority, version, timestamp in ns, header fields, structured data as
{id: {param: value}}, message). The Go test file itself is not part of this repository.

    apt-get download golang-github-influxdata-go-syslog-dev
    dpkg-deb -x golang-github-influxdata-go-syslog-dev_*.deb x
    python3 gen_rfc5424_cases.py \
        x/usr/share/gocode/src/github.com/influxdata/go-syslog/rfc5424/machine_test.go \
        > rfc5424_cases.json

The generated cases of the Go suite (every prefix of an incomplete timestamp, every length
of maximal header fields) are reproduced with fixed letters instead of random ones.
"""
import base64
import calendar
import datetime
import json
import re
import sys


def go_string(src, i):
    """Parses a Go string literal at src[i]; returns (bytes, end index)."""
    if src[i] == "`":
        j = src.index("`", i + 1)
        return src[i + 1 : j].encode(), j + 1
    assert src[i] == '"', src[i : i + 20]
    out = bytearray()
    j = i + 1
    simple = {"n": 10, "t": 9, "r": 13, '"': 34, "\\": 92, "'": 39, "a": 7, "b": 8, "f": 12, "v": 11}
    while src[j] != '"':
        c = src[j]
        if c != "\\":
            out += c.encode()
            j += 1
            continue
        e = src[j + 1]
        if e == "x":
            out.append(int(src[j + 2 : j + 4], 16))
            j += 4
        elif e == "u":
            out += chr(int(src[j + 2 : j + 6], 16)).encode()
            j += 6
        elif e == "U":
            out += chr(int(src[j + 2 : j + 10], 16)).encode()
            j += 10
        elif e in "01234567":
            out.append(int(src[j + 1 : j + 4], 8))
            j += 4
        else:
            out.append(simple[e])
            j += 2
    return bytes(out), j + 1


def ns(ts):
    m = re.fullmatch(r"(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)", ts)
    y, mo, d, h, mi, s, frac, off = m.groups()
    secs = calendar.timegm((int(y), int(mo), int(d), int(h), int(mi), int(s)))
    if off != "Z":
        sign = 1 if off[0] == "+" else -1
        secs -= sign * (int(off[1:3]) * 3600 + int(off[4:6]) * 60)
    return secs * 10**9 + (int((frac or "0").ljust(9, "0")[:9]))


def block(src, i):
    """The text of a {...} block starting at src[i] == '{', skipping string literals."""
    depth = 0
    j = i
    while True:
        c = src[j]
        if c in "\"`":
            _, j = go_string(src, j)
            continue
        if c == "/" and src[j + 1] == "/":
            j = src.index("\n", j)
            continue
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
            if depth == 0:
                return src[i : j + 1], j + 1
        j += 1


def message(text):
    if text.strip() == "nil":
        return None
    out = {}
    for key in ("priority", "facility", "severity"):
        m = re.search(key + r":\s*syslogtesting\.Uint8Address\((\d+)\)", text)
        if m:
            out[key] = int(m.group(1))
    m = re.search(r"version:\s*(\d+)", text)
    out["version"] = int(m.group(1)) if m else 0
    m = re.search(r'timestamp:\s*syslogtesting\.TimeParse\(RFC3339MICRO, "([^"]+)"\)', text)
    if m:
        out["timestamp"] = ns(m.group(1))
    for key, name in (("hostname", "hostname"), ("appname", "appname"), ("procID", "procid"),
                      ("msgID", "msgid"), ("message", "msg")):
        m = re.search(r"\b" + key + r":\s*syslogtesting\.StringAddress\(", text)
        if m:
            v, _ = go_string(text, m.end())
            out[name] = v.decode()
    m = re.search(r"structuredData:\s*&map\[string\]map\[string\]string", text)
    if m:
        sd_text, _ = block(text, text.index("{", m.end()))
        sd = {}
        j = 1
        while True:
            k = re.compile(r'[`"]').search(sd_text, j)
            if not k:
                break
            sd_id, j = go_string(sd_text, k.start())
            params_text, j = block(sd_text, sd_text.index("{", j))
            params = {}
            p = 1
            while True:
                q = re.compile(r'[`"]').search(params_text, p)
                if not q:
                    break
                name, p = go_string(params_text, q.start())
                r = re.compile(r'[`"]').search(params_text, p)
                value, p = go_string(params_text, r.start())
                params[name.decode()] = value.decode()
            sd[sd_id.decode()] = params
        out["structured_data"] = sd
    return out


def strip_comments(src):
    """Drops // comments outside string literals (some cases are commented out)."""
    out = []
    j = 0
    while j < len(src):
        c = src[j]
        if c in "\"`":
            _, k = go_string(src, j)
            out.append(src[j:k])
            j = k
        elif src.startswith("//", j):
            j = src.index("\n", j)
        else:
            out.append(c)
            j += 1
    return "".join(out)


def cases(src):
    src = strip_comments(src)
    start = src.index("var testCases = []testCase{")
    body, _ = block(src, src.index("{", start + len("var testCases = []testCase")))
    i = 1
    while True:
        k = body.find("{", i)
        if k < 0:
            break
        entry, i = block(body, k)
        m = re.search(r"\[\]byte\(", entry)
        raw, j = go_string(entry, m.end())
        rest = entry[j:]
        valid = re.search(r"\b(true|false)\b", rest).group(1) == "true"
        err = re.search(r"fmt\.Sprintf\((Err\w+)\+ColumnPositionTemplate", rest)
        value_text = ""
        vm = re.search(r"(?:true|false),\s*(nil|&SyslogMessage\{)", rest)
        if vm.group(1) != "nil":
            value_text, _ = block(rest, rest.index("{", vm.start(1)))
        yield raw, valid, message(value_text) if valid else None, err.group(1) if err else None


def generated():
    ts = b"2003-11-02T23:12:46.012345"
    for n in range(1, len(ts) + 1):
        yield b"<1>1 " + ts[:n], False, None, "ErrTimestamp"
    letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
    for part, (name, size) in enumerate((("hostname", 255), ("appname", 48), ("procid", 128), ("msgid", 32))):
        value = (letters * 6)[:size]
        for n in (1, 2, size // 2, size - 1, size):
            fields = ["-"] * 4
            fields[part] = value[:n]
            pri, ver = (n * 7) % 9, (n % 8) + 1
            raw = f"<{pri}>{ver} - {' '.join(fields)} -".encode()
            expect = {"priority": pri, "facility": pri // 8, "severity": pri % 8, "version": ver, name: value[:n]}
            yield raw, True, expect, None
        fields = ["-"] * 4
        fields[part] = value + "x"
        yield f"<1>1 - {' '.join(fields)} -".encode(), False, None, "Err" + name


def main():
    src = open(sys.argv[1], encoding="utf-8").read()
    out = []
    for raw, valid, expect, err in list(cases(src)) + list(generated()):
        try:
            text = {"text": raw.decode("utf-8")}
        except UnicodeDecodeError:
            text = {"base64": base64.b64encode(raw).decode()}
        case = dict(text, valid=valid)
        if expect is not None:
            case["expect"] = expect
        if err:
            case["go_error"] = err
        out.append(case)
    json.dump(out, sys.stdout, ensure_ascii=False, indent=0)
    sys.stdout.write("\n")


main()
