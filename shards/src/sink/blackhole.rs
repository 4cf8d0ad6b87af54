//! `blackhole`: counts events and bytes, records latency, writes nothing. At shutdown it
//! can write its latency histogram as HdrHistogram percentile text.

use std::path::PathBuf;

use crate::metrics::Latency;

pub(crate) struct Blackhole {
    hgrm: Option<PathBuf>,
}

impl Blackhole {
    pub(crate) fn new(hgrm: Option<PathBuf>) -> Self {
        Blackhole { hgrm }
    }

    pub(crate) fn close(&mut self, latency: &Latency) {
        let Some(path) = &self.hgrm else { return };
        let r = std::fs::File::create(path).and_then(|f| {
            let mut w = std::io::BufWriter::new(f);
            latency.write_hgrm(&mut w)?;
            std::io::Write::flush(&mut w)
        });
        if let Err(e) = r {
            tracing::error!(path = %path.display(), error = %e, "cannot write the latency histogram");
        }
    }
}
