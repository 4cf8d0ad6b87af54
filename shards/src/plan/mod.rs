//! The validated plan: what to run, with every name resolved to an index.
//!
//! The binary turns the operator's TOML into a `Plan` and checks everything it can before
//! anything starts; the runtime then builds per-shard instances from it. No string from the
//! config is looked up on the hot path: sources point at pipelines and ports point at sinks
//! by index.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use sluice_codecs::{
    Codec, Error as CodecError, Postprocessor, PostprocessorChain, Preprocessor, PreprocessorChain,
};
use std::sync::Arc;

use sluice_script::{Record, Script, Value};

mod connectors;
pub use connectors::*;

/// A codec or processor by name, with its options.
#[derive(Debug, Clone)]
pub struct ComponentSpec {
    /// Config name (`"json"`, `"separate"`, ...).
    pub name: String,
    /// Options other than the name, if any.
    pub options: Option<Record<'static>>,
}

impl ComponentSpec {
    /// A spec without options.
    #[must_use]
    pub fn named(name: &str) -> Self {
        ComponentSpec {
            name: name.to_string(),
            options: None,
        }
    }

    /// Builds the codec this spec names.
    ///
    /// # Errors
    /// Unknown name or bad options.
    pub fn codec(&self) -> Result<Codec, CodecError> {
        Codec::from_spec(&self.name, self.options.as_ref())
    }

    /// Builds the preprocessor this spec names.
    ///
    /// # Errors
    /// Unknown name or bad options.
    pub fn preprocessor(&self) -> Result<Preprocessor, CodecError> {
        Preprocessor::from_spec(&self.name, self.options.as_ref())
    }

    /// Builds the postprocessor this spec names.
    ///
    /// # Errors
    /// Unknown name or bad options.
    pub fn postprocessor(&self) -> Result<Postprocessor, CodecError> {
        Postprocessor::from_spec(&self.name, self.options.as_ref())
    }
}

/// What a source does when the ring to a sink shard is full.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnFull {
    /// Stop reading until there is room (TCP: the sender is slowed down; nothing is lost).
    Block,
    /// Drop the batch and count it.
    Drop,
}

/// Where a source reads from.
#[derive(Debug, Clone)]
pub enum SourceKind {
    /// A TCP listener; every ingest shard binds it with `SO_REUSEPORT`.
    Tcp {
        /// Address to listen on.
        listen: SocketAddr,
        /// Connections per shard beyond which new ones are closed at once (and counted).
        max_connections: usize,
        /// A connection that sends nothing for this long is closed (and counted).
        idle_timeout: Option<Duration>,
        /// Read buffers per shard beyond which new connections are refused (and counted).
        memory_budget: Option<usize>,
    },
    /// A UDP socket; every ingest shard binds it with `SO_REUSEPORT`.
    Udp {
        /// Address to listen on.
        listen: SocketAddr,
        /// `SO_RCVBUF` to ask for (the kernel may cap it at `net.core.rmem_max`).
        recv_buffer: Option<usize>,
        /// Largest datagram accepted.
        max_datagram: usize,
    },
    /// The process's standard input (first ingest shard only).
    Stdin,
    /// A file read once from start to end (first ingest shard only).
    File {
        /// The file.
        path: PathBuf,
    },
    /// A TCP listener with TLS; every ingest shard binds it with `SO_REUSEPORT`.
    TcpTls {
        /// Address to listen on.
        listen: SocketAddr,
        /// Connections per shard beyond which new ones are closed at once (and counted).
        max_connections: usize,
        /// Certificates and the rest.
        tls: crate::tls::TlsServerPlan,
    },
    /// An HTTP/1.1 server; every ingest shard binds it with `SO_REUSEPORT`.
    Http(HttpSourcePlan),
    /// Files and globs followed like `tail -F` (first ingest shard only).
    Tail(TailPlan),
    /// A Kafka consumer group member on every ingest shard.
    Kafka(Box<KafkaSourcePlan>),
}

/// One source.
#[derive(Debug, Clone)]
pub struct SourcePlan {
    /// Its id.
    pub id: String,
    /// Where it reads.
    pub kind: SourceKind,
    /// Framing, in order.
    pub preprocessors: Vec<ComponentSpec>,
    /// Decoding.
    pub codec: ComponentSpec,
    /// Index into [`Plan::pipelines`].
    pub pipeline: usize,
    /// Full-ring policy.
    pub on_full: OnFull,
    /// Size of a read.
    pub read_buffer: usize,
}

impl SourcePlan {
    /// The decoders a stream of this source may use: the source's codec first; an HTTP
    /// source adds the Influx codec at each of [`HTTP_INFLUX_PRECISIONS`].
    #[must_use]
    pub fn decoders(&self) -> Vec<ComponentSpec> {
        let mut out = vec![self.codec.clone()];
        if matches!(self.kind, SourceKind::Http(_)) {
            for p in HTTP_INFLUX_PRECISIONS {
                let mut o = Record::with_capacity(1);
                o.push_unique("precision", Value::from(p.to_string()));
                out.push(ComponentSpec {
                    name: "influx".into(),
                    options: Some(o),
                });
            }
        }
        out
    }

    /// A fresh preprocessor chain for one stream of this source.
    ///
    /// # Errors
    /// The first stage that does not build, named with its position.
    pub fn preprocessor_chain(&self) -> Result<PreprocessorChain, crate::Error> {
        let stages = self
            .preprocessors
            .iter()
            .map(|p| {
                p.preprocessor().map_err(component(format!(
                    "source `{}` preprocessor `{}`",
                    self.id, p.name
                )))
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(PreprocessorChain::new(stages))
    }
}

/// A pipeline's compiled script and how its ports map onto the pipeline's.
#[derive(Debug, Clone)]
pub struct ScriptPlan {
    /// Compiled once; every ingest shard runs its own `Runner` over it.
    pub script: Arc<Script>,
    /// `args` as the script sees them.
    pub args: Value<'static>,
    /// Script port index -> pipeline port index.
    pub ports: Vec<usize>,
}

/// One pipeline: what happens to every event of its sources.
#[derive(Debug, Clone)]
pub struct PipelinePlan {
    /// Its id.
    pub id: String,
    /// Output ports: name and the sinks (indices into [`Plan::sinks`]) listening on it.
    /// Port 0 is `out` and port 1 is `err`; further ports follow.
    pub ports: Vec<(String, Vec<usize>)>,
    /// The script; `None` passes every event through to `out`.
    pub script: Option<ScriptPlan>,
    /// The traffic shaper after the script (`shaper = "bucket"`), if any.
    pub shaper: Option<crate::shaper::ShaperPlan>,
}

impl PipelinePlan {
    /// Index of the `out` port.
    pub const OUT: usize = 0;
    /// Index of the `err` port.
    pub const ERR: usize = 1;
}

/// Where a sink writes.
#[derive(Debug, Clone)]
pub enum SinkKind {
    /// Append to a file.
    File {
        /// The file.
        path: PathBuf,
        /// How often buffered data is written out.
        flush_interval: Duration,
        /// Buffer size that triggers a write before the interval.
        buffer: usize,
        /// `fdatasync` after every write-out: written (and acknowledged) means on disk.
        fsync: bool,
    },
    /// Standard output.
    Stdout,
    /// Standard error.
    Stderr,
    /// A TCP client.
    Tcp {
        /// Peer.
        addr: SocketAddr,
        /// First reconnect delay; doubles up to `backoff_max`, with jitter.
        backoff_min: Duration,
        /// Longest reconnect delay.
        backoff_max: Duration,
        /// TLS to the peer.
        tls: Option<crate::tls::TlsClientPlan>,
    },
    /// UDP datagrams, one per frame.
    Udp {
        /// Peer.
        addr: SocketAddr,
    },
    /// A Kafka producer (librdkafka) per sink.
    Kafka(Box<KafkaSinkPlan>),
    /// Counts and measures latency, writes nothing.
    Blackhole {
        /// Where to write the latency histogram (HdrHistogram percentile text) at shutdown.
        hgrm: Option<PathBuf>,
    },
    /// Elasticsearch `_bulk` requests.
    Elasticsearch(ElasticPlan),
    /// HTTP POSTs of batches.
    Http(HttpSinkPlan),
}

impl SinkKind {
    /// The config name of the kind.
    #[must_use]
    pub fn name(&self) -> &'static str {
        match self {
            SinkKind::File { .. } => "file",
            SinkKind::Stdout => "stdout",
            SinkKind::Stderr => "stderr",
            SinkKind::Tcp { .. } => "tcp",
            SinkKind::Udp { .. } => "udp",
            SinkKind::Blackhole { .. } => "blackhole",
            SinkKind::Elasticsearch(_) => "elasticsearch",
            SinkKind::Http(_) => "http",
            SinkKind::Kafka(_) => "kafka",
        }
    }
}

/// One sink.
#[derive(Debug, Clone)]
pub struct SinkPlan {
    /// Its id.
    pub id: String,
    /// Where it writes.
    pub kind: SinkKind,
    /// Encoding (runs on the ingest shards, before the ring).
    pub codec: ComponentSpec,
    /// Framing after encoding.
    pub postprocessors: Vec<ComponentSpec>,
    /// Index into [`Plan::sink_cpus`] of the shard that owns it.
    pub shard: usize,
}

impl SinkPlan {
    /// Does the sink speak TLS to its peer?
    #[must_use]
    pub fn uses_tls(&self) -> bool {
        match &self.kind {
            SinkKind::Tcp { tls, .. } => tls.is_some(),
            SinkKind::Elasticsearch(e) => e.client.tls.is_some(),
            SinkKind::Http(h) => h.client.tls.is_some(),
            SinkKind::Kafka(k) => k.options.uses_tls(),
            _ => false,
        }
    }

    /// This sink's postprocessor chain.
    ///
    /// # Errors
    /// The first stage that does not build, or a chain whose order cannot work.
    pub fn postprocessor_chain(&self) -> Result<PostprocessorChain, crate::Error> {
        let stages = self
            .postprocessors
            .iter()
            .map(|p| {
                p.postprocessor().map_err(component(format!(
                    "sink `{}` postprocessor `{}`",
                    self.id, p.name
                )))
            })
            .collect::<Result<Vec<_>, _>>()?;
        PostprocessorChain::new(stages)
            .map_err(component(format!("sink `{}` postprocessors", self.id)))
    }

    /// The header this sink's output starts with (CSV with `header = true`), framed by its
    /// postprocessors. Several ingest shards encode rows for one sink, so their encoders
    /// leave the header out and the sink writes it: a file sink once per file (when the file
    /// is empty as it is opened), stdout and stderr once at start.
    ///
    /// # Errors
    /// A codec or chain that does not build, or a header that cannot be known in advance.
    pub fn header(&self) -> Result<Option<Vec<u8>>, crate::Error> {
        let what = || format!("sink `{}` codec", self.id);
        let mut codec = self.codec.codec().map_err(component(what()))?;
        let Some(mut row) = codec.detach_header().map_err(component(what()))? else {
            return Ok(None);
        };
        let mut post = self.postprocessor_chain()?;
        post.process(&mut row, 0, &mut Vec::new())
            .map_err(component(format!("sink `{}` postprocessors", self.id)))?;
        Ok(Some(row))
    }
}

/// Wraps a codec error with where the component is used.
fn component(what: String) -> impl Fn(CodecError) -> crate::Error {
    move |source| crate::Error::Component {
        what: what.clone(),
        source,
    }
}

/// Everything the runtime needs.
#[derive(Debug, Clone)]
pub struct Plan {
    /// CPUs running ingest shards (sources, pipelines, encoding).
    pub ingest_cpus: Vec<usize>,
    /// CPUs running sink shards (batches to the outside world). May overlap `ingest_cpus`.
    pub sink_cpus: Vec<usize>,
    /// Batches in flight per (ingest shard, sink shard) ring.
    pub ring_capacity: usize,
    /// Bytes after which a batch is handed to its ring.
    pub batch_bytes: usize,
    /// How often shards publish metrics to the control thread.
    pub metrics_interval: Duration,
    /// How long shutdown waits for connections to go quiet and sinks to drain.
    pub shutdown_timeout: Duration,
    /// How long a sink shard keeps polling its rings after its last batch before it parks
    /// (zero: park at once). Saves the cross-core wake-up while traffic flows; costs CPU
    /// only then (see `park_spin.rs`).
    pub park_spin: Duration,
    /// The nice value of every shard thread (and the blocking threads it starts), set when
    /// the thread starts; `None` leaves what the process inherited. Lets shards win the CPU
    /// over other work on their cores (the sender, a sidecar's application) without
    /// real-time scheduling.
    pub nice: Option<i32>,
    /// Sources.
    pub sources: Vec<SourcePlan>,
    /// Pipelines.
    pub pipelines: Vec<PipelinePlan>,
    /// Sinks.
    pub sinks: Vec<SinkPlan>,
}

impl Plan {
    /// The smallest whole plan, on CPU 0: JSON lines from stdin through a passthrough
    /// pipeline into a blackhole sink encoding with `sink_codec`. For benchmarks and tests
    /// that drive [`crate::Ingest`] in memory.
    #[must_use]
    pub fn stdin_to_blackhole(sink_codec: &str) -> Plan {
        Plan {
            ingest_cpus: vec![0],
            sink_cpus: vec![0],
            ring_capacity: 64,
            batch_bytes: 64 * 1024,
            metrics_interval: Duration::from_secs(2),
            shutdown_timeout: Duration::from_secs(1),
            park_spin: Duration::ZERO,
            nice: None,
            sources: vec![SourcePlan {
                id: "in".into(),
                kind: SourceKind::Stdin,
                preprocessors: vec![ComponentSpec::named("separate")],
                codec: ComponentSpec::named("json"),
                pipeline: 0,
                on_full: OnFull::Block,
                read_buffer: 256 * 1024,
            }],
            pipelines: vec![PipelinePlan {
                id: "p".into(),
                ports: vec![("out".into(), vec![0]), ("err".into(), vec![0])],
                script: None,
                shaper: None,
            }],
            sinks: vec![SinkPlan {
                id: "s".into(),
                kind: SinkKind::Blackhole { hgrm: None },
                codec: ComponentSpec::named(sink_codec),
                postprocessors: vec![ComponentSpec::named("separate")],
                shard: 0,
            }],
        }
    }

    /// Every distinct CPU with its roles: (cpu, ingest shard index, sink shard index).
    #[must_use]
    pub fn cpus(&self) -> Vec<(usize, Option<usize>, Option<usize>)> {
        let mut out: Vec<(usize, Option<usize>, Option<usize>)> = Vec::new();
        for (i, c) in self.ingest_cpus.iter().enumerate() {
            out.push((*c, Some(i), None));
        }
        for (j, c) in self.sink_cpus.iter().enumerate() {
            match out.iter_mut().find(|(cpu, _, _)| cpu == c) {
                Some(e) => e.2 = Some(j),
                None => out.push((*c, None, Some(j))),
            }
        }
        out.sort();
        out
    }

    /// Builds every component once so that bad names and options fail before start-up.
    ///
    /// # Errors
    /// The first component that does not build, with where it is used.
    pub fn check_components(&self) -> Result<(), crate::Error> {
        for s in &self.sources {
            for d in s.decoders() {
                d.codec()
                    .map_err(component(format!("source `{}` codec", s.id)))?;
            }
            s.preprocessor_chain()?;
        }
        for s in &self.sinks {
            s.codec
                .codec()
                .map_err(component(format!("sink `{}` codec", s.id)))?;
            s.postprocessor_chain()?;
            s.header()?;
        }
        Ok(())
    }
}
