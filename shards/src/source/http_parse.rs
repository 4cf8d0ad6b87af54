//! HTTP/1.1 on the server side, I/O-free: the request head (parsed by `httparse`), its query
//! string, chunked bodies, JSON array bodies and the responses. The connection task in
//! `http.rs` feeds it bytes.

use sluice_script::{Record, Value};

/// Most headers a request may carry (431 past it).
pub(crate) const MAX_HEADERS: usize = 100;

/// A request head, owned (the connection's buffer is reused for the body).
#[derive(Debug, Default)]
pub(crate) struct Head {
    pub(crate) method: String,
    pub(crate) path: String,
    pub(crate) query: Vec<(String, String)>,
    /// HTTP/1.0 (`false`) or 1.1.
    pub(crate) http11: bool,
    /// Header names lower-cased, values as text (lossy).
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) content_length: Option<usize>,
    pub(crate) chunked: bool,
    pub(crate) expect_continue: bool,
    pub(crate) keep_alive: bool,
    pub(crate) encoding: Option<String>,
}

/// Why a head was refused, with the status to answer.
#[derive(Debug)]
pub(crate) struct Refusal {
    pub(crate) status: u16,
    pub(crate) message: String,
}

fn refuse(status: u16, message: impl Into<String>) -> Refusal {
    Refusal {
        status,
        message: message.into(),
    }
}

impl Head {
    /// Parses a head out of `buf`: `Ok(None)` while it is incomplete, `Ok(Some((head,
    /// length)))` once it is whole.
    pub(crate) fn parse(buf: &[u8]) -> Result<Option<(Head, usize)>, Refusal> {
        let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
        let mut req = httparse::Request::new(&mut headers);
        let len = match req.parse(buf) {
            Ok(httparse::Status::Complete(n)) => n,
            Ok(httparse::Status::Partial) => return Ok(None),
            Err(httparse::Error::TooManyHeaders) => {
                return Err(refuse(431, format!("more than {MAX_HEADERS} headers")))
            }
            Err(e) => return Err(refuse(400, format!("malformed request: {e}"))),
        };
        let target = req.path.unwrap_or("/");
        let (path, query) = match target.split_once('?') {
            Some((p, q)) => (p, q),
            None => (target, ""),
        };
        let mut head = Head {
            method: req.method.unwrap_or("").to_string(),
            path: percent_decode(path, false),
            query: parse_query(query),
            http11: req.version == Some(1),
            ..Head::default()
        };
        head.keep_alive = head.http11;
        let mut te_seen = false;
        for h in req.headers.iter() {
            let name = h.name.to_ascii_lowercase();
            let value = String::from_utf8_lossy(h.value).trim().to_string();
            match name.as_str() {
                "content-length" => {
                    let n: usize = value
                        .parse()
                        .map_err(|_| refuse(400, format!("bad Content-Length `{value}`")))?;
                    if head.content_length.is_some_and(|m| m != n) {
                        return Err(refuse(400, "conflicting Content-Length headers"));
                    }
                    head.content_length = Some(n);
                }
                "transfer-encoding" => {
                    te_seen = true;
                    let last = value.rsplit(',').next().unwrap_or("").trim();
                    if !last.eq_ignore_ascii_case("chunked") {
                        return Err(refuse(501, format!("Transfer-Encoding `{value}`")));
                    }
                    head.chunked = true;
                }
                "connection" => {
                    for t in value.split(',').map(str::trim) {
                        if t.eq_ignore_ascii_case("close") {
                            head.keep_alive = false;
                        } else if t.eq_ignore_ascii_case("keep-alive") {
                            head.keep_alive = true;
                        }
                    }
                }
                "expect" => head.expect_continue = value.eq_ignore_ascii_case("100-continue"),
                "content-encoding" => {
                    let v = value.to_ascii_lowercase();
                    if v != "identity" && !v.is_empty() {
                        head.encoding = Some(v);
                    }
                }
                _ => {}
            }
            head.headers.push((name, value));
        }
        // RFC 9112 6.3: both framings at once is how requests get smuggled; refuse it.
        if te_seen && head.content_length.is_some() {
            return Err(refuse(
                400,
                "both Transfer-Encoding and Content-Length are set",
            ));
        }
        Ok(Some((head, len)))
    }

    /// The first value of query parameter `k`.
    pub(crate) fn param(&self, k: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.as_str())
    }

    /// `$http`: method, path, query, headers and the peer's address.
    pub(crate) fn meta(&self, peer: &str) -> Value<'static> {
        let query: Record<'static> = self
            .query
            .iter()
            .map(|(k, v)| (k.clone(), Value::from(v.clone())))
            .collect();
        let headers: Record<'static> = self
            .headers
            .iter()
            .map(|(k, v)| (k.clone(), Value::from(v.clone())))
            .collect();
        let mut r = Record::with_capacity(5);
        r.push_unique("method", Value::from(self.method.clone()));
        r.push_unique("path", Value::from(self.path.clone()));
        r.push_unique("query", Value::Record(query));
        r.push_unique("headers", Value::Record(headers));
        r.push_unique("peer", Value::from(peer.to_string()));
        Value::Record(r)
    }
}

fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// `%XX` decoding (and `+` as space in query strings); bad escapes stay as written.
pub(crate) fn percent_decode(s: &str, plus: bool) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' if i + 2 < b.len() => match (hex(b[i + 1]), hex(b[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push(h * 16 + l);
                    i += 3;
                    continue;
                }
                _ => out.push(b'%'),
            },
            b'+' if plus => out.push(b' '),
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn parse_query(q: &str) -> Vec<(String, String)> {
    q.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (percent_decode(k, true), percent_decode(v, true))
        })
        .collect()
}

/// Decodes a chunked body incrementally: feed it what arrived, it appends the payload to
/// `out` and says how much input it used.
#[derive(Debug, Default)]
pub(crate) struct Chunked {
    /// Payload bytes left in the current chunk, then its CRLF (2).
    left: usize,
    state: ChunkState,
}

#[derive(Debug, Default, PartialEq, Eq)]
enum ChunkState {
    #[default]
    Size,
    Data,
    DataEnd,
    Trailers,
    Done,
}

/// What [`Chunked::feed`] needs next.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum ChunkStep {
    /// More input (after consuming the count given).
    More(usize),
    /// The body ended (after consuming the count given).
    Done(usize),
}

impl Chunked {
    /// Consumes from `input`, appending payload to `out` while it stays within `max`.
    ///
    /// # Errors
    /// A malformed chunk (400) or a body past `max` (413).
    pub(crate) fn feed(
        &mut self,
        input: &[u8],
        out: &mut Vec<u8>,
        max: usize,
    ) -> Result<ChunkStep, Refusal> {
        let mut pos = 0;
        loop {
            match self.state {
                ChunkState::Size => match httparse::parse_chunk_size(&input[pos..]) {
                    Ok(httparse::Status::Complete((n, size))) => {
                        pos += n;
                        let size = usize::try_from(size).unwrap_or(usize::MAX);
                        if size == 0 {
                            self.state = ChunkState::Trailers;
                        } else {
                            if out.len().saturating_add(size) > max {
                                return Err(refuse(413, format!("body over {max} bytes")));
                            }
                            self.left = size;
                            self.state = ChunkState::Data;
                        }
                    }
                    Ok(httparse::Status::Partial) => {
                        if input.len() - pos > 1024 {
                            return Err(refuse(400, "chunk size line too long"));
                        }
                        return Ok(ChunkStep::More(pos));
                    }
                    Err(_) => return Err(refuse(400, "malformed chunk size")),
                },
                ChunkState::Data => {
                    let take = self.left.min(input.len() - pos);
                    out.extend_from_slice(&input[pos..pos + take]);
                    pos += take;
                    self.left -= take;
                    if self.left > 0 {
                        return Ok(ChunkStep::More(pos));
                    }
                    self.state = ChunkState::DataEnd;
                }
                ChunkState::DataEnd => {
                    if input.len() - pos < 2 {
                        return Ok(ChunkStep::More(pos));
                    }
                    if &input[pos..pos + 2] != b"\r\n" {
                        return Err(refuse(400, "chunk data not followed by CRLF"));
                    }
                    pos += 2;
                    self.state = ChunkState::Size;
                }
                ChunkState::Trailers => {
                    // Trailer lines until an empty one; their content is ignored.
                    let rest = &input[pos..];
                    match memchr::memmem::find(rest, b"\r\n") {
                        Some(0) => {
                            pos += 2;
                            self.state = ChunkState::Done;
                        }
                        Some(n) => pos += n + 2,
                        None => {
                            if rest.len() > 8192 {
                                return Err(refuse(400, "trailers too long"));
                            }
                            return Ok(ChunkStep::More(pos));
                        }
                    }
                }
                ChunkState::Done => return Ok(ChunkStep::Done(pos)),
            }
        }
    }
}

/// The elements of a body that is one JSON array, as byte ranges (`None` when the body is
/// not a single array: it is then read as NDJSON). Strings and nesting are tracked, nothing
/// is validated: each element is decoded as an event afterwards. Linear in the body.
pub(crate) fn json_array_elements(body: &[u8]) -> Option<Vec<(usize, usize)>> {
    let ws = |b: u8| matches!(b, b' ' | b'\t' | b'\r' | b'\n');
    let start = body.iter().position(|b| !ws(*b))?;
    if body[start] != b'[' {
        return None;
    }
    let mut out = Vec::new();
    let mut depth = 0usize;
    let mut in_str = false;
    let mut esc = false;
    let mut elem: Option<usize> = None;
    let mut i = start + 1;
    while i < body.len() {
        let b = body[i];
        if in_str {
            if esc {
                esc = false;
            } else if b == b'\\' {
                esc = true;
            } else if b == b'"' {
                in_str = false;
            }
            i += 1;
            continue;
        }
        match b {
            b'"' => {
                in_str = true;
                elem.get_or_insert(i);
            }
            b'[' | b'{' => {
                depth += 1;
                elem.get_or_insert(i);
            }
            b']' | b'}' if depth > 0 => depth -= 1,
            b',' if depth == 0 => {
                let s = elem.take()?;
                out.push((s, trim_end(body, s, i)));
            }
            b']' => {
                if let Some(s) = elem.take() {
                    out.push((s, trim_end(body, s, i)));
                } else if !out.is_empty() {
                    return None; // `[1,]`
                }
                return body[i + 1..].iter().all(|b| ws(*b)).then_some(out);
            }
            c if ws(c) => {}
            _ => {
                elem.get_or_insert(i);
            }
        }
        i += 1;
    }
    None
}

fn trim_end(body: &[u8], s: usize, mut e: usize) -> usize {
    while e > s && matches!(body[e - 1], b' ' | b'\t' | b'\r' | b'\n') {
        e -= 1;
    }
    e
}

/// The reason phrase of a status this server sends.
pub(crate) fn reason(status: u16) -> &'static str {
    match status {
        100 => "Continue",
        200 => "OK",
        204 => "No Content",
        400 => "Bad Request",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        411 => "Length Required",
        413 => "Payload Too Large",
        415 => "Unsupported Media Type",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        501 => "Not Implemented",
        503 => "Service Unavailable",
        _ => "Error",
    }
}

/// Appends a whole response to `out`.
pub(crate) fn response(
    out: &mut Vec<u8>,
    status: u16,
    extra: &[(&str, &str)],
    body: &[u8],
    close: bool,
) {
    use std::io::Write as _;
    let _ = write!(out, "HTTP/1.1 {status} {}\r\n", reason(status));
    for (k, v) in extra {
        let _ = write!(out, "{k}: {v}\r\n");
    }
    if !body.is_empty() {
        out.extend_from_slice(b"Content-Type: application/json; charset=utf-8\r\n");
    }
    if status != 204 {
        let _ = write!(out, "Content-Length: {}\r\n", body.len());
    }
    if close {
        out.extend_from_slice(b"Connection: close\r\n");
    }
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(body);
}

/// `s` as a JSON string literal.
pub(crate) fn json_str(s: &str) -> String {
    let mut out = Vec::with_capacity(s.len() + 2);
    sluice_script::write_json_string(s, &mut out);
    String::from_utf8(out).unwrap_or_default()
}

/// Decompresses a body with `Content-Encoding` into `out`, at most `max` bytes.
pub(crate) fn inflate(
    encoding: &str,
    body: &[u8],
    max: usize,
    out: &mut Vec<u8>,
) -> Result<(), (u16, String)> {
    {
        let alg = match encoding {
            "gzip" | "x-gzip" => sluice_codecs::Algorithm::Gzip,
            "zstd" => sluice_codecs::Algorithm::Zstd,
            "deflate" => sluice_codecs::Algorithm::Zlib,
            other => {
                return Err((
                    415,
                    format!("Content-Encoding `{other}` is not supported (gzip, zstd, deflate)"),
                ))
            }
        };
        match sluice_codecs::decompress_into(alg, body, max, out) {
            Ok(()) => Ok(()),
            Err(sluice_codecs::Error::DecompressLimit { max, .. }) => Err((
                413,
                format!("request body over {max} bytes once decompressed"),
            )),
            Err(e) => Err((400, format!("bad {encoding} body: {e}"))),
        }
    }
}

/// Line splitting for line protocol bodies: lines as long as a whole body may be.
pub(crate) fn influx_chain(max_body: usize) -> sluice_codecs::PreprocessorChain {
    let sep = sluice_codecs::Separate::new(b'\n', max_body.max(1));
    sluice_codecs::PreprocessorChain::new(vec![sluice_codecs::Preprocessor::Separate(sep)])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heads_parse_with_query_and_framing() {
        let raw = b"POST /api/v2/write?bucket=b%20x&org=o&precision=ms HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nContent-Encoding: gzip\r\n\r\nhello";
        let (h, n) = Head::parse(raw).unwrap().unwrap();
        assert_eq!(n, raw.len() - 5);
        assert_eq!(h.path, "/api/v2/write");
        assert_eq!(h.param("bucket"), Some("b x"));
        assert_eq!(h.param("precision"), Some("ms"));
        assert_eq!(h.content_length, Some(5));
        assert_eq!(h.encoding.as_deref(), Some("gzip"));
        assert!(h.keep_alive);
        assert!(Head::parse(b"POST / HTTP/1.1\r\nHost: h\r\n")
            .unwrap()
            .is_none());
    }

    #[test]
    fn smuggling_shapes_are_refused() {
        let r = Head::parse(
            b"POST / HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n",
        );
        assert_eq!(r.unwrap_err().status, 400);
        let r = Head::parse(b"POST / HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n");
        assert_eq!(r.unwrap_err().status, 400);
        let r = Head::parse(b"GET / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n");
        assert_eq!(r.unwrap_err().status, 501);
        assert_eq!(
            Head::parse(b"\x01\x02 nonsense\r\n\r\n")
                .unwrap_err()
                .status,
            400
        );
    }

    #[test]
    fn chunked_bodies_decode_across_feeds() {
        let body = b"5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\nX-T: 1\r\n\r\nNEXT";
        for split in 0..body.len() {
            let mut c = Chunked::default();
            let mut out = Vec::new();
            let mut pending = body[..split].to_vec();
            let mut rest = &body[split..];
            let used = loop {
                match c.feed(&pending, &mut out, 100).unwrap() {
                    ChunkStep::Done(n) => break n,
                    ChunkStep::More(n) => {
                        pending.drain(..n);
                        if rest.is_empty() {
                            panic!("needs more at end");
                        }
                        pending.push(rest[0]);
                        rest = &rest[1..];
                    }
                }
            };
            assert_eq!(out, b"hello world", "split {split}");
            let mut left = pending[used..].to_vec();
            left.extend_from_slice(rest);
            assert_eq!(left, b"NEXT");
        }
        let mut c = Chunked::default();
        let e = c.feed(b"ff\r\n", &mut Vec::new(), 10).unwrap_err();
        assert_eq!(e.status, 413);
        let e = Chunked::default()
            .feed(b"zz\r\n", &mut Vec::new(), 10)
            .unwrap_err();
        assert_eq!(e.status, 400);
    }

    #[test]
    fn json_arrays_split_into_elements() {
        let b = br#" [ {"a":"x,]"}, [1,2] ,3, "s\"]" ] "#;
        let els: Vec<&[u8]> = json_array_elements(b)
            .unwrap()
            .into_iter()
            .map(|(s, e)| &b[s..e])
            .collect();
        assert_eq!(
            els,
            vec![&br#"{"a":"x,]"}"#[..], b"[1,2]", b"3", br#""s\"]""#]
        );
        assert_eq!(json_array_elements(b"[]"), Some(vec![]));
        assert_eq!(json_array_elements(b"{\"a\":1}\n"), None);
        assert_eq!(json_array_elements(b"[1]\n[2]\n"), None);
        assert_eq!(json_array_elements(b"[1,,2]"), None);
        assert_eq!(json_array_elements(b"[1,2"), None);
    }

    #[test]
    fn percent_decoding_keeps_bad_escapes() {
        assert_eq!(percent_decode("a%20b+c", true), "a b c");
        assert_eq!(percent_decode("a%2", false), "a%2");
        assert_eq!(percent_decode("%zz", false), "%zz");
    }
}
