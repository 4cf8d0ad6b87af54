//! InfluxDB's line protocol reference examples (syntax, data types, special characters,
//! comments, precision) and tremor's documented example, decoded and re-encoded.

mod common;

use common::{codec, decode, encode, json};
use sluice_script::Value;

fn check(precision: &str, rows: &[(&str, &str)]) {
    let mut c = codec("influx", &format!(r#"{{"precision":"{precision}"}}"#));
    for (line, want) in rows {
        let got = decode(&mut c, line.as_bytes(), 42)
            .unwrap_or_else(|e| panic!("{line:?}: {e}"))
            .unwrap_or_else(|| panic!("{line:?}: no event"));
        // JSON text distinguishes floats (`82.0`) from integers (`82`).
        assert_eq!(got.to_json(), json(want).to_json(), "{line:?}");
    }
}

#[test]
fn reference_syntax_and_types() {
    check(
        "ns",
        &[
            (
                "weather,location=us-midwest temperature=82 1465839830100400200",
                r#"{"measurement":"weather","tags":{"location":"us-midwest"},"fields":{"temperature":82.0},"timestamp":1465839830100400200}"#,
            ),
            (
                "myMeasurement,tag1=value1,tag2=value2 fieldKey=\"fieldValue\" 1556813561098000000",
                r#"{"measurement":"myMeasurement","tags":{"tag1":"value1","tag2":"value2"},"fields":{"fieldKey":"fieldValue"},"timestamp":1556813561098000000}"#,
            ),
            // No timestamp: the ingest time.
            (
                "myMeasurement fieldKey=1.0",
                r#"{"measurement":"myMeasurement","tags":{},"fields":{"fieldKey":1.0},"timestamp":42}"#,
            ),
            (
                "myMeasurement fieldKey=1,f2=-1.234456e+78,i=1i,n=-12485903i,s=\"this is a string\"",
                r#"{"measurement":"myMeasurement","tags":{},"fields":{"fieldKey":1.0,"f2":-1.234456e78,"i":1,"n":-12485903,"s":"this is a string"},"timestamp":42}"#,
            ),
            (
                "m a=t,b=T,c=true,d=True,e=TRUE,f=f,g=F,h=false,i=False,j=FALSE",
                r#"{"measurement":"m","tags":{},"fields":{"a":true,"b":true,"c":true,"d":true,"e":true,"f":false,"g":false,"h":false,"i":false,"j":false},"timestamp":42}"#,
            ),
        ],
    );
    let mut c = codec("influx", "{}");
    let v = decode(&mut c, b"myMeasurement fieldKey=12485903u", 0)
        .unwrap()
        .unwrap();
    assert!(matches!(
        v.get("fields").and_then(|f| f.get("fieldKey")),
        Some(Value::U64(12_485_903))
    ));
}

#[test]
fn reference_special_characters_and_comments() {
    check(
        "ns",
        &[
            (
                r#"my\ Measurement fieldKey="string value""#,
                r#"{"measurement":"my Measurement","tags":{},"fields":{"fieldKey":"string value"},"timestamp":42}"#,
            ),
            (
                r#"myMeasurement fieldKey="\"string\" within a string""#,
                r#"{"measurement":"myMeasurement","tags":{},"fields":{"fieldKey":"\"string\" within a string"},"timestamp":42}"#,
            ),
            (
                r#"myMeasurement,tag\ Key1=tag\ Value1,tag\ Key2=tag\ Value2 fieldKey=100"#,
                r#"{"measurement":"myMeasurement","tags":{"tag Key1":"tag Value1","tag Key2":"tag Value2"},"fields":{"fieldKey":100.0},"timestamp":42}"#,
            ),
            (
                "myMeasurement,tagKey=🍭 fieldKey=\"Launch 🚀\" 1556813561098000000",
                r#"{"measurement":"myMeasurement","tags":{"tagKey":"🍭"},"fields":{"fieldKey":"Launch 🚀"},"timestamp":1556813561098000000}"#,
            ),
            (
                r#"cpu\,main,tag\,bar=va\=lue name\,bar=1,pa\=th="C:\\dir" 0"#,
                r#"{"measurement":"cpu,main","tags":{"tag,bar":"va=lue"},"fields":{"name,bar":1.0,"pa=th":"C:\\dir"},"timestamp":0}"#,
            ),
            (
                "# This is a comment\nmyMeasurement fieldKey=\"string value\" 1556813561098000000\n",
                r#"{"measurement":"myMeasurement","tags":{},"fields":{"fieldKey":"string value"},"timestamp":1556813561098000000}"#,
            ),
        ],
    );
}

#[test]
fn reference_precisions() {
    check(
        "s",
        &[(
            r"home,room=Living\ Room temp=21.1,hum=35.9,co=0i 1641024000",
            r#"{"measurement":"home","tags":{"room":"Living Room"},"fields":{"temp":21.1,"hum":35.9,"co":0},"timestamp":1641024000000000000}"#,
        )],
    );
    check(
        "ms",
        &[(
            "m v=1 1556813561098",
            r#"{"measurement":"m","tags":{},"fields":{"v":1.0},"timestamp":1556813561098000000}"#,
        )],
    );
    check(
        "us",
        &[(
            "m v=1 1556813561098000",
            r#"{"measurement":"m","tags":{},"fields":{"v":1.0},"timestamp":1556813561098000000}"#,
        )],
    );
}

#[test]
fn encodes_what_it_decodes() {
    let mut c = codec("influx", r#"{"precision":"s"}"#);
    for line in [
        r"home,room=Living\ Room co=0i,hum=35.9,temp=21.1 1641024000",
        r#"m,a=1,b=x\,y s="q\"b\\c\nd",u=5u,t=true,f=6.632243e+06 -3"#,
        "m v=1e-05",
    ] {
        let v = decode(&mut c, line.as_bytes(), 0).unwrap().unwrap();
        let out = encode(&mut c, &v).unwrap();
        let again = decode(&mut c, &out, 0).unwrap().unwrap();
        assert_eq!(again.to_json(), v.to_json(), "{line}");
        if line != "m v=1e-05" {
            assert_eq!(String::from_utf8_lossy(&out), line);
        }
    }
    for bad in [
        r#"{"measurement":"m","fields":{}}"#,
        r#"{"measurement":"","fields":{"v":1}}"#,
        r##"{"measurement":"#m","fields":{"v":1}}"##,
        r#"{"measurement":"m\\","fields":{"v":1}}"#,
        r#"{"measurement":"m","fields":{"v":[1]}}"#,
        r#"{"measurement":"m","tags":{"t":{"x":1}},"fields":{"v":1}}"#,
        r#"{"measurement":"m","fields":{"v":1},"timestamp":"now"}"#,
        r#"{"measurement":"m\u0001","fields":{"v":1}}"#,
        r#""just a string""#,
    ] {
        assert!(encode(&mut c, &json(bad)).is_err(), "{bad}");
    }
}
