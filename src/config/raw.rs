//! The config file as written: serde structures that reject unknown keys and keep the
//! position of everything a later check may need to point at.

use serde::Deserialize;
use toml::Spanned;

/// The whole file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Raw {
    #[serde(default)]
    pub shards: RawShards,
    pub admin: Option<RawAdmin>,
    #[serde(default, rename = "source")]
    pub sources: Vec<RawSource>,
    #[serde(default, rename = "pipeline")]
    pub pipelines: Vec<RawPipeline>,
    #[serde(default, rename = "sink")]
    pub sinks: Vec<RawSink>,
}

/// `[shards]`
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawShards {
    pub ingest: Option<Spanned<CpuField>>,
    pub sink: Option<Spanned<CpuField>>,
    pub ring_capacity: Option<Spanned<usize>>,
    pub batch_size: Option<Spanned<SizeField>>,
    pub shutdown_timeout: Option<Spanned<String>>,
    pub park_spin: Option<Spanned<String>>,
    pub nice: Option<Spanned<i64>>,
}

/// A CPU set: `[0, 1]`, `"0-3,8"`, `"auto"` or `{ per_numa_node = 4 }`.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum CpuField {
    List(Vec<i64>),
    Text(String),
    PerNuma(PerNuma),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PerNuma {
    pub per_numa_node: usize,
}

/// A size: bytes as an integer, or `"64KiB"`-style text.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum SizeField {
    Bytes(u64),
    Text(String),
}

/// `[admin]`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawAdmin {
    pub listen: Option<Spanned<String>>,
    pub metrics_interval: Option<Spanned<String>>,
}

/// A codec or processor: `"name"` or `{ name = "...", option = ... }`.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum ComponentField {
    Name(String),
    Table(toml::Table),
}

/// `[[source]]`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSource {
    pub id: Spanned<String>,
    #[serde(rename = "type")]
    pub kind: Spanned<String>,
    pub listen: Option<Spanned<String>>,
    pub path: Option<Spanned<String>>,
    #[serde(default)]
    pub preprocessors: Vec<Spanned<ComponentField>>,
    pub codec: Option<Spanned<ComponentField>>,
    pub pipeline: Spanned<String>,
    pub on_full: Option<Spanned<String>>,
    pub max_connections: Option<Spanned<usize>>,
    pub idle_timeout: Option<Spanned<String>>,
    pub memory_budget: Option<Spanned<SizeField>>,
    pub recv_buffer: Option<Spanned<SizeField>>,
    pub max_datagram: Option<Spanned<SizeField>>,
    pub read_buffer: Option<Spanned<SizeField>>,
    // http
    pub max_body: Option<Spanned<SizeField>>,
    pub max_header: Option<Spanned<SizeField>>,
    pub header_timeout: Option<Spanned<String>>,
    pub busy_timeout: Option<Spanned<String>>,
    pub ack: Option<Spanned<String>>,
    pub ack_timeout: Option<Spanned<String>>,
    pub max_unacked: Option<Spanned<usize>>,
    // tail
    pub paths: Option<Spanned<Vec<String>>>,
    pub state_dir: Option<Spanned<String>>,
    pub poll_interval: Option<Spanned<String>>,
    pub fingerprint_bytes: Option<Spanned<usize>>,
    pub read_from: Option<Spanned<String>>,
    pub checkpoint_interval: Option<Spanned<String>>,
    pub rotate_wait: Option<Spanned<String>>,
    // tcp, http
    pub tls: Option<Spanned<RawTls>>,
    // kafka
    pub brokers: Option<Spanned<Vec<String>>>,
    pub topics: Option<Spanned<Vec<String>>>,
    pub group_id: Option<Spanned<String>>,
    pub offset_reset: Option<Spanned<String>>,
    pub commit_interval: Option<Spanned<String>>,
    pub poll_batch: Option<Spanned<usize>>,
    pub options: Option<Spanned<toml::Table>>,
    pub sasl: Option<Spanned<super::kafka::RawSasl>>,
}

/// `tls = { cert = "...", key = "...", client_ca = "...", min_version = "1.2" }`; a kafka
/// source (a client) takes `tls = { ca = "...", cert = "...", key = "..." }` instead.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawTls {
    pub cert: Option<String>,
    pub key: Option<String>,
    pub client_ca: Option<String>,
    pub min_version: Option<String>,
    // kafka source
    pub ca: Option<String>,
    pub insecure_skip_verify: Option<bool>,
}

/// A sink's `tls = { ca = "...", cert = "...", key = "...", server_name = "...",
/// min_version = "1.2", insecure_skip_verify = false }`; every key optional.
#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct RawSinkTls {
    pub ca: Option<String>,
    pub cert: Option<String>,
    pub key: Option<String>,
    pub server_name: Option<String>,
    pub min_version: Option<String>,
    #[serde(default)]
    pub insecure_skip_verify: bool,
}

/// `[[pipeline]]`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPipeline {
    pub id: Spanned<String>,
    #[serde(default)]
    pub out: Vec<Spanned<String>>,
    #[serde(default)]
    pub err: Vec<Spanned<String>>,
    /// Further ports: `ports = { alerts = ["pager"] }`.
    #[serde(default)]
    pub ports: toml::Table,
    pub script: Option<Spanned<String>>,
    pub script_file: Option<Spanned<String>>,
    /// `args` the script reads.
    pub args: Option<Spanned<toml::Table>>,
    /// Extra grok pattern files (`NAME pattern` per line) for the script's extractors.
    #[serde(default)]
    pub grok_patterns: Vec<Spanned<String>>,
    /// The traffic shaper: `"bucket"` or `{ kind = "bucket", ... }`.
    pub shaper: Option<Spanned<ShaperField>>,
}

/// `shaper = "bucket"` or `shaper = { kind = "bucket", cardinality = 1000 }`.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum ShaperField {
    Name(String),
    Table(toml::Table),
}

/// `[[sink]]`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSink {
    pub id: Spanned<String>,
    #[serde(rename = "type")]
    pub kind: Spanned<String>,
    pub path: Option<Spanned<String>>,
    pub address: Option<Spanned<String>>,
    pub codec: Option<Spanned<ComponentField>>,
    #[serde(default)]
    pub postprocessors: Vec<Spanned<ComponentField>>,
    pub hgrm: Option<Spanned<String>>,
    pub flush_interval: Option<Spanned<String>>,
    pub buffer: Option<Spanned<SizeField>>,
    // file
    pub fsync: Option<Spanned<bool>>,
    pub cpu: Option<Spanned<usize>>,
    pub backoff_min: Option<Spanned<String>>,
    pub backoff_max: Option<Spanned<String>>,
    /// tcp, http, elasticsearch
    pub tls: Option<Spanned<RawSinkTls>>,
    // http, elasticsearch
    pub url: Option<Spanned<String>>,
    pub concurrency: Option<Spanned<usize>>,
    pub timeout: Option<Spanned<String>>,
    pub max_retries: Option<Spanned<u32>>,
    pub compression: Option<Spanned<String>>,
    pub batch_events: Option<Spanned<usize>>,
    pub batch_bytes: Option<Spanned<SizeField>>,
    pub headers: Option<Spanned<toml::Table>>,
    pub content_type: Option<Spanned<String>>,
    // elasticsearch
    pub index: Option<Spanned<String>>,
    pub action: Option<Spanned<String>>,
    pub pipeline: Option<Spanned<String>>,
    pub routing: Option<Spanned<String>>,
    pub dead_letter: Option<Spanned<String>>,
    // kafka
    pub brokers: Option<Spanned<Vec<String>>>,
    pub topic: Option<Spanned<String>>,
    pub linger: Option<Spanned<String>>,
    pub batch_size: Option<Spanned<SizeField>>,
    pub idempotence: Option<Spanned<bool>>,
    pub delivery_timeout: Option<Spanned<String>>,
    pub max_buffered: Option<Spanned<SizeField>>,
    pub options: Option<Spanned<toml::Table>>,
    pub sasl: Option<Spanned<super::kafka::RawSasl>>,
}
