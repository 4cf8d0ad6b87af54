//! `gelf-chunking` (postprocessor): splits a frame into GELF UDP chunks.
//!
//! A frame of at most `chunk_size` bytes (default 1420, which fits a 1500-byte MTU after IP
//! and UDP headers, as GELF clients use on WANs) is sent as it is: the GELF spec only asks
//! for chunking when a message does not fit one datagram. Larger frames become up to 128
//! chunks of at most `chunk_size` bytes, each `1e 0f`, an 8-byte message id, the sequence
//! number and the count, then payload; more than 128 chunks is an error (the frame is
//! dropped). Nothing may follow this postprocessor in a chain: the frame boundaries it
//! reports through `splits` would be lost.
//!
//! Message ids must differ between messages in flight to the same receiver, also across
//! Sluice shards and restarts: each instance starts from a random 64-bit value (from the
//! standard library's per-process hash keys, no clock read) and counts up.

use std::hash::{BuildHasher, Hasher};

use sluice_script::Record;

use crate::{options::Options, pre::gelf_chunk_header, Error};

/// Default `chunk_size`.
pub const DEFAULT_CHUNK_SIZE: usize = 1420;
const HEADER: usize = 12;
const MAX_CHUNKS: usize = 128;

/// GELF chunking state: the next message id.
#[derive(Debug)]
pub struct GelfChunkingPost {
    chunk_size: usize,
    next_id: u64,
}

impl GelfChunkingPost {
    /// Chunks of at most `chunk_size` bytes (at least 13), ids counting up from `first_id`.
    #[must_use]
    pub fn new(chunk_size: usize, first_id: u64) -> Self {
        GelfChunkingPost {
            chunk_size: chunk_size.max(HEADER + 1),
            next_id: first_id,
        }
    }

    pub(crate) fn from_options(options: Option<&Record<'static>>) -> Result<Self, Error> {
        let mut o = Options::new("gelf-chunking", options);
        let chunk_size = o.size("chunk_size")?.unwrap_or(DEFAULT_CHUNK_SIZE);
        if chunk_size <= HEADER {
            return Err(o.error(
                "chunk_size",
                format!("must be larger than the {HEADER}-byte chunk header"),
            ));
        }
        if chunk_size > 65_507 {
            return Err(o.error("chunk_size", "must fit a UDP datagram (at most 65507)"));
        }
        o.finish()?;
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_usize(chunk_size);
        Ok(GelfChunkingPost::new(chunk_size, h.finish()))
    }

    pub(crate) fn process(
        &mut self,
        buf: &mut Vec<u8>,
        start: usize,
        splits: &mut Vec<usize>,
    ) -> Result<(), Error> {
        let n = buf.len() - start;
        if n <= self.chunk_size {
            return Ok(());
        }
        let per = self.chunk_size - HEADER;
        let k = n.div_ceil(per);
        if k > MAX_CHUNKS {
            return Err(Error::Postprocess {
                component: "gelf-chunking",
                message: format!(
                    "a frame of {n} bytes needs {k} chunks of {} bytes; GELF allows {MAX_CHUNKS}",
                    self.chunk_size
                ),
            });
        }
        let id = self.next_id;
        self.next_id = self.next_id.wrapping_add(1);
        buf.resize(start + n + HEADER * k, 0);
        // Move payloads to their final places from the last one back: every chunk moves
        // forward, so no payload is overwritten before it is moved.
        for i in (0..k).rev() {
            let src = start + i * per;
            let len = per.min(n - i * per);
            let dst = start + i * (per + HEADER) + HEADER;
            buf.copy_within(src..src + len, dst);
            // k <= 128, so the casts cannot truncate.
            #[allow(clippy::cast_possible_truncation)]
            buf[dst - HEADER..dst].copy_from_slice(&gelf_chunk_header(id, i as u8, k as u8));
        }
        splits.extend((1..k).map(|i| start + i * (per + HEADER)));
        Ok(())
    }
}
