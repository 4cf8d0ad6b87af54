//! Prometheus text exposition (format 0.0.4) of a merged [`Snapshot`].

use std::fmt::Write as _;

use super::{Latency, Snapshot};
use crate::Plan;

const QUANTILES: &[(f64, &str)] = &[
    (0.5, "0.5"),
    (0.9, "0.9"),
    (0.99, "0.99"),
    (0.999, "0.999"),
    (1.0, "1"),
];

fn escape(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

struct Out {
    text: String,
}

impl Out {
    fn family(&mut self, name: &str, kind: &str, help: &str) {
        let _ = writeln!(self.text, "# HELP {name} {help}");
        let _ = writeln!(self.text, "# TYPE {name} {kind}");
    }

    fn sample(&mut self, name: &str, labels: &[(&str, &str)], value: impl std::fmt::Display) {
        self.text.push_str(name);
        if !labels.is_empty() {
            self.text.push('{');
            for (i, (k, v)) in labels.iter().enumerate() {
                if i > 0 {
                    self.text.push(',');
                }
                let _ = write!(self.text, "{k}=\"{}\"", escape(v));
            }
            self.text.push('}');
        }
        let _ = writeln!(self.text, " {value}");
    }

    #[allow(clippy::cast_precision_loss)]
    fn summary(&mut self, name: &str, labels: &[(&str, &str)], h: &Latency) {
        for (q, qs) in QUANTILES {
            let mut l = labels.to_vec();
            l.push(("quantile", qs));
            let v = if h.count() == 0 {
                0.0
            } else {
                h.quantile(*q) as f64 / 1e9
            };
            self.sample(name, &l, v);
        }
        self.sample(&format!("{name}_sum"), labels, h.sum() / 1e9);
        self.sample(&format!("{name}_count"), labels, h.count());
    }
}

/// Renders `snap` (merged over all shards) with the names from `plan`.
#[must_use]
pub fn render_prometheus(plan: &Plan, snap: &Snapshot) -> String {
    let mut o = Out {
        text: String::with_capacity(4096),
    };
    let sources = || plan.sources.iter().zip(&snap.sources);
    o.family(
        "sluice_source_events_total",
        "counter",
        "Frames received by a source.",
    );
    for (p, c) in sources() {
        o.sample("sluice_source_events_total", &[("source", &p.id)], c.events);
    }
    o.family(
        "sluice_source_bytes_total",
        "counter",
        "Bytes read by a source.",
    );
    for (p, c) in sources() {
        o.sample("sluice_source_bytes_total", &[("source", &p.id)], c.bytes);
    }
    o.family(
        "sluice_source_errors_total",
        "counter",
        "Frames a source could not frame or decode, by kind.",
    );
    for (p, c) in sources() {
        for (kind, n) in &c.errors {
            o.sample(
                "sluice_source_errors_total",
                &[("source", &p.id), ("kind", kind)],
                n,
            );
        }
    }
    o.family(
        "sluice_source_dropped_total",
        "counter",
        "Events a source dropped, by reason.",
    );
    for (p, c) in sources() {
        for (reason, n) in &c.dropped {
            o.sample(
                "sluice_source_dropped_total",
                &[("source", &p.id), ("reason", reason)],
                n,
            );
        }
    }
    o.family(
        "sluice_source_connections_total",
        "counter",
        "Connections accepted.",
    );
    for (p, c) in sources() {
        o.sample(
            "sluice_source_connections_total",
            &[("source", &p.id)],
            c.connections,
        );
    }
    o.family(
        "sluice_source_connections_open",
        "gauge",
        "Connections open now.",
    );
    for (p, c) in sources() {
        o.sample(
            "sluice_source_connections_open",
            &[("source", &p.id)],
            c.connections_open,
        );
    }
    o.family(
        "sluice_source_partitions",
        "gauge",
        "Kafka partitions assigned to the source now.",
    );
    for (p, c) in sources() {
        o.sample(
            "sluice_source_partitions",
            &[("source", &p.id)],
            c.partitions,
        );
    }
    o.family(
        "sluice_source_commits_total",
        "counter",
        "Kafka offset commits of acknowledged positions.",
    );
    for (p, c) in sources() {
        o.sample(
            "sluice_source_commits_total",
            &[("source", &p.id)],
            c.commits,
        );
    }
    o.family(
        "sluice_source_connections_rejected_total",
        "counter",
        "Connections refused over max_connections.",
    );
    for (p, c) in sources() {
        o.sample(
            "sluice_source_connections_rejected_total",
            &[("source", &p.id)],
            c.connections_rejected,
        );
    }
    o.family(
        "sluice_source_connections_refused_total",
        "counter",
        "Connections refused, by reason (max_connections, memory_budget).",
    );
    for (p, c) in sources() {
        for (reason, n) in &c.refused {
            o.sample(
                "sluice_source_connections_refused_total",
                &[("source", &p.id), ("reason", reason)],
                n,
            );
        }
    }
    o.family(
        "sluice_source_connections_idle_closed_total",
        "counter",
        "Connections closed after idle_timeout without data.",
    );
    for (p, c) in sources() {
        o.sample(
            "sluice_source_connections_idle_closed_total",
            &[("source", &p.id)],
            c.idle_closed,
        );
    }
    o.family(
        "sluice_source_read_buffer_bytes",
        "gauge",
        "Bytes of read buffers the source's open connections hold.",
    );
    for (p, c) in sources() {
        o.sample(
            "sluice_source_read_buffer_bytes",
            &[("source", &p.id)],
            c.read_buffers,
        );
    }
    o.family(
        "sluice_source_kernel_drops_total",
        "counter",
        "Datagrams the kernel dropped (receive buffer full).",
    );
    for (p, c) in sources() {
        o.sample(
            "sluice_source_kernel_drops_total",
            &[("source", &p.id)],
            c.kernel_drops,
        );
    }

    o.family(
        "sluice_source_preprocessor_total",
        "counter",
        "Preprocessor counters per source: frames cut, data dropped and why.",
    );
    for (p, c) in sources() {
        for (stage, counter, n) in &c.preprocessors {
            let labels = [
                ("source", p.id.as_str()),
                ("stage", stage),
                ("counter", counter),
            ];
            o.sample("sluice_source_preprocessor_total", &labels, n);
        }
    }

    let pipelines = || plan.pipelines.iter().zip(&snap.pipelines);
    o.family(
        "sluice_pipeline_events_total",
        "counter",
        "Events into a pipeline.",
    );
    for (p, c) in pipelines() {
        o.sample(
            "sluice_pipeline_events_total",
            &[("pipeline", &p.id)],
            c.events,
        );
    }
    o.family(
        "sluice_pipeline_port_events_total",
        "counter",
        "Events a pipeline sent out of a port.",
    );
    for (p, c) in pipelines() {
        for ((port, _), n) in p.ports.iter().zip(&c.ports) {
            o.sample(
                "sluice_pipeline_port_events_total",
                &[("pipeline", &p.id), ("port", port)],
                n,
            );
        }
    }
    o.family(
        "sluice_pipeline_dropped_total",
        "counter",
        "Events a pipeline dropped on purpose.",
    );
    for (p, c) in pipelines() {
        o.sample(
            "sluice_pipeline_dropped_total",
            &[("pipeline", &p.id)],
            c.dropped,
        );
    }
    o.family(
        "sluice_pipeline_errors_total",
        "counter",
        "Events whose script failed at run time (sent to err).",
    );
    for (p, c) in pipelines() {
        o.sample(
            "sluice_pipeline_errors_total",
            &[("pipeline", &p.id)],
            c.errors,
        );
    }
    o.family(
        "sluice_pipeline_latency_seconds",
        "summary",
        "Ingest-to-sink latency of a pipeline's events.",
    );
    for (p, c) in pipelines() {
        o.summary(
            "sluice_pipeline_latency_seconds",
            &[("pipeline", &p.id)],
            &c.latency,
        );
    }
    shaper_families(&mut o, plan, snap);

    let sinks = || plan.sinks.iter().zip(&snap.sinks);
    o.family(
        "sluice_sink_events_total",
        "counter",
        "Events a sink wrote.",
    );
    for (p, c) in sinks() {
        o.sample("sluice_sink_events_total", &[("sink", &p.id)], c.events);
    }
    o.family("sluice_sink_bytes_total", "counter", "Bytes a sink wrote.");
    for (p, c) in sinks() {
        o.sample("sluice_sink_bytes_total", &[("sink", &p.id)], c.bytes);
    }
    o.family(
        "sluice_sink_dropped_total",
        "counter",
        "Events routed to a sink but lost, by reason.",
    );
    for (p, c) in sinks() {
        for (reason, n) in &c.dropped {
            o.sample(
                "sluice_sink_dropped_total",
                &[("sink", &p.id), ("reason", reason)],
                n,
            );
        }
    }
    o.family(
        "sluice_sink_errors_total",
        "counter",
        "Failed writes or connection attempts; TLS failures under kind=\"tls\", the rest unlabelled.",
    );
    for (p, c) in sinks() {
        // The unlabelled series keeps its meaning for every other failure, so the family's
        // sum is still every error; TLS ones are told apart (an expired or unknown CA is
        // not a peer that is down).
        o.sample(
            "sluice_sink_errors_total",
            &[("sink", &p.id)],
            c.errors.saturating_sub(c.tls_errors),
        );
        if p.uses_tls() || c.tls_errors > 0 {
            o.sample(
                "sluice_sink_errors_total",
                &[("sink", &p.id), ("kind", "tls")],
                c.tls_errors,
            );
        }
    }
    o.family(
        "sluice_sink_connects_total",
        "counter",
        "Connections a sink established.",
    );
    for (p, c) in sinks() {
        o.sample("sluice_sink_connects_total", &[("sink", &p.id)], c.connects);
    }
    o.family(
        "sluice_sink_reopens_total",
        "counter",
        "Times a file sink reopened its path (SIGHUP, rotation noticed, failed write).",
    );
    for (p, c) in sinks() {
        o.sample("sluice_sink_reopens_total", &[("sink", &p.id)], c.reopens);
    }
    o.family(
        "sluice_sink_syncs_total",
        "counter",
        "Times a file sink with fsync = true synced what it wrote to disk.",
    );
    for (p, c) in sinks() {
        o.sample("sluice_sink_syncs_total", &[("sink", &p.id)], c.syncs);
    }
    o.family(
        "sluice_sink_up",
        "gauge",
        "1 while a sink can write (connected, last write worked), else 0.",
    );
    for (p, c) in sinks() {
        o.sample("sluice_sink_up", &[("sink", &p.id)], c.up);
    }
    o.family(
        "sluice_sink_latency_seconds",
        "summary",
        "Ingest-to-sink latency at a sink.",
    );
    for (p, c) in sinks() {
        o.summary(
            "sluice_sink_latency_seconds",
            &[("sink", &p.id)],
            &c.latency,
        );
    }
    o.text
}

/// Per-class shaper families, for pipelines that have a shaper.
fn shaper_families(o: &mut Out, plan: &Plan, snap: &Snapshot) {
    let shaped = || {
        plan.pipelines
            .iter()
            .zip(&snap.pipelines)
            .filter(|(p, _)| p.shaper.is_some())
            .map(|(p, c)| (p.id.as_str(), &c.shaper))
    };
    if shaped().next().is_none() {
        return;
    }
    type Field = fn(&super::ClassCounters) -> u64;
    let counters: [(&str, &str, Field); 3] = [
        (
            "sluice_shaper_passed_total",
            "Events a class's buckets let through.",
            |c| c.passed,
        ),
        (
            "sluice_shaper_overflowed_total",
            "Events over their class's rate, sent to the overflow port.",
            |c| c.overflowed,
        ),
        (
            "sluice_shaper_evicted_total",
            "Buckets evicted (least recently used) to keep a class within its cardinality.",
            |c| c.evicted,
        ),
    ];
    for (name, help, field) in counters {
        o.family(name, "counter", help);
        for (p, s) in shaped() {
            for (class, c) in &s.classes {
                o.sample(name, &[("pipeline", p), ("class", class)], field(c));
            }
        }
    }
    o.family(
        "sluice_shaper_shed_total",
        "counter",
        "Events shed under load, by class and reason.",
    );
    for (p, s) in shaped() {
        for (class, c) in &s.classes {
            for (reason, n) in &c.shed {
                o.sample(
                    "sluice_shaper_shed_total",
                    &[("pipeline", p), ("class", class), ("reason", reason)],
                    n,
                );
            }
        }
    }
    o.family(
        "sluice_shaper_unshaped_total",
        "counter",
        "Events without $class (passed unshaped).",
    );
    o.family(
        "sluice_shaper_invalid_total",
        "counter",
        "Events whose shaping metadata was unusable (sent to err).",
    );
    for (p, s) in shaped() {
        o.sample(
            "sluice_shaper_unshaped_total",
            &[("pipeline", p)],
            s.unshaped,
        );
        o.sample("sluice_shaper_invalid_total", &[("pipeline", p)], s.invalid);
    }
    o.family(
        "sluice_shaper_latency_seconds",
        "summary",
        "From the read that brought an event in to its passing the shaper (1 in 16 sampled).",
    );
    for (p, s) in shaped() {
        for (class, c) in &s.classes {
            o.summary(
                "sluice_shaper_latency_seconds",
                &[("pipeline", p), ("class", class)],
                &c.latency,
            );
        }
    }
}
