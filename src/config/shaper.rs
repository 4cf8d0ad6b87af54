//! A pipeline's `shaper`: `"bucket"` or `{ kind = "bucket", cardinality = 1000, ... }`,
//! checked key by key into a [`ShaperPlan`].

use sluice_shards::shaper::{ShaperPlan, ShedAction};

use super::raw::{RawPipeline, ShaperField};
use super::{ConfigError, Source};

/// Every key a shaper table takes.
const KEYS: &[&str] = &[
    "kind",
    "cardinality",
    "max_classes",
    "metrics_classes",
    "max_dimension_bytes",
    "priorities",
    "default_priority",
    "shed",
    "high_water",
    "low_water",
    "shed_step",
    "pause_lossless",
    "share_interval",
    "borrow",
];

/// The pipeline's shaper plan, if it has one; adds an (unrouted) `overflow` port to `ports`
/// when the config does not route it.
pub(super) fn plan(
    src: &Source<'_>,
    p: &RawPipeline,
    ports: &mut Vec<(String, Vec<usize>)>,
) -> Result<Option<ShaperPlan>, ConfigError> {
    let Some(field) = &p.shaper else {
        return Ok(None);
    };
    let id = p.id.get_ref();
    let span = field.span();
    let err = |k: &str, m: String| {
        let key = if k.is_empty() {
            format!("pipeline.{id}.shaper")
        } else {
            format!("pipeline.{id}.shaper.{k}")
        };
        src.error(span.clone(), key, m)
    };
    let overflow_port = match ports.iter().position(|(n, _)| n == "overflow") {
        Some(i) => i,
        None => {
            ports.push(("overflow".to_string(), Vec::new()));
            ports.len() - 1
        }
    };
    let mut plan = ShaperPlan::bucket(overflow_port);
    let table = match field.get_ref() {
        ShaperField::Name(n) => {
            kind(n).map_err(|m| err("", m))?;
            return Ok(Some(plan));
        }
        ShaperField::Table(t) => t,
    };
    match table.get("kind") {
        Some(toml::Value::String(k)) => kind(k).map_err(|m| err("kind", m))?,
        Some(_) => return Err(err("kind", "expected a string: \"bucket\"".into())),
        None => {
            return Err(err(
                "kind",
                "a shaper table needs `kind = \"bucket\"`".into(),
            ))
        }
    }
    for (k, v) in table {
        let bad = |m: &str| err(k, m.to_string());
        match k.as_str() {
            "kind" => {}
            "cardinality" => plan.cardinality = count(v, 1, 10_000_000).map_err(|m| bad(&m))?,
            "max_classes" => plan.max_classes = count(v, 1, 10_000_000).map_err(|m| bad(&m))?,
            "metrics_classes" => plan.metrics_classes = count(v, 1, 1000).map_err(|m| bad(&m))?,
            "max_dimension_bytes" => {
                plan.max_dimension_bytes = count(v, 16, 1 << 20).map_err(|m| bad(&m))?;
            }
            "default_priority" => plan.default_priority = priority(v).map_err(|m| bad(&m))?,
            "priorities" => {
                let Some(t) = v.as_table() else {
                    return Err(bad("expected a table of class = priority (0-255)"));
                };
                for (class, pv) in t {
                    let pr = priority(pv).map_err(|m| err(&format!("priorities.{class}"), m))?;
                    plan.priorities.push((class.clone(), pr));
                }
            }
            "shed" => {
                plan.shed = match v.as_str() {
                    Some("overflow") => ShedAction::Overflow,
                    Some("drop") => ShedAction::Drop,
                    _ => return Err(bad("expected \"overflow\" or \"drop\"")),
                }
            }
            "high_water" => plan.high_water = fraction(v).map_err(|m| bad(&m))?,
            "low_water" => plan.low_water = fraction(v).map_err(|m| bad(&m))?,
            "borrow" => {
                plan.borrow = fraction(v).map_err(|m| bad(&m))?;
                if plan.borrow > 0.5 {
                    return Err(bad("at most 0.5 (it is added to the host-wide rate)"));
                }
            }
            "shed_step" => plan.shed_step = duration(v).map_err(|m| bad(&m))?,
            "share_interval" => {
                plan.share_interval = duration(v).map_err(|m| bad(&m))?;
                if plan.share_interval < std::time::Duration::from_millis(1)
                    || plan.share_interval > std::time::Duration::from_secs(1)
                {
                    return Err(bad("must be from 1ms to 1s"));
                }
            }
            "pause_lossless" => {
                plan.pause_lossless = v.as_bool().ok_or_else(|| bad("expected true or false"))?;
            }
            other => {
                let hint = sluice_codecs::did_you_mean(other, KEYS);
                return Err(err(
                    other,
                    format!(
                        "unknown shaper key `{other}`{hint} (known: {})",
                        KEYS.join(", ")
                    ),
                ));
            }
        }
    }
    if plan.low_water >= plan.high_water {
        return Err(err(
            "low_water",
            format!(
                "must be below high_water ({} >= {})",
                plan.low_water, plan.high_water
            ),
        ));
    }
    Ok(Some(plan))
}

fn kind(k: &str) -> Result<(), String> {
    if k == "bucket" {
        Ok(())
    } else {
        let hint = sluice_codecs::did_you_mean(k, &["bucket"]);
        Err(format!("unknown shaper `{k}`{hint} (known: bucket)"))
    }
}

fn count(v: &toml::Value, min: i64, max: i64) -> Result<usize, String> {
    match v.as_integer() {
        Some(i) if (min..=max).contains(&i) => usize::try_from(i).map_err(|e| e.to_string()),
        _ => Err(format!("expected an integer from {min} to {max}, got {v}")),
    }
}

fn priority(v: &toml::Value) -> Result<u8, String> {
    v.as_integer()
        .and_then(|i| u8::try_from(i).ok())
        .ok_or_else(|| {
            format!("a priority is an integer from 0 to 255 (higher is more important), got {v}")
        })
}

fn fraction(v: &toml::Value) -> Result<f64, String> {
    #[allow(clippy::cast_precision_loss)]
    let f = v.as_float().or_else(|| v.as_integer().map(|i| i as f64));
    match f {
        Some(f) if (0.0..=1.0).contains(&f) => Ok(f),
        _ => Err(format!("expected a fraction from 0 to 1, got {v}")),
    }
}

fn duration(v: &toml::Value) -> Result<std::time::Duration, String> {
    match v.as_str() {
        Some(s) => super::parse_duration(s),
        None => Err(format!("expected a duration like \"50ms\", got {v}")),
    }
}
