//! The short summary printed at shutdown.

use std::fmt::Write as _;

use sluice_shards::metrics::{Latency, ShaperCounters, Snapshot};
use sluice_shards::Plan;

fn ms(ns: u64) -> String {
    #[allow(clippy::cast_precision_loss)]
    let v = ns as f64 / 1e6;
    format!("{v:.3}ms")
}

fn latency(h: &Latency) -> String {
    if h.count() == 0 {
        return "no samples".into();
    }
    format!(
        "p50 {} p99 {} p99.9 {} max {}",
        ms(h.quantile(0.5)),
        ms(h.quantile(0.99)),
        ms(h.quantile(0.999)),
        ms(h.max())
    )
}

fn labelled(l: &[(&'static str, u64)]) -> String {
    if l.is_empty() {
        return "0".into();
    }
    l.iter()
        .map(|(k, v)| format!("{v} {k}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Renders totals as a few lines per component.
pub fn render(plan: &Plan, s: &Snapshot) -> String {
    let mut o = String::from("sluice summary\n");
    for (p, c) in plan.sources.iter().zip(&s.sources) {
        let _ = writeln!(
            o,
            "  source {:<12} {} events, {} bytes, errors: {}, dropped: {}, kernel drops: {}, connections: {} ({} refused)",
            p.id,
            c.events,
            c.bytes,
            labelled(&c.errors),
            labelled(&c.dropped),
            c.kernel_drops,
            c.connections,
            c.connections_rejected
        );
    }
    for (p, c) in plan.pipelines.iter().zip(&s.pipelines) {
        let ports: Vec<String> = p
            .ports
            .iter()
            .zip(&c.ports)
            .map(|((n, _), v)| format!("{n} {v}"))
            .collect();
        let _ = writeln!(
            o,
            "  pipeline {:<10} {} in, {}, dropped {}, script errors {}; latency {}",
            p.id,
            c.events,
            ports.join(", "),
            c.dropped,
            c.errors,
            latency(&c.latency)
        );
    }
    for (p, c) in plan.pipelines.iter().zip(&s.pipelines) {
        if p.shaper.is_some() {
            shaper(&mut o, &p.id, &c.shaper);
        }
    }
    for (p, c) in plan.sinks.iter().zip(&s.sinks) {
        let _ = writeln!(
            o,
            "  sink {:<14} {} events, {} bytes, dropped: {}, errors {}",
            p.id,
            c.events,
            c.bytes,
            labelled(&c.dropped),
            c.errors
        );
    }
    o
}

/// One line per class of a pipeline's shaper, and its unshaped/invalid counts.
fn shaper(o: &mut String, pipeline: &str, s: &ShaperCounters) {
    let _ = writeln!(
        o,
        "  shaper {pipeline:<12} {} unshaped, {} invalid (to err)",
        s.unshaped, s.invalid
    );
    for (class, c) in &s.classes {
        let _ = writeln!(
            o,
            "    class {class:<16} passed {}, overflowed {}, evicted {}, shed: {}; latency {}",
            c.passed,
            c.overflowed,
            c.evicted,
            labelled(&c.shed),
            latency(&c.latency)
        );
    }
}
