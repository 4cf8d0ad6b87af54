//! Per-connector settings of the plan: the HTTP, tail and Kafka sources and the HTTP,
//! Elasticsearch and Kafka sinks (re-exported from `plan`).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

/// An HTTP source: Influx writes on `/write` and `/api/v2/write`, the source's codec on the
/// other paths.
#[derive(Debug, Clone)]
pub struct HttpSourcePlan {
    /// Address to listen on.
    pub listen: SocketAddr,
    /// The one path (besides the Influx ones) that takes bodies in the source's codec;
    /// `None`: any other path does.
    pub path: Option<String>,
    /// Largest request body, after decompression (413 past it).
    pub max_body: usize,
    /// Largest request head: request line and headers (431 past it).
    pub max_header: usize,
    /// Time from a request's first byte to the end of its head (slowloris guard).
    pub header_timeout: Duration,
    /// Time a kept-alive connection may wait for its next request, and a body for its next
    /// bytes.
    pub idle_timeout: Duration,
    /// Connections per shard beyond which new ones are closed at once (and counted).
    pub max_connections: usize,
    /// How long a request waits for room in full rings before it is answered 429.
    pub busy_timeout: Duration,
    /// HTTPS.
    pub tls: Option<crate::tls::TlsServerPlan>,
    /// When a request is answered: once its events are queued, or once its sinks wrote them.
    pub ack: HttpAck,
    /// `HttpAck::Written`: how long a request waits for its sinks before it is answered 503.
    pub ack_timeout: Duration,
    /// `HttpAck::Written`: requests per shard waiting for their sinks at once; past it a
    /// request waits `busy_timeout` for one to finish, then is answered 429.
    pub max_unacked: usize,
}

/// When the HTTP source answers a write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HttpAck {
    /// Once every sink the request's events went to has written them (acknowledged them as
    /// it does for Kafka offsets and tail checkpoints): a 2xx means delivered.
    Written,
    /// Once the events are handed to the sinks' queues: a 2xx means accepted, and what is
    /// queued is lost if the process dies.
    Queued,
}

/// The Influx precisions an HTTP source decodes, in the order of its extra decoders
/// (see [`SourcePlan::decoders`]).
pub const HTTP_INFLUX_PRECISIONS: [&str; 4] = ["ns", "us", "ms", "s"];

/// A tail source: which files, and where its checkpoints live.
#[derive(Debug, Clone)]
pub struct TailPlan {
    /// Files or globs (`*`, `?`, `[...]` in the last path component).
    pub paths: Vec<PathBuf>,
    /// Directory of the checkpoint file (`<state_dir>/tail-<source id>.json`).
    pub state_dir: PathBuf,
    /// How often files are checked for new data, rotation and new names.
    pub poll_interval: Duration,
    /// How many first bytes of a file (with device and inode) identify it.
    pub fingerprint_bytes: usize,
    /// Where a file with no checkpoint is read from: its start (`true`) or its end.
    pub from_start: bool,
    /// How often acknowledged positions are written to the state directory.
    pub checkpoint_interval: Duration,
    /// How long a file that was rotated away or deleted is still read after its last new
    /// data: writers keep appending to the old file until they reopen their log.
    pub rotate_wait: Duration,
}

/// A Kafka sink's settings (see the README's Kafka section for each key).
#[derive(Debug, Clone)]
pub struct KafkaSinkPlan {
    /// `bootstrap.servers`.
    pub brokers: Vec<String>,
    /// The topic events go to.
    pub topic: String,
    /// `compression.type`: none, gzip, lz4, zstd or snappy.
    pub compression: String,
    /// `linger.ms`: how long librdkafka waits to fill a request.
    pub linger: Duration,
    /// `batch.size`: bytes per partition request.
    pub batch_bytes: usize,
    /// `enable.idempotence`.
    pub idempotence: bool,
    /// `message.timeout.ms`: how long a message is retried before it fails (then `err`).
    pub delivery_timeout: Duration,
    /// `queue.buffering.max.kbytes` (as bytes): the producer's memory bound.
    pub max_buffered: usize,
    /// Further librdkafka properties: those the `tls` and `sasl` keys stand for, then the
    /// operator's `options`.
    pub options: KafkaProps,
}

/// A Kafka source's settings.
#[derive(Debug, Clone)]
pub struct KafkaSourcePlan {
    /// `bootstrap.servers`.
    pub brokers: Vec<String>,
    /// Topics to subscribe to.
    pub topics: Vec<String>,
    /// `group.id`.
    pub group_id: String,
    /// Where a group without a committed offset starts: `earliest` or `latest`.
    pub offset_reset: String,
    /// How often acknowledged offsets are committed.
    pub commit_interval: Duration,
    /// Messages taken per poll round before the shard flushes and yields.
    pub poll_batch: usize,
    /// Further librdkafka properties (see [`KafkaSinkPlan::options`]).
    pub options: KafkaProps,
}

/// librdkafka properties as text, in the order they are applied. `Debug` shows the values
/// of secret ones (`sasl.password`, `ssl.key.password`, ...) as `[redacted]`, so a plan
/// printed for debugging never carries a password.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct KafkaProps(pub Vec<(String, String)>);

impl KafkaProps {
    /// Whether librdkafka treats `key`'s value as a secret.
    pub fn is_secret(key: &str) -> bool {
        key.ends_with(".password")
            || key == "sasl.oauthbearer.config"
            || key == "sasl.oauthbearer.client.secret"
            || key == "ssl.key.pem"
    }

    /// Whether `security.protocol` is `ssl` or `sasl_ssl`.
    pub fn uses_tls(&self) -> bool {
        self.get("security.protocol")
            .is_some_and(|p| p.eq_ignore_ascii_case("ssl") || p.eq_ignore_ascii_case("sasl_ssl"))
    }

    /// Whether TLS or SASL is asked for (`security.protocol` other than `plaintext`).
    pub fn is_secured(&self) -> bool {
        self.get("security.protocol")
            .is_some_and(|p| !p.eq_ignore_ascii_case("plaintext"))
    }

    /// The value of property `key`, the last one set.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

impl std::fmt::Debug for KafkaProps {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_map()
            .entries(self.0.iter().map(|(k, v)| {
                let v = if Self::is_secret(k) {
                    "[redacted]"
                } else {
                    v.as_str()
                };
                (k, v)
            }))
            .finish()
    }
}

/// Where and how an HTTP client sink sends: shared by the `http` and `elasticsearch` sinks.
#[derive(Debug, Clone)]
pub struct HttpClientPlan {
    /// The URL as configured (for logs).
    pub url: String,
    /// The peer, resolved once at load.
    pub addr: SocketAddr,
    /// `Host` header value.
    pub host: String,
    /// Request target (path and query) for the sink's requests.
    pub target: String,
    /// Requests in flight at once.
    pub concurrency: usize,
    /// Time a request may take (connect, send, answer) before it counts as failed.
    pub timeout: Duration,
    /// First retry delay; doubles up to `backoff_max`, with ±25% jitter.
    pub backoff_min: Duration,
    /// Longest retry delay.
    pub backoff_max: Duration,
    /// Retries of a rejected item (Elasticsearch 429/5xx items) before it goes to the
    /// dead-letter file. Whole requests that fail on 429, 5xx or the connection are retried
    /// until they succeed or the hard stop gives up on them.
    pub max_retries: u32,
    /// `Content-Encoding: gzip` bodies.
    pub gzip: bool,
    /// Most events in one request (a batch from the rings is cut into requests).
    pub batch_events: usize,
    /// Bytes after which a request takes no further event.
    pub batch_bytes: usize,
    /// How long the sink waits for more events while it holds less than one request's
    /// worth (`batch_events`, `batch_bytes`); full requests go at once.
    pub linger: Duration,
    /// Extra request headers.
    pub headers: Vec<(String, String)>,
    /// TLS (`https://` URLs).
    pub tls: Option<crate::tls::TlsClientPlan>,
}

/// An Elasticsearch sink.
#[derive(Debug, Clone)]
pub struct ElasticPlan {
    /// The client (its `target` is `<url path>/_bulk` with the query parameters).
    pub client: HttpClientPlan,
    /// Items Elasticsearch refused for good (or past `max_retries`) are appended here as
    /// JSON lines with their error; without it they are counted and logged.
    pub dead_letter: Option<PathBuf>,
}

/// An HTTP sink.
#[derive(Debug, Clone)]
pub struct HttpSinkPlan {
    /// The client.
    pub client: HttpClientPlan,
    /// `Content-Type` of the bodies.
    pub content_type: String,
}

#[cfg(test)]
mod tests {
    use super::KafkaProps;

    #[test]
    fn debug_output_hides_secret_properties() {
        let p = KafkaProps(vec![
            ("security.protocol".into(), "sasl_ssl".into()),
            ("sasl.username".into(), "sluice".into()),
            ("sasl.password".into(), "hunter2".into()),
            ("ssl.key.password".into(), "swordfish".into()),
        ]);
        let text = format!("{p:?}");
        assert!(
            text.contains("sasl_ssl") && text.contains("sluice"),
            "{text}"
        );
        assert!(
            !text.contains("hunter2") && !text.contains("swordfish"),
            "{text}"
        );
        assert_eq!(text.matches("[redacted]").count(), 2, "{text}");
        assert!(p.uses_tls() && p.is_secured());
        assert_eq!(p.get("sasl.password"), Some("hunter2"));
        assert!(!KafkaProps::default().is_secured());
    }
}
