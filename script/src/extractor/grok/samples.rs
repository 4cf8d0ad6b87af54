//! The standard patterns on real log lines. Expected fields are read off the lines.

use super::tests::run;
use crate::{JsonDecoder, Value};

fn parse(json: &str) -> Value<'static> {
    let mut buf = json.as_bytes().to_vec();
    JsonDecoder::new().decode(&mut buf).unwrap().into_static()
}

/// Extracts with `pattern` and checks the listed (path, JSON value) pairs.
pub(super) fn check(pattern: &str, line: &str, want: &[(&str, &str)]) {
    let got = run(pattern, line).unwrap_or_else(|| panic!("{pattern} did not match {line:?}"));
    let got = parse(&got);
    for (path, value) in want {
        let mut v = &got;
        for part in path.split('.') {
            v = v
                .get(part)
                .unwrap_or_else(|| panic!("{path} missing in {got} ({line})"));
        }
        assert_eq!(*v, parse(value), "{path} in {line}");
    }
}

#[test]
fn apache_combined_access_logs() {
    const P: &str = "%{COMBINEDAPACHELOG}";
    // The example line from Apache httpd's log documentation.
    check(
        P,
        r#"127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] "GET /apache_pb.gif HTTP/1.0" 200 2326 "http://www.example.com/start.html" "Mozilla/4.08 [en] (Win98; I ;Nav)""#,
        &[
            ("clientip", r#""127.0.0.1""#),
            ("ident", r#""-""#),
            ("auth", r#""frank""#),
            ("timestamp", r#""10/Oct/2000:13:55:36 -0700""#),
            ("verb", r#""GET""#),
            ("request", r#""/apache_pb.gif""#),
            ("httpversion", r#""1.0""#),
            ("rawrequest", r#""""#),
            ("response", r#""200""#),
            ("bytes", r#""2326""#),
            ("referrer", r#""\"http://www.example.com/start.html\"""#),
            ("agent", r#""\"Mozilla/4.08 [en] (Win98; I ;Nav)\"""#),
        ],
    );
    // IPv6 client, long user agent, query string.
    check(
        P,
        r#"2001:db8::1 - - [17/May/2015:10:05:03 +0000] "GET /presentations/logstash-monitorama-2013/images/kibana-search.png?v=2&x=%20y HTTP/1.1" 200 203023 "http://semicomplete.com/presentations/logstash-monitorama-2013/" "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_9_1) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/32.0.1700.77 Safari/537.36""#,
        &[
            ("clientip", r#""2001:db8::1""#),
            ("auth", r#""-""#),
            ("verb", r#""GET""#),
            (
                "request",
                r#""/presentations/logstash-monitorama-2013/images/kibana-search.png?v=2&x=%20y""#,
            ),
            ("httpversion", r#""1.1""#),
            ("response", r#""200""#),
            ("bytes", r#""203023""#),
            (
                "agent",
                r#""\"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_9_1) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/32.0.1700.77 Safari/537.36\"""#,
            ),
        ],
    );
    // A host name, a request line that is not a request, no body size.
    check(
        P,
        r#"crawl-66-249-73-135.googlebot.com - - [17/May/2015:10:05:40 +0000] "-" 400 - "-" "-""#,
        &[
            ("clientip", r#""crawl-66-249-73-135.googlebot.com""#),
            ("verb", r#""""#),
            ("request", r#""""#),
            ("rawrequest", r#""-""#),
            ("response", r#""400""#),
            ("bytes", r#""""#),
            ("referrer", r#""\"-\"""#),
            ("agent", r#""\"-\"""#),
        ],
    );
    // An e-mail address as the user, HTTP/2.
    check(
        P,
        r#"10.0.0.5 - alice@example.com [01/Jan/2024:00:00:01 +0100] "POST /api/v1/items HTTP/2.0" 201 0 "-" "curl/8.5.0""#,
        &[
            ("clientip", r#""10.0.0.5""#),
            ("auth", r#""alice@example.com""#),
            ("verb", r#""POST""#),
            ("httpversion", r#""2.0""#),
            ("response", r#""201""#),
            ("bytes", r#""0""#),
            ("agent", r#""\"curl/8.5.0\"""#),
        ],
    );
}

#[test]
fn syslog_lines() {
    check(
        "%{SYSLOGLINE}",
        "Mar  7 04:02:16 myhost sshd[2124]: Accepted publickey for root from 192.168.1.10 port 50122 ssh2",
        &[
            ("timestamp", r#""Mar  7 04:02:16""#),
            ("timestamp8601", r#""""#),
            ("logsource", r#""myhost""#),
            ("program", r#""sshd""#),
            ("pid", r#""2124""#),
            ("message", r#""Accepted publickey for root from 192.168.1.10 port 50122 ssh2""#),
        ],
    );
    check(
        "%{SYSLOGLINE}",
        "2024-01-15T10:30:00.123Z web01 nginx: 10.0.0.1 GET /",
        &[
            ("timestamp", r#""""#),
            ("timestamp8601", r#""2024-01-15T10:30:00.123Z""#),
            ("logsource", r#""web01""#),
            ("program", r#""nginx""#),
            ("pid", r#""""#),
            ("message", r#""10.0.0.1 GET /""#),
        ],
    );
    check(
        "%{SYSLOGBASE} %{GREEDYDATA:message}",
        "Oct 11 22:14:15 mymachine su: 'su root' failed for lonvick on /dev/pts/8",
        &[
            ("timestamp", r#""Oct 11 22:14:15""#),
            ("logsource", r#""mymachine""#),
            ("program", r#""su""#),
            ("message", r#""'su root' failed for lonvick on /dev/pts/8""#),
        ],
    );
    check(
        "%{SYSLOG5424LINE}",
        "<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut=\"3\"] An application event log entry",
        &[
            ("syslog5424_pri", r#""165""#),
            ("syslog5424_ver", r#""1""#),
            ("syslog5424_ts", r#""2003-10-11T22:14:15.003Z""#),
            ("syslog5424_host", r#""mymachine.example.com""#),
            ("syslog5424_app", r#""evntslog""#),
            ("syslog5424_proc", r#""""#),
            ("syslog5424_msgid", r#""ID47""#),
            ("syslog5424_sd", r#""[exampleSDID@32473 iut=\"3\"]""#),
            ("syslog5424_msg", r#""An application event log entry""#),
        ],
    );
}

#[test]
fn firewall_logs() {
    // Cisco ASA 106023 behind the tagged syslog header.
    check(
        "%{CISCO_TAGGED_SYSLOG} %{CISCOFW106023}",
        r#"<164>Aug 29 2012 16:38:04: %ASA-4-106023: Deny tcp src outside:100.66.98.44/8080 dst inside:10.10.10.1/52704 by access-group "S_OUTSIDE_TO_INSIDE" [0x0, 0x0]"#,
        &[
            ("syslog_pri", r#""164""#),
            ("timestamp", r#""Aug 29 2012 16:38:04""#),
            ("ciscotag", r#""ASA-4-106023""#),
            ("action", r#""Deny""#),
            ("protocol", r#""tcp""#),
            ("src_interface", r#""outside""#),
            ("src_ip", r#""100.66.98.44""#),
            ("src_port", r#""8080""#),
            ("dst_interface", r#""inside""#),
            ("dst_ip", r#""10.10.10.1""#),
            ("dst_port", r#""52704""#),
            ("policy_id", r#""S_OUTSIDE_TO_INSIDE""#),
            ("hashcode1", r#""0x0""#),
            ("hashcode2", r#""0x0""#),
        ],
    );
    // Cisco ASA 302013: a connection built.
    check(
        "%{CISCOFW302013_302014_302015_302016}",
        "Built inbound TCP connection 1234567 for outside:203.0.113.5/51000 (203.0.113.5/51000) to inside:192.168.10.20/443 (198.51.100.7/443)",
        &[
            ("action", r#""Built""#),
            ("direction", r#""inbound""#),
            ("protocol", r#""TCP""#),
            ("connection_id", r#""1234567""#),
            ("src_interface", r#""outside""#),
            ("src_ip", r#""203.0.113.5""#),
            ("src_port", r#""51000""#),
            ("src_mapped_ip", r#""203.0.113.5""#),
            ("dst_interface", r#""inside""#),
            ("dst_ip", r#""192.168.10.20""#),
            ("dst_port", r#""443""#),
            ("dst_mapped_ip", r#""198.51.100.7""#),
            ("dst_mapped_port", r#""443""#),
        ],
    );
    // A Linux netfilter (iptables LOG target) line.
    check(
        "%{IPTABLES}",
        "IN=eth0 OUT= MAC=00:0c:29:8e:54:bb:00:50:56:c0:00:08:08:00 SRC=192.168.1.100 DST=192.168.1.1 LEN=60 TOS=0x00 PREC=0x00 TTL=64 ID=54321 DF PROTO=TCP SPT=51234 DPT=22 WINDOW=29200 RES=0x00 SYN URGP=0",
        &[
            ("observer.ingress.interface.name", r#""eth0""#),
            ("observer.egress.interface.name", r#""""#),
            ("destination.mac", r#""00:0c:29:8e:54:bb""#),
            ("source.mac", r#""00:50:56:c0:00:08""#),
            ("source.ip", r#""192.168.1.100""#),
            ("destination.ip", r#""192.168.1.1""#),
            ("iptables.length", "60"),
            ("iptables.tos", r#""00""#),
            ("iptables.ttl", "64"),
            ("iptables.id", r#""54321""#),
            ("iptables.fragment_flags", r#""DF""#),
            ("iptables.fragment_offset", "null"),
            ("network.transport", r#""TCP""#),
            ("source.port", "51234"),
            ("destination.port", "22"),
            ("iptables.tcp.window", "29200"),
            ("iptables.tcp.seq", "null"),
            ("iptables.tcp_reserved_bits", r#""00""#),
            ("iptables.tcp.flags", r#""SYN ""#),
        ],
    );
}
