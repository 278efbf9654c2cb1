//! End to end over real sockets: the binary answers malformed messages
//! with 400 (or drops them), keeps serving, frames TCP streams correctly,
//! and runs the cfg's request_route (here: a stateless 500) for the rest.

mod support;

use std::time::Duration;
use support::*;

const CFG: &str = "#!KAMAILIO\n\
debug=2\n\
children=2\n\
listen=udp:127.0.0.1:0\n\
listen=tcp:127.0.0.1:0\n\
max_msg_size=4096\n\
loadmodule \"sl.so\"\n\
request_route {\n sl_send_reply(\"500\", \"No routing logic\");\n}\n";

const T: Duration = Duration::from_secs(3);

/// Content-Length is not a number: the message cannot be framed but its
/// Via is readable, so a 400 can be sent.
fn malformed(proto: &str, port: u16, branch: &str) -> String {
    options(proto, port, branch).replace("Content-Length: 0", "Content-Length: zero")
}

#[test]
fn udp_malformed_gets_400_and_listener_keeps_serving() {
    let sb = Switchboard::with_cfg(CFG, &[]);
    let udp = sb.udp.unwrap();
    let peer = UdpPeer::new();

    peer.send(udp, malformed("UDP", peer.port(), "bad1").as_bytes());
    let reply = peer.recv(T).expect("a 400 for the malformed request");
    assert_eq!(status(&reply), 400, "{reply}");
    assert!(header(&reply, "Via").unwrap().contains("branch=z9hG4bKbad1"), "{reply}");
    assert!(header(&reply, "To").unwrap().contains("tag="), "{reply}");

    // Garbage with no Via cannot be answered: dropped, logged.
    peer.send(udp, b"\x00\x01garbage that is not SIP\r\n\r\n");
    assert!(peer.recv(Duration::from_millis(500)).is_none());

    peer.send(udp, options("UDP", peer.port(), "good1").as_bytes());
    let reply = peer.recv(T).expect("the listener still answers");
    assert_eq!(status(&reply), 500, "{reply}");
    assert!(reply.contains("No routing logic"));
    assert!(header(&reply, "Via").unwrap().contains("branch=z9hG4bKgood1"));
    assert!(header(&reply, "Server").unwrap().starts_with("switchboard"));

    let logs = sb.logs().join("\n");
    assert!(logs.contains("bad message from udp:127.0.0.1"), "{logs}");
    assert!(logs.contains("dropped"), "{logs}");
}

#[test]
fn udp_reply_goes_to_via_port_without_rport() {
    let sb = Switchboard::with_cfg(CFG, &[]);
    let sender = UdpPeer::new();
    let receiver = UdpPeer::new();
    let msg = options("UDP", receiver.port(), "norport").replace(";rport", "");
    sender.send(sb.udp.unwrap(), msg.as_bytes());
    let reply = receiver.recv(T).expect("reply at the Via sent-by port");
    assert_eq!(status(&reply), 500);
    assert!(sender.recv(Duration::from_millis(300)).is_none());
}

#[test]
fn udp_reply_without_transaction_is_dropped() {
    let mut sb = Switchboard::with_cfg(CFG, &["-d", "-d", "-d"]);
    let peer = UdpPeer::new();
    let reply = format!(
        "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 127.0.0.1:{};branch=z9hG4bKorphan\r\n\
         From: <sip:a@127.0.0.1>;tag=1\r\nTo: <sip:b@127.0.0.1>;tag=2\r\nCall-ID: orphan\r\n\
         CSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n",
        peer.port()
    );
    peer.send(sb.udp.unwrap(), reply.as_bytes());
    sb.wait_log("top Via is not ours; dropped", T);
    assert!(peer.recv(Duration::from_millis(300)).is_none());
    assert!(sb.is_running());
}

#[test]
fn udp_oversized_datagram_is_dropped() {
    let sb = Switchboard::with_cfg(CFG, &[]);
    let peer = UdpPeer::new();
    let big = options("UDP", peer.port(), "big")
        .replace("Content-Length: 0\r\n", &format!("X-Pad: {}\r\nContent-Length: 0\r\n", "a".repeat(5000)));
    peer.send(sb.udp.unwrap(), big.as_bytes());
    if let Some(r) = peer.recv(Duration::from_millis(500)) {
        assert_eq!(status(&r), 400, "an oversized message is never routed: {r}");
    }
    peer.send(sb.udp.unwrap(), options("UDP", peer.port(), "after").as_bytes());
    assert_eq!(status(&peer.recv(T).unwrap()), 500);
}

#[test]
fn tcp_malformed_gets_400_and_listener_keeps_serving() {
    let sb = Switchboard::with_cfg(CFG, &[]);
    let tcp = sb.tcp.unwrap();
    let mut a = TcpPeer::connect(tcp);
    a.send(malformed("TCP", a.port(), "tbad").as_bytes());
    let reply = a.recv_message(T).expect("400 on the same connection");
    assert_eq!(status(&reply), 400, "{reply}");
    assert!(reply.contains("z9hG4bKtbad"));

    // A broken frame loses the stream; the listener still serves.
    let mut b = TcpPeer::connect(tcp);
    b.send(options("TCP", b.port(), "tgood").as_bytes());
    let reply = b.recv_message(T).expect("the listener still answers");
    assert_eq!(status(&reply), 500, "{reply}");
    assert!(reply.contains("z9hG4bKtgood"));
}

#[test]
fn tcp_bad_header_keeps_the_connection() {
    let sb = Switchboard::with_cfg(CFG, &[]);
    let mut c = TcpPeer::connect(sb.tcp.unwrap());
    // Framed fine (Content-Length is right) but the CSeq is broken.
    let bad = options("TCP", c.port(), "cseq").replace("CSeq: 1 OPTIONS", "CSeq: x OPTIONS");
    c.send(bad.as_bytes());
    assert_eq!(status(&c.recv_message(T).unwrap()), 400);
    c.send(options("TCP", c.port(), "same").as_bytes());
    let reply = c.recv_message(T).expect("same connection still served");
    assert_eq!(status(&reply), 500);
    assert!(reply.contains("z9hG4bKsame"));
}

#[test]
fn tcp_message_split_across_segments_is_framed_once() {
    let sb = Switchboard::with_cfg(CFG, &[]);
    let mut c = TcpPeer::connect(sb.tcp.unwrap());
    let body = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\n";
    let msg = options("TCP", c.port(), "split")
        .replace("Content-Length: 0", &format!("Content-Type: application/sdp\r\nContent-Length: {}", body.len()))
        + body;
    let bytes = msg.as_bytes();
    for chunk in [&bytes[..20], &bytes[20..150], &bytes[150..bytes.len() - 5], &bytes[bytes.len() - 5..]] {
        c.send(chunk);
        std::thread::sleep(Duration::from_millis(80));
    }
    let reply = c.recv_message(T).expect("one reply");
    assert_eq!(status(&reply), 500);
    assert!(reply.contains("z9hG4bKsplit"));
    assert!(c.recv_message(Duration::from_millis(400)).is_none(), "exactly one reply");
}

#[test]
fn tcp_two_messages_in_one_segment_are_both_framed() {
    let sb = Switchboard::with_cfg(CFG, &[]);
    let mut c = TcpPeer::connect(sb.tcp.unwrap());
    let two = options("TCP", c.port(), "one") + &options("TCP", c.port(), "two");
    c.send(two.as_bytes());
    let r1 = c.recv_message(T).expect("first reply");
    let r2 = c.recv_message(T).expect("second reply");
    assert!(r1.contains("z9hG4bKone"), "{r1}");
    assert!(r2.contains("z9hG4bKtwo"), "{r2}");
}

#[test]
fn tcp_keepalive_ping_gets_pong() {
    let sb = Switchboard::with_cfg(CFG, &[]);
    let mut c = TcpPeer::connect(sb.tcp.unwrap());
    c.send(b"\r\n\r\n");
    let mut buf = [0u8; 16];
    use std::io::Read;
    let deadline = std::time::Instant::now() + T;
    let n = loop {
        match c.stream.read(&mut buf) {
            Ok(n) => break n,
            Err(_) if std::time::Instant::now() < deadline => continue,
            Err(e) => panic!("no pong: {e}"),
        }
    };
    assert_eq!(&buf[..n], b"\r\n");
    c.send(options("TCP", c.port(), "afterping").as_bytes());
    assert_eq!(status(&c.recv_message(T).unwrap()), 500);
}
