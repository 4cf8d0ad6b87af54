//! One real line per built-in pattern family (file), with the fields Logstash's legacy set
//! extracts from it (`ecs_compatibility => disabled`). The lines follow each product's log
//! format; the expected fields were checked against logstash-patterns-core's own specs.

use super::samples::check;

#[test]
fn grok_patterns_core() {
    check(
        "%{COMMONAPACHELOG}",
        r#"198.51.100.14 - alice [05/Mar/2024:10:11:12 +0100] "POST /api/items HTTP/1.1" 201 512"#,
        &[
            ("clientip", r#""198.51.100.14""#),
            ("auth", r#""alice""#),
            ("verb", r#""POST""#),
            ("request", r#""/api/items""#),
            ("response", r#""201""#),
            ("bytes", r#""512""#),
        ],
    );
}

#[test]
fn firewalls_shorewall_sfw2_netscreen() {
    check(
        "%{SHOREWALL}",
        "Jun 11 08:15:02 gw1 kernel: [1234.5678] Shorewall:net2fw:DROP:IN=eth1 OUT= MAC=00:11:22:33:44:55:66:77:88:99:aa:bb:08:00 SRC=203.0.113.9 DST=198.51.100.2 LEN=60 TOS=0x00 PREC=0x00 TTL=51 ID=4242 DF PROTO=TCP SPT=40000 DPT=22 WINDOW=29200 RES=0x00 SYN URGP=0",
        &[
            ("timestamp", r#""Jun 11 08:15:02""#),
            ("nf_host", r#""gw1""#),
            ("nf_action1", r#""net2fw""#),
            ("nf_action2", r#""DROP""#),
            ("nf_in_interface", r#""eth1""#),
            ("nf_dst_mac", r#""00:11:22:33:44:55""#),
            ("nf_src_mac", r#""66:77:88:99:aa:bb""#),
            ("nf_src_ip", r#""203.0.113.9""#),
            ("nf_dst_ip", r#""198.51.100.2""#),
            ("nf_ttl", r#""51""#),
            ("nf_protocol", r#""TCP""#),
            ("nf_src_port", r#""40000""#),
            ("nf_dst_port", r#""22""#),
        ],
    );
    check(
        "%{SFW2}",
        "Feb  3 04:05:06 fwhost kernel: SFW2-INext-DROP-DEFLT IN=ppp0 OUT= MAC= SRC=192.0.2.77 DST=198.51.100.40 LEN=512 TOS=0x00 PREC=0x00 TTL=70 ID=1234 PROTO=UDP SPT=5000 DPT=1026 LEN=492",
        &[
            ("timestamp", r#""Feb  3 04:05:06""#),
            ("nf_action", r#""DROP-DEFLT""#),
            ("nf_in_interface", r#""ppp0""#),
            ("nf_src_ip", r#""192.0.2.77""#),
            ("nf_dst_ip", r#""198.51.100.40""#),
            ("nf_protocol", r#""UDP""#),
        ],
    );
    check(
        "%{NETSCREENSESSIONLOG}",
        r#"Jun  2 14:53:31 edge-fw isg1000-A2: NetScreen device_id=0000011001000011 [Root]system-notification-00257(traffic): start_time="2024-01-11 10:02:10" duration=0 policy_id=244 service=https proto=6 src zone=Untrust dst zone=Trust action=Permit sent=0 rcvd=0 src=192.0.2.10 dst=198.51.100.20 src_port=1732 dst_port=443 src-xlated ip=203.0.113.1 port=22041 dst-xlated ip=203.0.113.2 port=443 session_id=488451 reason=Creation"#,
        &[
            ("device", r#""edge-fw""#),
            ("device_id", r#""0000011001000011""#),
            ("policy_id", r#""244""#),
            ("service", r#""https""#),
            ("src_zone", r#""Untrust""#),
            ("dst_zone", r#""Trust""#),
            ("action", r#""Permit""#),
            ("src_ip", r#""192.0.2.10""#),
            ("dst_port", r#""443""#),
            ("session_id", r#""488451""#),
            ("reason", r#""Creation""#),
        ],
    );
}

#[test]
fn squid() {
    check(
        "%{SQUID3}",
        "1700000000.123    250 10.1.2.3 TCP_MISS/200 4096 GET http://example.org/index.html bob HIER_DIRECT/93.184.216.34 text/html",
        &[
            ("timestamp", r#""1700000000.123""#),
            ("duration", r#""250""#),
            ("client_address", r#""10.1.2.3""#),
            ("cache_result", r#""TCP_MISS""#),
            ("status_code", r#""200""#),
            ("bytes", r#""4096""#),
            ("request_method", r#""GET""#),
            ("url", r#""http://example.org/index.html""#),
            ("user", r#""bob""#),
            ("hierarchy_code", r#""HIER_DIRECT""#),
            ("server", r#""93.184.216.34""#),
            ("content_type", r#""text/html""#),
        ],
    );
    // An aborted request logs status 000, which the legacy set accepts.
    check(
        "%{SQUID3}",
        "1426235912.366  16 10.0.0.7 TCP_MISS_ABORTED/000 0 GET http://example.org/ - HIER_NONE/- -",
        // `-` is outside the `server` group: Logstash leaves the field out, tremor's shape
        // gives a field that took no part in the match as "".
        &[("status_code", r#""000""#), ("server", r#""""#)],
    );
}

#[test]
fn nagios() {
    check(
        "%{NAGIOSLOGLINE}",
        "[1700000000] CURRENT SERVICE STATE: web01;HTTP;CRITICAL;HARD;3;CRITICAL - Socket timeout after 10 seconds",
        &[
            ("nagios_epoch", r#""1700000000""#),
            ("nagios_type", r#""CURRENT SERVICE STATE""#),
            ("nagios_hostname", r#""web01""#),
            ("nagios_service", r#""HTTP""#),
            ("nagios_state", r#""CRITICAL""#),
            ("nagios_statetype", r#""HARD""#),
            ("nagios_statecode", r#""3""#),
            (
                "nagios_message",
                r#""CRITICAL - Socket timeout after 10 seconds""#,
            ),
        ],
    );
}

#[test]
fn java_stack_trace() {
    check(
        "%{JAVASTACKTRACEPART}",
        "  at org.example.shop.CartService.addItem(CartService.java:128)",
        &[
            ("class", r#""org.example.shop.CartService""#),
            ("method", r#""addItem""#),
            ("file", r#""CartService.java""#),
            ("line", r#""128""#),
        ],
    );
    // Generated classes carry `$` in class and file names.
    check(
        "%{JAVASTACKTRACEPART}",
        "  at org.jruby.RubyMethod$INVOKER$i$call.call(RubyMethod$INVOKER$i$call.gen)",
        &[
            ("class", r#""org.jruby.RubyMethod$INVOKER$i$call""#),
            ("method", r#""call""#),
            ("file", r#""RubyMethod$INVOKER$i$call.gen""#),
        ],
    );
}

#[test]
fn bacula() {
    check(
        "%{BACULA_LOGLINE}",
        r#"24-Aug 01:54 store-sd JobId 215534: New volume "Diff-4861" mounted on device "vDrive-1" (/usr/local/bac/volumes) at 24-Aug-2023 01:54."#,
        &[
            ("bts", r#""24-Aug 01:54""#),
            ("hostname", r#""store-sd""#),
            ("jobid", r#""215534""#),
            ("volume", r#""Diff-4861""#),
            ("device", r#""vDrive-1""#),
        ],
    );
    check(
        "%{BACULA_LOGLINE}",
        r#"24-Feb 16:36 client-fd JobId 3: Could not open directory "/root": ERR=Permission denied"#,
        &[("berror", r#""Permission denied""#)],
    );
}

#[test]
fn bind() {
    check(
        "%{BIND9}",
        "30-Jun-2023 15:50:00.999 queries: info: client @0x7f64500020ef 192.168.10.48#60061 (mail.example.net): query: mail.example.net IN MX + (192.168.2.2)",
        &[
            ("timestamp", r#""30-Jun-2023 15:50:00.999""#),
            ("loglevel", r#""info""#),
            ("clientip", r#""192.168.10.48""#),
            ("clientport", r#""60061""#),
            // Logstash makes the repeated `query` an array; tremor's shape keeps the first.
            ("query", r#""mail.example.net""#),
            ("querytype", r#""MX +""#),
            ("dns", r#""192.168.2.2""#),
        ],
    );
}

#[test]
fn exim() {
    check(
        "%{EXIM}",
        r#"2023-09-13 05:00:13 [1487] 1Ov4tU-0000Nz-Rm <= list@example.com H=mail.example.com [192.0.2.2]:51792 I=[198.51.100.5]:25 P=esmtps S=21778 id=abc123@example.com T="Daily List" for user@example.org"#,
        &[
            ("timestamp", r#""2023-09-13 05:00:13""#),
            ("pid", r#""1487""#),
            ("exim_msgid", r#""1Ov4tU-0000Nz-Rm""#),
            ("exim_flags", r#""<=""#),
            ("exim_sender_email", r#""list@example.com""#),
            ("remote_hostname", r#""mail.example.com""#),
            ("remote_host", r#""192.0.2.2""#),
            ("remote_port", r#""51792""#),
            ("protocol", r#""esmtps""#),
            ("exim_msg_size", r#""21778""#),
            ("exim_header_id", r#""abc123@example.com""#),
            ("exim_subject", r#""\"Daily List\"""#),
            ("exim_recipient_email", r#""user@example.org""#),
        ],
    );
}

#[test]
fn aws_elb() {
    check(
        "%{ELB_ACCESS_LOG}",
        r#"2023-02-15T23:39:43.945958Z my-lb 192.168.131.39:2817 10.0.0.1:80 0.000073 0.001048 0.000057 200 200 0 29 "GET http://www.example.com:80/ HTTP/1.1""#,
        &[
            ("timestamp", r#""2023-02-15T23:39:43.945958Z""#),
            ("elb", r#""my-lb""#),
            ("clientip", r#""192.168.131.39""#),
            ("clientport", "2817"),
            ("backendip", r#""10.0.0.1""#),
            ("backendport", "80"),
            ("response", "200"),
            ("verb", r#""GET""#),
            ("urihost", r#""www.example.com:80""#),
            ("httpversion", r#""1.1""#),
        ],
    );
}

#[test]
fn bro_and_zeek() {
    let line = "1602164975.587600\tCt73QY3M7T5dikxggf\t192.168.122.59\t55240\t93.184.220.29\t80\t1\tGET\texample.com\t/index.html\t-\t1.1\tcurl/8.0\t-\t0\t471\t200\tOK\t-\t-\t(empty)\t-\t-\t-\t-\t-\t-\tFPGXN33wAFL8MPKJXl\t-\ttext/html";
    check(
        "%{ZEEK_HTTP}",
        line,
        &[
            ("zeek.session_id", r#""Ct73QY3M7T5dikxggf""#),
            ("source.ip", r#""192.168.122.59""#),
            ("source.port", "55240"),
            ("http.request.method", r#""GET""#),
            ("url.domain", r#""example.com""#),
            ("url.original", r#""/index.html""#),
            ("http.response.status_code", "200"),
            ("http.response.mime_type", r#""text/html""#),
        ],
    );
    check(
        "%{BRO_HTTP}",
        "1432555199.633017\tCOpk6E3vkURP8QQNKl\t10.9.9.9\t56808\t192.0.2.22\t80\t1\tGET\texample.net\t/path\t-\tMozilla/5.0\t0\t0\t304\tNot Modified\t-\t-\t-\t(empty)\t-\t-\t-\t-\t-\t-\t-",
        &[
            ("ts", r#""1432555199.633017""#),
            ("uid", r#""COpk6E3vkURP8QQNKl""#),
            ("orig_h", r#""10.9.9.9""#),
            ("method", r#""GET""#),
            ("domain", r#""example.net""#),
            ("status_code", r#""304""#),
            ("status_msg", r#""Not Modified""#),
        ],
    );
}

#[test]
fn haproxy() {
    check(
        "%{HAPROXYHTTP}",
        r#"Dec  9 13:01:26 lb1 haproxy[28029]: 127.0.0.1:39759 [09/Dec/2023:12:59:46.633] front default/instance8 0/51536/1/48082/99627 200 83285 - - ---- 87/87/87/1/0 0/67 {203.0.113.74} "GET /path/to/image HTTP/1.1""#,
        &[
            ("syslog_server", r#""lb1""#),
            ("pid", r#""28029""#),
            ("client_ip", r#""127.0.0.1""#),
            ("client_port", r#""39759""#),
            ("frontend_name", r#""front""#),
            ("backend_name", r#""default""#),
            ("server_name", r#""instance8""#),
            ("time_duration", r#""99627""#),
            ("http_status_code", r#""200""#),
            ("bytes_read", r#""83285""#),
            ("http_verb", r#""GET""#),
            ("http_request", r#""/path/to/image""#),
            ("http_version", r#""1.1""#),
        ],
    );
}

#[test]
fn httpd_error_log() {
    check(
        "%{HTTPD_ERRORLOG}",
        "[Mon Aug 31 09:30:48.958285 2023] [proxy_fcgi:error] [pid 28787:tid 140169587934976] [client 192.0.2.45:55342] AH01071: Got error 'Primary script unknown'",
        &[
            ("timestamp", r#""Mon Aug 31 09:30:48.958285 2023""#),
            ("module", r#""proxy_fcgi""#),
            ("loglevel", r#""error""#),
            ("pid", r#""28787""#),
            ("tid", r#""140169587934976""#),
            ("clientip", r#""192.0.2.45""#),
            ("errorcode", r#""AH01071""#),
            ("message", r#""Got error 'Primary script unknown'""#),
        ],
    );
}

#[test]
fn junos() {
    check(
        "%{RT_FLOW2}",
        "Dec 17 08:04:45 RT_FLOW: RT_FLOW_SESSION_CREATE: session created 10.10.10.2/53836->10.10.10.1/22 junos-ssh 10.10.10.2/53836->10.10.10.1/22 None None 6 log-host-traffic untrust junos-host 5 N/A(N/A) ge-0/0/1.0",
        &[
            ("event", r#""RT_FLOW_SESSION_CREATE""#),
            ("src-ip", r#""10.10.10.2""#),
            ("src-port", r#""53836""#),
            ("dst-ip", r#""10.10.10.1""#),
            ("dst-port", r#""22""#),
            ("service", r#""junos-ssh""#),
            ("policy-name", r#""log-host-traffic""#),
            ("from-zone", r#""untrust""#),
            ("to-zone", r#""junos-host""#),
            ("session-id", r#""5""#),
        ],
    );
}

#[test]
fn linux_syslog() {
    check(
        "%{SYSLOGLINE}",
        "Mar  7 09:15:01 host1 CRON[12345]: (root) CMD (run-parts /etc/cron.hourly)",
        &[
            ("timestamp", r#""Mar  7 09:15:01""#),
            ("logsource", r#""host1""#),
            ("program", r#""CRON""#),
            ("pid", r#""12345""#),
            ("message", r#""(root) CMD (run-parts /etc/cron.hourly)""#),
        ],
    );
}

#[test]
fn maven_mcollective_mongodb_postgresql() {
    assert!(super::tests::run("^%{MAVEN_VERSION}$", "3.8.1-SNAPSHOT").is_some());
    assert!(super::tests::run("^%{MAVEN_VERSION}$", "3.x").is_none());
    check(
        "%{MCOLLECTIVE}",
        "I, [2023-12-29T11:15:32.321744 #11479]  INFO -- : mcollectived:33 started",
        &[
            ("timestamp", r#""2023-12-29T11:15:32.321744""#),
            ("pid", r#""11479""#),
            ("event_level", r#""INFO""#),
        ],
    );
    check(
        "%{MONGO3_LOG}",
        "2023-11-03T18:28:32.450-0500 I NETWORK  [initandlisten] waiting for connections on port 27017",
        &[
            ("timestamp", r#""2023-11-03T18:28:32.450-0500""#),
            ("severity", r#""I""#),
            ("component", r#""NETWORK""#),
            ("context", r#""initandlisten""#),
            ("message", r#""waiting for connections on port 27017""#),
        ],
    );
    check(
        "%{POSTGRESQL}",
        "05-01-2023 12:00:01 UTC app_user [unknown] 4242",
        &[
            ("timestamp", r#""05-01-2023 12:00:01""#),
            ("user_id", r#""app_user""#),
            ("connection_id", r#""[unknown]""#),
            ("pid", r#""4242""#),
        ],
    );
}

#[test]
fn rails_redis_ruby() {
    check(
        "%{RAILS3}",
        r#"Started POST "/api/v3/internal/allowed" for 127.0.0.1 at 2023-08-05 11:37:01 +0200"#,
        &[
            ("verb", r#""POST""#),
            ("request", r#""/api/v3/internal/allowed""#),
            ("clientip", r#""127.0.0.1""#),
            ("timestamp", r#""2023-08-05 11:37:01 +0200""#),
        ],
    );
    check(
        "%{REDISLOG}",
        "[4018] 14 Nov 07:01:22.119 * Background saving terminated with success",
        &[
            ("pid", r#""4018""#),
            ("timestamp", r#""14 Nov 07:01:22.119""#),
        ],
    );
    check(
        "%{REDISMONLOG}",
        r#"1470637867.953466 [0 192.0.2.1:52500] "info""#,
        &[
            ("timestamp", r#""1470637867.953466""#),
            ("database", r#""0""#),
            ("client", r#""192.0.2.1""#),
            ("port", r#""52500""#),
            ("command", r#""info""#),
        ],
    );
    check(
        "%{RUBY_LOGGER}",
        "E, [2023-01-02T03:04:05.678901 #777] ERROR -- worker: connection lost",
        &[
            ("timestamp", r#""2023-01-02T03:04:05.678901""#),
            ("pid", r#""777""#),
            ("loglevel", r#""ERROR""#),
            ("progname", r#""worker""#),
            ("message", r#""connection lost""#),
        ],
    );
}
