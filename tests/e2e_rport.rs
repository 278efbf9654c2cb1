//! End to end: `force_rport()` / the `force_rport` global,
//! `add_local_rport()`, RFC 3261 §18.2.1 `received` on forwarded requests,
//! and `set_reply_no_connect()` — each seen on the wire.

mod support;

use std::time::Duration;
use support::*;

const T: Duration = Duration::from_secs(3);

/// Stateless: a local reply, or `forward()` to `X-Target`; the
/// functions under test are called when the request asks for them.
const CFG: &str = "#!KAMAILIO\n\
debug=2\n\
children=2\n\
listen=udp:127.0.0.1:0\n\
listen=tcp:127.0.0.1:0\n\
loadmodule \"sl.so\"\n\
loadmodule \"tm.so\"\n\
loadmodule \"pv.so\"\n\
request_route {\n\
 if ($hdr(X-Force) == \"yes\") { force_rport(); }\n\
 if ($hdr(X-Local) == \"yes\") { add_local_rport(); }\n\
 if ($hdr(X-NoConnect) == \"yes\") { set_reply_no_connect(); }\n\
 if ($hdr(X-Target) == $null) { sl_send_reply(\"200\", \"Here\"); exit; }\n\
 $du = $hdr(X-Target);\n\
 if ($hdr(X-Tm) == \"yes\") { t_relay(); exit; }\n\
 forward();\n\
}\n";

/// A MESSAGE whose Via names `sent_by` (not necessarily where it comes from).
fn message(sent_by: &str, branch: &str, extra: &str) -> String {
    format!(
        "MESSAGE sip:bob@127.0.0.1 SIP/2.0\r\n\
         Via: SIP/2.0/UDP {sent_by};branch=z9hG4bK{branch}\r\n\
         Max-Forwards: 70\r\n\
         From: <sip:alice@127.0.0.1>;tag=a{branch}\r\n\
         To: <sip:bob@127.0.0.1>\r\n\
         Call-ID: {branch}@127.0.0.1\r\n\
         CSeq: 1 MESSAGE\r\n\
         {extra}Content-Length: 0\r\n\r\n"
    )
}

/// Every Via line of a message, in order.
fn vias(msg: &str) -> Vec<String> {
    msg.split("\r\n")
        .skip(1)
        .take_while(|l| !l.is_empty())
        .filter_map(|l| l.strip_prefix("Via: ").map(str::to_string))
        .collect()
}

/// A 200 to `req` as a UAS writes it: the Vias copied in order.
fn ok_to(req: &str) -> String {
    let mut out = String::from("SIP/2.0 200 OK\r\n");
    for v in vias(req) {
        out += &format!("Via: {v}\r\n");
    }
    for h in ["From", "Call-ID", "CSeq"] {
        out += &format!("{h}: {}\r\n", header(req, h).unwrap());
    }
    out += &format!("To: {};tag=b\r\nContent-Length: 0\r\n\r\n", header(req, "To").unwrap());
    out
}

#[test]
fn force_rport_sends_a_local_reply_to_the_source_port() {
    let sb = Switchboard::with_cfg(CFG, &[]);
    let sender = UdpPeer::new();
    let via_port = UdpPeer::new();
    let sent_by = format!("127.0.0.1:{}", via_port.port());

    // Without it the reply follows the Via (RFC 3261 §18.2.2).
    sender.send(sb.udp.unwrap(), message(&sent_by, "plain", "").as_bytes());
    let r = via_port.recv(T).expect("reply at the Via port");
    assert_eq!(status(&r), 200);
    assert!(!header(&r, "Via").unwrap().contains("rport"), "{r}");
    assert!(sender.recv(Duration::from_millis(300)).is_none());

    // With it: back to where the request came from, the Via stamped.
    sender.send(sb.udp.unwrap(), message(&sent_by, "forced", "X-Force: yes\r\n").as_bytes());
    let r = sender.recv(T).expect("reply at the source port");
    let via = header(&r, "Via").unwrap();
    assert!(via.contains(&format!(";rport={}", sender.port())), "{via}");
    assert!(via.contains(";received=127.0.0.1"), "{via}");
    assert!(via_port.recv(Duration::from_millis(300)).is_none());
}

#[test]
fn the_force_rport_global_applies_to_every_request() {
    let cfg = CFG.replace("children=2\n", "children=2\nforce_rport=yes\n");
    let sb = Switchboard::with_cfg(&cfg, &[]);
    let sender = UdpPeer::new();
    let via_port = UdpPeer::new();
    sender.send(sb.udp.unwrap(), message(&format!("127.0.0.1:{}", via_port.port()), "global", "").as_bytes());
    let r = sender.recv(T).expect("reply at the source port");
    assert!(header(&r, "Via").unwrap().contains(&format!(";rport={}", sender.port())), "{r}");
}

/// The NAT case: the sender's Via names an address nobody can reach. With
/// `force_rport()` the forwarded request carries `received`/`rport=`, so the
/// downstream reply, forwarded back statelessly by Via, reaches the sender.
#[test]
fn forwarded_requests_carry_received_and_rport_for_the_way_back() {
    let sb = Switchboard::with_cfg(CFG, &[]);
    let proxy = sb.udp.unwrap();
    let sender = UdpPeer::new();
    let uas = UdpPeer::new();
    let target = format!("X-Target: sip:127.0.0.1:{}\r\n", uas.port());

    // A host name as sent-by: `received` is added (RFC 3261 §18.2.1) but
    // no rport was asked for.
    sender.send(proxy, message("client.invalid:5999", "named", &target).as_bytes());
    let req = uas.recv(T).expect("forwarded request");
    let v = vias(&req);
    assert_eq!(v.len(), 2, "{req}");
    assert!(!v[0].contains("rport"), "no rport on our Via by default: {}", v[0]);
    assert_eq!(v[1], "SIP/2.0/UDP client.invalid:5999;branch=z9hG4bKnamed;received=127.0.0.1");

    // The sender's own address, nothing asked: its Via is passed on as it is.
    let sent_by = format!("127.0.0.1:{}", sender.port());
    sender.send(proxy, message(&sent_by, "same", &target).as_bytes());
    let req = uas.recv(T).expect("forwarded request");
    assert_eq!(vias(&req)[1], format!("SIP/2.0/UDP {sent_by};branch=z9hG4bKsame"));

    // force_rport() + add_local_rport(): both Vias ask for / carry rport,
    // and the reply finds the sender behind its "NAT".
    let extra = format!("{target}X-Force: yes\r\nX-Local: yes\r\n");
    sender.send(proxy, message("10.9.9.9:5999", "nat", &extra).as_bytes());
    let req = uas.recv(T).expect("forwarded request");
    let v = vias(&req);
    assert!(v[0].ends_with(";rport"), "add_local_rport: {}", v[0]);
    assert_eq!(v[1], format!("SIP/2.0/UDP 10.9.9.9:5999;branch=z9hG4bKnat;rport={};received=127.0.0.1", sender.port()));
    uas.send(proxy, ok_to(&req).as_bytes());
    let r = sender.recv(T).expect("the reply comes back to the sender's real port");
    assert_eq!(status(&r), 200);
    assert_eq!(vias(&r).len(), 1, "our Via removed: {r}");
}

/// `set_reply_no_connect()`: the caller's TCP connection is gone when the
/// downstream reply arrives, so tm must not open a new one for it.
#[test]
fn set_reply_no_connect_keeps_tm_from_opening_a_connection_for_a_reply() {
    let mut sb = Switchboard::with_cfg(CFG, &[]);
    let uas = UdpPeer::new();
    let mut caller = TcpPeer::connect(sb.tcp.unwrap());
    let sent_by = format!("127.0.0.1:{}", caller.port());
    let extra = format!("X-Target: sip:127.0.0.1:{}\r\nX-Tm: yes\r\nX-NoConnect: yes\r\n", uas.port());
    caller.send(message(&sent_by, "noconn", &extra).replace("SIP/2.0/UDP", "SIP/2.0/TCP").as_bytes());
    let req = uas.recv(T).expect("relayed request");
    drop(caller);
    // the server notices the closed connection before the reply comes
    std::thread::sleep(Duration::from_millis(300));
    uas.send(sb.udp.unwrap(), ok_to(&req).as_bytes());
    sb.wait_log("may not open one (set_reply_no_connect)", T);
    assert!(sb.is_running());
}
