//! # sluice-shards
//!
//! The per-core runtime. One glommio executor per configured CPU, pinned, each with its own
//! io_uring; ingest shards own their sockets (`SO_REUSEPORT`), framing, decoding, pipelines
//! and encoders, and hand encoded batches over rtrb SPSC rings to sink shards, which own the
//! outgoing files and connections. Nothing on the event path is shared between cores.
//!
//! Principal types:
//! - [`Plan`]: the validated configuration, names resolved to indices.
//! - [`Runtime`]: starts the shards, collects their [`metrics::Snapshot`]s, stops them.
//! - [`Topology`] / [`CpuSpec`]: CPUs and NUMA nodes from sysfs, CPU lists as written.
//! - [`shaper::Shaper`]: per-class token buckets after a pipeline's script, host-wide rates
//!   split between the ingest shards, load-adaptive shedding (design in [`shaper`]).
//!
//! ```no_run
//! use std::time::Duration;
//! use sluice_shards::{ComponentSpec, OnFull, PipelinePlan, Plan, Runtime, SinkKind, SinkPlan, SourceKind, SourcePlan};
//!
//! let plan = Plan {
//!     ingest_cpus: vec![0],
//!     sink_cpus: vec![0],
//!     ring_capacity: 64,
//!     batch_bytes: 64 * 1024,
//!     metrics_interval: Duration::from_secs(2),
//!     shutdown_timeout: Duration::from_secs(10),
//!     park_spin: Duration::from_micros(50),
//!     nice: None,
//!     sources: vec![SourcePlan {
//!         id: "in".into(),
//!         kind: SourceKind::Tcp { listen: "127.0.0.1:4242".parse().unwrap(), max_connections: 1024, idle_timeout: None, memory_budget: None },
//!         preprocessors: vec![ComponentSpec::named("separate")],
//!         codec: ComponentSpec::named("json"),
//!         pipeline: 0,
//!         on_full: OnFull::Block,
//!         read_buffer: 256 * 1024,
//!     }],
//!     pipelines: vec![PipelinePlan {
//!         id: "main".into(),
//!         ports: vec![("out".into(), vec![0]), ("err".into(), vec![0])],
//!         script: None,
//!         shaper: None,
//!     }],
//!     sinks: vec![SinkPlan {
//!         id: "out".into(),
//!         kind: SinkKind::Stdout,
//!         codec: ComponentSpec::named("json"),
//!         postprocessors: vec![ComponentSpec::named("separate")],
//!         shard: 0,
//!     }],
//! };
//! let rt = Runtime::start(plan).unwrap();
//! rt.stop();
//! let (totals, clean) = rt.join(Duration::from_secs(10), &|| false);
//! ```

pub mod ack;
mod error;
mod ingest;
pub mod metrics;
mod park_spin;
mod plan;
mod ring;
mod runtime;
pub mod shaper;
mod shard;
mod signal;
mod sink;
mod source;
mod sys;
mod tls;
mod topology;

pub use error::Error;
pub use ingest::{error_event, Ingest, Read};
pub use plan::{
    ComponentSpec, ElasticPlan, HttpAck, HttpClientPlan, HttpSinkPlan, HttpSourcePlan, KafkaProps,
    KafkaSinkPlan, KafkaSourcePlan, OnFull, PipelinePlan, Plan, ScriptPlan, SinkKind, SinkPlan,
    SourceKind, SourcePlan, TailPlan, HTTP_INFLUX_PRECISIONS,
};
pub use ring::{mesh, Batch, Failure, FrameAttrs, FrameMeta, IngestLink, SinkLink};
pub use runtime::{on_short_lived_thread, ControlMsg, Poll, Runtime};
pub use signal::{mono_ns, now_ns};
pub use sink::check_kafka_sink;
pub use source::check_kafka_source;
pub use tls::{TlsClientPlan, TlsServerPlan};
pub use topology::{format_cpu_list, parse_cpu_list, CpuSpec, Topology};
