#!/usr/bin/env python3
"""Writes the input bytes of the bad-input cases (the other files of each case are written by
hand). Run from anywhere: `python3 tests/bad_input/gen.py`. Deterministic: re-running it gives
the same bytes."""
import gzip
import json
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))


def write(case, name, data):
    path = os.path.join(HERE, case, name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)


def u32(frame):
    return struct.pack(">I", len(frame)) + frame


def gz(data):
    # mtime=0: the same bytes on every run.
    return gzip.compress(data, compresslevel=9, mtime=0)


write("invalid_json", "input", b'{"a":1}\nnot json\n{"b":2}\n')
write("truncated_json", "input", b'{"a":1}\n{"b":[1,2')
write("json_not_utf8", "input", b'{"a":1}\n{"b":"\xff\xfe"}\n{"c":3}\n')
write("json_not_utf8", "bad_frame", b'{"b":"\xff\xfe"}')
write(
    "syslog_latin1",
    "input",
    b"<13>Jan  2 03:04:05 host app: caf\xe9 cr\xe8me\n"
    b"<13>1 2024-01-02T03:04:05Z host app - - - bytes \xff\xfe ok\n",
)
write("oversized_frame", "input", b'{"a":1}\n' + b'{"x":"' + b"y" * 200 + b'"}\n' + b'{"b":2}\n')
bad_gz = b"\x1f\x8b\x08\x00garbage, not deflate\xff"
write("bad_gzip", "input", u32(gz(b'{"a":1}')) + u32(bad_gz) + u32(gz(b'{"b":2}')))
write("bad_gzip", "bad_frame", bad_gz)
write("gzip_bomb", "input", u32(gz(b" " * (64 << 20))) + u32(gz(b'{"b":2}')))
fields = ",".join(f"f{i}={i}i" for i in range(80_000))
write("influx_80k_fields", "input", f"m,host=a {fields} 1\nm,host=b v=1i 2\n".encode())
write("deep_json_nesting", "input", b"[" * 100_000 + b"\n" + b'{"ok":true}\n')
write("nul_bytes", "input", b'{"a":"x"}\x00\x00{"b":1}\n{"c":2}\n')
write("nul_bytes", "bad_frame", b'{"a":"x"}\x00\x00{"b":1}')
write("csv_ragged_rows", "input", b"a,b,c\n1,2,3\n1,2\n1,2,3,4\n4,5,6\n")
write("csv_header_per_connection", "connections/0", b"a,b\n1,2\n")
write("csv_header_per_connection", "connections/1", b"x,y,z\n7,8,9\n")
msgpack_map = b"\x81\xa1a\x01"  # {"a": 1}
write(
    "msgpack_garbage",
    "input",
    u32(msgpack_map) + u32(b"\xc1\xff\x00") + u32(b"\x82\xa1a\x01") + u32(msgpack_map),
)
write("msgpack_garbage", "bad_frame_0", b"\xc1\xff\x00")
write("msgpack_garbage", "bad_frame_1", b"\x82\xa1a\x01")
gelf_id = b"\x01\x02\x03\x04\x05\x06\x07\x08"
write("gelf_bad_chunk", "datagrams/0", b"\x1e\x0f" + gelf_id + b"\x00\x00" + b'{"x":1}')
write("gelf_bad_chunk", "datagrams/1", b"\x1e\x0f" + gelf_id + b"\x05\x03" + b'{"x":1}')
write("gelf_bad_chunk", "datagrams/2", b"\x1e\x0f" + gelf_id[:3])
write(
    "gelf_bad_chunk",
    "datagrams/3",
    json.dumps({"version": "1.1", "host": "h", "short_message": "fine"}).encode(),
)
pretty = json.dumps({"a": 1, "b": [1, 2]}, indent=2).encode()
write("pretty_json_length_prefixed", "input", u32(pretty) + u32(b'{"c":3}') + u32(b'{"d":4}\n'))
write("pretty_json_udp", "datagrams/0", pretty)
write("pretty_json_udp", "datagrams/1", b'{"d":4}\n')
