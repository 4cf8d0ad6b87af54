//! The HTTP, Elasticsearch and tail examples in ops/examples, run as shipped (only ports and
//! paths swapped), with real clients: influxdb-client's write API and curl in, the `_bulk`
//! test server (tests/support, a test server, not Elasticsearch) out.

mod common;
#[path = "support/es.rs"]
mod es;

use std::process::Command;
use std::time::{Duration, Instant};

use common::{example, free_port, json_lines, retarget, Sluice};
use es::EsServer;

const CLIENT: &str = r#"
import sys
from influxdb_client import InfluxDBClient, Point, WritePrecision
from influxdb_client.client.write_api import SYNCHRONOUS
with InfluxDBClient(url="http://127.0.0.1:" + sys.argv[1], token="t", org="acme") as c:
    w = c.write_api(write_options=SYNCHRONOUS)
    w.write(bucket="telegraf", record=[Point("cpu").tag("host", "h%d" % i).field("usage", i / 10).time(1700000000 + i, WritePrecision.S) for i in range(50)], write_precision=WritePrecision.S)
"#;

/// Posts with curl; the status code.
fn curl_v1(port: u16, body: &str) -> String {
    let out = Command::new("curl")
        .args(["-s", "-o", "/dev/null", "-w", "%{http_code}", "-XPOST"])
        .arg(format!("http://127.0.0.1:{port}/write?db=telegraf"))
        .args(["--data-binary", body])
        .output()
        .expect("curl");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn influx_over_http_to_json_as_shipped() {
    common::require_python(&["influxdb_client"]);
    let port = free_port();
    let cfg = retarget(
        &example("influx-http-to-json.toml"),
        &[("127.0.0.1:8086", format!("127.0.0.1:{port}"))],
    );
    let s = Sluice::start(&cfg);
    common::python(CLIENT, &[port.to_string()]);
    let code = curl_v1(port, "mem,host=x free=1i 1700000100000000000\nmem oops\n");
    assert_eq!(
        code, "400",
        "a bad line is named in a 400; the good one is delivered"
    );
    let out = s.path("influx-http.jsonl");
    let deadline = Instant::now() + Duration::from_secs(30);
    while common::complete_lines(&out) < 51 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(30));
    }
    let (exit, dir) = s.stop();
    assert!(exit.status.success(), "{}", exit.stderr);
    let ev = json_lines(&dir.path().join("influx-http.jsonl"));
    assert_eq!(ev.len(), 51);
    let cpu: Vec<_> = ev.iter().filter(|e| e["measurement"] == "cpu").collect();
    assert_eq!(cpu.len(), 50);
    assert!(cpu.iter().all(|e| e["db"] == "telegraf"));
    assert_eq!(cpu[3]["timestamp"], 1_700_000_003_000_000_000u64);
    let mem = ev.iter().find(|e| e["measurement"] == "mem").expect("mem");
    assert_eq!(mem["fields"]["free"], 1);
    let errs = json_lines(&dir.path().join("influx-http-errors.jsonl"));
    assert_eq!(errs.len(), 1);
    assert_eq!(errs[0]["raw"], "mem oops");
}

#[test]
fn influx_over_http_to_elasticsearch_as_shipped() {
    common::require_python(&["influxdb_client"]);
    let es = EsServer::start();
    let port = free_port();
    let cfg = retarget(
        &example("influx-http-to-elasticsearch.toml"),
        &[
            ("127.0.0.1:8086", format!("127.0.0.1:{port}")),
            ("127.0.0.1:9200", format!("127.0.0.1:{}", es.port)),
        ],
    );
    let s = Sluice::start(&cfg);
    common::python(CLIENT, &[port.to_string()]);
    let docs = es.wait_docs("metrics", 50, 30);
    assert_eq!(docs.len(), 50);
    assert!(docs.values().all(|d| d["measurement"] == "cpu"));
    let (exit, _dir) = s.stop();
    assert!(exit.status.success(), "{}", exit.stderr);
}

#[test]
fn tail_to_elasticsearch_as_shipped() {
    let es = EsServer::start();
    // Not under /tmp: `retarget` moves "/tmp/..." paths into the sluice's own directory.
    let data = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).expect("tmp");
    let logs = data.path().join("app");
    std::fs::create_dir(&logs).expect("mkdir");
    std::fs::write(
        logs.join("web.log"),
        "{\"id\":\"a1\",\"msg\":\"one\"}\n{\"id\":\"a2\",\"msg\":\"two\"}\n",
    )
    .expect("write");
    let cfg = retarget(
        &example("tail-to-elasticsearch.toml"),
        &[
            ("/var/log/app/*.log", format!("{}/*.log", logs.display())),
            (
                "/var/lib/sluice",
                data.path().join("state").display().to_string(),
            ),
            ("127.0.0.1:9200", format!("127.0.0.1:{}", es.port)),
        ],
    );
    let s = Sluice::start(&cfg);
    std::fs::write(logs.join("api.log"), "{\"id\":\"b1\",\"msg\":\"three\"}\n").expect("write");
    let docs = es.wait_docs("logs", 3, 30);
    assert_eq!(docs.len(), 3, "{docs:?}");
    assert_eq!(docs["a2"]["msg"], "two");
    assert_eq!(docs["b1"]["msg"], "three");
    let (exit, _dir) = s.stop();
    assert!(exit.status.success(), "{}", exit.stderr);
    let state =
        std::fs::read_to_string(data.path().join("state/tail-logs.json")).expect("checkpoint");
    assert!(
        state.contains("web.log") && state.contains("api.log"),
        "{state}"
    );
}
