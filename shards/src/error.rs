//! The crate's one error type.

use std::net::SocketAddr;

/// Everything that can stop the runtime from starting or a shard from running.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A CPU list that does not parse.
    #[error("bad CPU list `{list}`: `{part}`: {why}")]
    CpuList {
        /// The whole list.
        list: String,
        /// The offending part.
        part: String,
        /// Why.
        why: String,
    },
    /// A CPU that is not online.
    #[error("CPU {cpu} does not exist or is offline (online CPUs: {online})")]
    NoSuchCpu {
        /// The CPU.
        cpu: usize,
        /// The online CPUs.
        online: String,
    },
    /// A CPU outside this process's affinity mask.
    #[error("CPU {cpu} is not available to this process (allowed CPUs: {allowed})")]
    CpuNotAllowed {
        /// The CPU.
        cpu: usize,
        /// The allowed CPUs.
        allowed: String,
    },
    /// A codec or processor that does not build.
    #[error("{what}: {source}")]
    Component {
        /// Where it is used.
        what: String,
        /// Why it fails.
        source: sluice_codecs::Error,
    },
    /// Another process already holds a port.
    #[error("source `{source_id}`: {addr} is already in use by another process")]
    PortInUse {
        /// The source.
        source_id: String,
        /// The address.
        addr: SocketAddr,
    },
    /// A socket could not be set up.
    #[error("source `{source_id}` on shard {shard}: cannot bind {addr}: {error}")]
    Bind {
        /// The source.
        source_id: String,
        /// The shard.
        shard: usize,
        /// The address.
        addr: SocketAddr,
        /// Why.
        error: std::io::Error,
    },
    /// A shard's executor could not start.
    #[error("shard on CPU {cpu} did not start: {error}")]
    Spawn {
        /// The CPU.
        cpu: usize,
        /// Why.
        error: String,
    },
    /// A shard stopped with an error or panicked.
    #[error("shard on CPU {cpu} failed: {error}")]
    Shard {
        /// The CPU.
        cpu: usize,
        /// Why.
        error: String,
    },
    /// Any other I/O failure during start-up.
    #[error("{what}: {error}")]
    Io {
        /// What was being done.
        what: String,
        /// Why it failed.
        error: std::io::Error,
    },
}
