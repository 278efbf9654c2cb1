use super::transport::{next_fifo_request, FifoRequest};
use super::*;
use crate::myself::Myself;
use crate::usrloc::Binding;

fn shared() -> Shared {
    Shared::bare(Myself::default())
}

fn ask(shared: &Shared, req: &str) -> Value {
    let out = handle(shared, req.as_bytes(), false).expect("a response");
    serde_json::from_slice(&out).expect("the response is JSON")
}

#[test]
fn result_echoes_the_id() {
    let s = shared();
    let r = ask(&s, r#"{"jsonrpc":"2.0","method":"core.version","id":"abc"}"#);
    assert_eq!(r["jsonrpc"], "2.0");
    assert_eq!(r["id"], "abc");
    assert!(r["result"].as_str().unwrap().starts_with("switchboard "), "{r}");
    let r = ask(&s, r#"{"jsonrpc":"2.0","method":"tm.stats","id":7}"#);
    assert_eq!(r["id"], 7);
    assert_eq!(r["result"]["current"], 0);
}

#[test]
fn errors_have_json_rpc_codes() {
    let s = shared();
    let r = ask(&s, r#"{"jsonrpc":"2.0","method":"no.such","id":1}"#);
    assert_eq!(r["error"]["code"], METHOD_NOT_FOUND);
    assert_eq!(r["id"], 1);
    let r = ask(&s, "{not json");
    assert_eq!(r["error"]["code"], PARSE_ERROR);
    assert_eq!(r["id"], Value::Null);
    let r = ask(&s, r#"{"jsonrpc":"2.0","method":"ul.lookup","params":["location"],"id":2}"#);
    assert_eq!(r["error"]["code"], INVALID_PARAMS);
    let r = ask(&s, r#"{"jsonrpc":"2.0","method":"ul.dump","params":{"a":1},"id":3}"#);
    assert_eq!(r["error"]["code"], INVALID_PARAMS);
    let r = ask(&s, r#"{"jsonrpc":"2.0","id":4}"#);
    assert_eq!(r["error"]["code"], INVALID_REQUEST);
    assert_eq!(r["id"], 4);
    let r = ask(&s, "42");
    assert_eq!(r["error"]["code"], INVALID_REQUEST);
}

#[test]
fn notifications_get_no_response_and_batches_are_answered() {
    let s = shared();
    assert!(handle(&s, br#"{"jsonrpc":"2.0","method":"core.version"}"#, false).is_none());
    let r = ask(
        &s,
        r#"[{"jsonrpc":"2.0","method":"core.version","id":1},
            {"jsonrpc":"2.0","method":"core.version"},
            {"jsonrpc":"2.0","method":"nope","id":2}]"#,
    );
    let a = r.as_array().unwrap();
    assert_eq!(a.len(), 2);
    assert_eq!(a[0]["id"], 1);
    assert_eq!(a[1]["error"]["code"], METHOD_NOT_FOUND);
}

#[test]
fn commands_registered_from_outside_are_listed_and_called() {
    let s = shared();
    register("test.echo", "Echoes its params.", |_, p| Ok(Value::Array(p.to_vec())));
    register("test.fail", "Fails.", |_, _| Err((500, "broken".into())));
    register("test.panic", "Panics.", |_, _| panic!("boom"));
    let r = ask(&s, r#"{"jsonrpc":"2.0","method":"system.listMethods","id":1}"#);
    let names: Vec<&str> = r["result"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
    for m in ["test.echo", "core.version", "ul.dump", "tm.stats", "system.listMethods"] {
        assert!(names.contains(&m), "{m} in {names:?}");
    }
    let r = ask(&s, r#"{"jsonrpc":"2.0","method":"test.echo","params":[1,"a"],"id":1}"#);
    assert_eq!(r["result"], json!([1, "a"]));
    let r = ask(&s, r#"{"jsonrpc":"2.0","method":"test.fail","id":1}"#);
    assert_eq!(r["error"], json!({"code": 500, "message": "broken"}));
    let r = ask(&s, r#"{"jsonrpc":"2.0","method":"test.panic","id":1}"#);
    assert_eq!(r["error"]["code"], 500);
    let r = ask(&s, r#"{"jsonrpc":"2.0","method":"system.methodHelp","params":["test.echo"],"id":1}"#);
    assert_eq!(r["result"], "Echoes its params.");
}

#[test]
fn int_params_take_numbers_and_numeric_strings() {
    assert_eq!(int_param(&[json!(5)], 0, "n"), Ok(5));
    assert_eq!(int_param(&[json!(" 20000")], 0, "n"), Ok(20000));
    assert_eq!(int_param(&[json!("x")], 0, "n").unwrap_err().0, INVALID_PARAMS);
    assert_eq!(int_param(&[], 0, "n").unwrap_err().0, INVALID_PARAMS);
    assert_eq!(commands::non_negative(&[json!(-1)], "n").unwrap_err().0, INVALID_PARAMS);
}

#[test]
fn ul_dump_lookup_and_rm_show_the_location_table() {
    let s = shared();
    let d = s.location.usrloc.domain("location");
    let now = crate::usrloc::now();
    d.save(
        "alice",
        Binding {
            ruid: "r1".into(),
            username: "alice".into(),
            contact: "sip:alice@127.0.0.1:5070".into(),
            expires: now + 60,
            callid: "c1".into(),
            cseq: 3,
            ..Binding::default()
        },
    );
    let r = ask(&s, r#"{"jsonrpc":"2.0","method":"ul.dump","id":1}"#);
    let dom = &r["result"]["Domains"][0]["Domain"];
    assert_eq!(dom["Domain"], "location");
    let c = &dom["AoRs"][0]["Info"]["Contacts"][0]["Contact"];
    assert_eq!(dom["AoRs"][0]["Info"]["AoR"], "alice");
    assert_eq!(c["Address"], "sip:alice@127.0.0.1:5070");
    assert_eq!(c["Call-ID"], "c1");
    let exp = c["Expires"].as_u64().unwrap();
    assert!((58..=60).contains(&exp), "{exp}");
    let r = ask(&s, r#"{"jsonrpc":"2.0","method":"ul.dump","params":["brief"],"id":1}"#);
    let c = &r["result"]["Domains"][0]["Domain"]["AoRs"][0]["Info"]["Contacts"][0]["Contact"];
    assert_eq!(c.as_object().unwrap().len(), 2, "{c}");

    let r = ask(&s, r#"{"jsonrpc":"2.0","method":"ul.lookup","params":["location","sip:alice@example.com"],"id":1}"#);
    assert_eq!(r["result"]["AoR"], "alice");
    assert_eq!(r["result"]["Contacts"][0]["Contact"]["Address"], "sip:alice@127.0.0.1:5070");
    let r = ask(&s, r#"{"jsonrpc":"2.0","method":"ul.lookup","params":["location","bob"],"id":1}"#);
    assert_eq!(r["error"], json!({"code": 404, "message": "AOR not found"}));
    let r = ask(&s, r#"{"jsonrpc":"2.0","method":"ul.lookup","params":["nope","alice"],"id":1}"#);
    assert_eq!(r["error"]["code"], 500);

    let r = ask(&s, r#"{"jsonrpc":"2.0","method":"stats.get_statistics","params":["usrloc:"],"id":1}"#);
    let stats: Vec<&str> = r["result"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
    assert!(stats.contains(&"usrloc:location-contacts = 1"), "{stats:?}");
    assert!(stats.contains(&"usrloc:registered_users = 1"), "{stats:?}");

    let r = ask(&s, r#"{"jsonrpc":"2.0","method":"ul.rm","params":["location","alice"],"id":1}"#);
    assert_eq!(r["result"], Value::Null);
    assert!(d.lookup("alice", now).is_empty());
}

#[test]
fn core_ps_and_uptime_have_kamailio_shapes() {
    let s = shared();
    let r = ask(&s, r#"{"jsonrpc":"2.0","method":"core.ps","id":1}"#);
    let a = r["result"].as_array().unwrap();
    assert!(a.len() >= 2 && a.len().is_multiple_of(2));
    assert!(a[0].is_i64() && a[1].is_string());
    let r = ask(&s, r#"{"jsonrpc":"2.0","method":"core.psx","id":1}"#);
    assert_eq!(r["result"][0]["IDX"], 0);
    let r = ask(&s, r#"{"jsonrpc":"2.0","method":"core.uptime","id":1}"#);
    assert!(r["result"]["uptime"].is_i64());
    assert!(r["result"]["up_since"].is_string());
}

#[test]
fn fifo_stream_is_split_into_requests() {
    let mut buf = b":reply1:\n{\"jsonrpc\":\"2.0\",\"method\":\"core.version\",\"id\":1}\n  {\"method\":\"x\",\"reply_name\":\"r2\"".to_vec();
    match next_fifo_request(&mut buf) {
        Some(FifoRequest::Doc { reply_name, doc }) => {
            assert_eq!(reply_name.as_deref(), Some("reply1"));
            assert_eq!(doc["method"], "core.version");
        }
        other => panic!("{other:?}"),
    }
    // Incomplete: wait for more.
    assert_eq!(next_fifo_request(&mut buf), None);
    buf.extend_from_slice(b"}");
    match next_fifo_request(&mut buf) {
        Some(FifoRequest::Doc { reply_name: None, doc }) => assert_eq!(doc["reply_name"], "r2"),
        other => panic!("{other:?}"),
    }
    assert_eq!(next_fifo_request(&mut buf), None);
    assert!(buf.is_empty());
    // Garbage: an error for the named reply FIFO, then the next line.
    let mut buf = b":r3:{oops\n{\"method\":\"y\"}".to_vec();
    match next_fifo_request(&mut buf) {
        Some(FifoRequest::Bad { reply_name, .. }) => assert_eq!(reply_name.as_deref(), Some("r3")),
        other => panic!("{other:?}"),
    }
    assert!(matches!(next_fifo_request(&mut buf), Some(FifoRequest::Doc { .. })));
    // An unterminated prefix waits; an overlong one is rejected.
    let mut buf = b":abc".to_vec();
    assert_eq!(next_fifo_request(&mut buf), None);
    let mut buf = format!(":{}", "a".repeat(400)).into_bytes();
    assert!(matches!(next_fifo_request(&mut buf), Some(FifoRequest::Bad { reply_name: None, .. })));
}

fn settings(modparams: &str) -> Result<Option<transport::RpcSettings>, String> {
    use std::sync::atomic::{AtomicU32, Ordering};
    static N: AtomicU32 = AtomicU32::new(0);
    let path = std::env::temp_dir().join(format!(
        "sb-rpc-settings-{}-{}.cfg",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst)
    ));
    std::fs::write(&path, format!("#!KAMAILIO\nloadmodule \"jsonrpcs.so\"\n{modparams}\nrequest_route {{ drop; }}\n")).unwrap();
    let config = crate::cfg::load(&path, &Default::default()).map_err(|e| e.to_string());
    let _ = std::fs::remove_file(&path);
    transport::RpcSettings::from_config(&config?)
}

#[test]
fn transports_run_as_the_cfg_says() {
    use std::path::PathBuf;
    let s = settings("").unwrap().unwrap();
    assert_eq!((s.fifo, s.dgram), (None, None), "nothing named, nothing runs");
    assert!(s.pretty);
    let s = settings(r#"modparam("jsonrpcs", "dgram_socket", "/tmp/x.sock")"#).unwrap().unwrap();
    assert_eq!((s.fifo, s.dgram), (None, Some(transport::DgramAddr::Unix(PathBuf::from("/tmp/x.sock")))));
    let s = settings(r#"modparam("jsonrpcs", "transport", 0)"#).unwrap().unwrap();
    assert_eq!(s.fifo, Some(PathBuf::from("/run/kamailio/kamailio_rpc.fifo")));
    assert_eq!(s.dgram, Some(transport::DgramAddr::Unix(PathBuf::from("/run/kamailio/kamailio_rpc.sock"))));
    let s = settings(
        r#"modparam("jsonrpcs", "transport", 1)
modparam("jsonrpcs", "dgram_socket", "/tmp/x.sock")
modparam("jsonrpcs", "fifo_name", "my.fifo")
modparam("jsonrpcs", "fifo_mode", 0600)
modparam("jsonrpcs", "pretty_format", 0)"#,
    )
    .unwrap()
    .unwrap();
    assert_eq!((s.fifo, s.dgram), (Some(PathBuf::from("/run/kamailio/my.fifo")), None));
    assert_eq!(s.fifo_mode, 0o600);
    assert!(!s.pretty);
    let s = settings(r#"modparam("jsonrpcs", "dgram_socket", "udp:127.0.0.1:8090")"#).unwrap().unwrap();
    assert_eq!(s.dgram, Some(transport::DgramAddr::Udp("127.0.0.1:8090".parse().unwrap())));
    let s = settings(r#"modparam("jsonrpcs", "dgram_socket", "udp:[::1]:8090")"#).unwrap().unwrap();
    assert_eq!(s.dgram, Some(transport::DgramAddr::Udp("[::1]:8090".parse().unwrap())));
    assert!(settings(r#"modparam("jsonrpcs", "dgram_socket", "udp:somewhere")"#).is_err());
    // TCP: only when named; transport 4 without a socket stops the start
    let s = settings(r#"modparam("jsonrpcs", "tcp_socket", "tcp:127.0.0.1:8091")"#).unwrap().unwrap();
    assert_eq!((s.tcp, s.fifo, s.dgram.is_none()), (Some("127.0.0.1:8091".parse().unwrap()), None, true));
    assert_eq!(settings(r#"modparam("jsonrpcs", "transport", 0)"#).unwrap().unwrap().tcp, None);
    let e = settings(r#"modparam("jsonrpcs", "transport", 4)"#).unwrap_err();
    assert!(e.contains("tcp_socket"), "{e}");
    assert!(settings(r#"modparam("jsonrpcs", "tcp_socket", "127.0.0.1:8091")"#).is_err());
    assert!(settings(r#"modparam("jsonrpcs", "fifo_mode", 999)"#).is_err());
}
