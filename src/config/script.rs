//! A pipeline's script: read (inline or from `script_file`), compiled once with its grok
//! pattern files, and its ports matched to the pipeline's.

use std::path::Path;
use std::sync::Arc;

use sluice_script::{CompileOptions, Script, Value};
use sluice_shards::ScriptPlan;

use super::build::path_of;
use super::raw::RawPipeline;
use super::values::toml_to_value;
use super::{ConfigError, Source};

/// Compiles `p`'s script, if it has one; `ports` are the pipeline's port names in order.
pub(super) fn compile(
    src: &Source<'_>,
    p: &RawPipeline,
    ports: &[String],
    base: Option<&Path>,
) -> Result<Option<ScriptPlan>, ConfigError> {
    let id = p.id.get_ref();
    let key = format!("pipeline.{id}.script");
    let (text, span, mut opts) = match (&p.script, &p.script_file) {
        (Some(s), Some(_)) => {
            return Err(src.error(s.span(), key, "give `script` or `script_file`, not both"))
        }
        (Some(s), None) => {
            // Diagnostics name the config file and its lines: pad the script with the lines
            // that precede it there (TOML drops the newline right after `"""`).
            let (line, _) = super::line_col(src.text, s.span().start);
            let raw = &src.text[s.span().start..];
            let multi = raw.starts_with("\"\"\"\n") || raw.starts_with("'''\n");
            let pad = if multi { line } else { line - 1 };
            let text = format!("{}{}", "\n".repeat(pad), s.get_ref());
            let mut opts = CompileOptions::new(src.name.clone());
            // `use` in an inline script finds modules next to the config file.
            opts.include_paths.push(
                base.filter(|b| !b.as_os_str().is_empty())
                    .unwrap_or(Path::new("."))
                    .to_path_buf(),
            );
            (text, s.span(), opts)
        }
        (None, Some(f)) => {
            let path = path_of(base, f.get_ref());
            let text = std::fs::read_to_string(&path).map_err(|e| {
                src.error(
                    f.span(),
                    format!("pipeline.{id}.script_file"),
                    format!("cannot read {}: {e}", path.display()),
                )
            })?;
            (
                text,
                f.span(),
                CompileOptions::new(path.display().to_string()),
            )
        }
        (None, None) => {
            if let Some(a) = &p.args {
                return Err(src.error(
                    a.span(),
                    format!("pipeline.{id}.args"),
                    "`args` needs a `script`",
                ));
            }
            return Ok(None);
        }
    };
    opts = opts.with_env_paths();
    for g in &p.grok_patterns {
        let path = path_of(base, g.get_ref());
        opts.extractor_config.load_grok_file(&path).map_err(|e| {
            src.error(
                g.span(),
                format!("pipeline.{id}.grok_patterns"),
                e.to_string(),
            )
        })?;
    }
    let script = Script::compile(&text, &opts).map_err(|d| {
        src.error(
            span.clone(),
            key.clone(),
            format!("the script does not compile:\n{d}"),
        )
    })?;
    if !script.warnings().errors.is_empty() {
        // Unknown names compile to run-time errors (as in tremor); say so at load time.
        tracing::warn!(
            pipeline = %id,
            "the script has names that are not defined; they fail when reached:\n{}",
            script.warnings().render_warnings()
        );
    }
    let mut map = Vec::with_capacity(script.ports().len());
    for name in script.ports() {
        let Some(i) = ports.iter().position(|n| n == name) else {
            return Err(src.error(
                span,
                key,
                format!("the script emits to port `{name}`, which the pipeline does not list; add `ports = {{ {name} = [\"<sink>\"] }}`"),
            ));
        };
        map.push(i);
    }
    let args = p.args.as_ref().map_or_else(Value::record, |a| {
        toml_to_value(&toml::Value::Table(a.get_ref().clone()))
    });
    Ok(Some(ScriptPlan {
        script: Arc::new(script),
        args,
        ports: map,
    }))
}
