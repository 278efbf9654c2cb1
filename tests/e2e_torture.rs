//! Every RFC 4475 / RFC 5118 torture message sent to the running server
//! over UDP: invalid ones are logged as bad (and answered 400 or dropped),
//! valid ones are not, and the server keeps serving throughout.

mod support;

use std::time::Duration;
use support::*;

/// As `../shared/sip-torture/README.md` classifies them.
const INVALID: &[&str] = &[
    "badinv01", "clerr", "ncl", "scalar02", "scalarlg", "quotbal", "ltgtruri", "lwsruri",
    "lwsstart", "escruri", "baddate", "regbadct", "badaspec", "baddn", "badvers",
    "mismatch01", "mismatch02", "bigcode", "ipv6-bad",
];
/// Either outcome is allowed (RFC 4475 leaves trws open; §3.3 messages are
/// well-formed but what to answer depends on the element).
const EITHER: &[&str] = &[
    "trws", "insuf", "unkscm", "novelsc", "unksm2", "bext01", "invut", "regaut01", "multi01",
    "mcl01", "bcast", "zeromf", "cparam01", "cparam02", "regescrt", "sdp01",
];

fn bad_lines(sb: &Switchboard) -> usize {
    sb.logs().iter().filter(|l| l.contains("bad message from")).count()
}

#[test]
fn torture_messages_are_classified_and_the_server_survives() {
    // Every request that parses gets a stateless answer (the marker's
    // proves the message before it was handled).
    let cfg = "listen=udp:127.0.0.1:0\nchildren=1\ndebug=2\nloadmodule \"sl.so\"\n\
               request_route {\n sl_send_reply(\"500\", \"No routing logic\");\n}\n";
    let mut sb = Switchboard::with_cfg(cfg, &[]);
    let udp = sb.udp.unwrap();
    let marker = UdpPeer::new();
    let mut files: Vec<_> = ["sip-torture/rfc4475", "sip-torture/rfc5118"]
        .iter()
        .flat_map(|d| std::fs::read_dir(shared_path(d)).unwrap())
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "dat"))
        .collect();
    files.sort();
    assert!(files.len() >= 60, "torture files missing: {}", files.len());

    let sender = UdpPeer::new();
    for (i, f) in files.iter().enumerate() {
        let name = f.file_stem().unwrap().to_str().unwrap().to_string();
        let before = bad_lines(&sb);
        sender.send(udp, &std::fs::read(f).unwrap());
        // One worker: once the marker is answered, the torture message
        // before it has been handled and its log line written.
        let branch = format!("mark{i}");
        marker.send(udp, options("UDP", marker.port(), &branch).as_bytes());
        let reply = marker.recv(Duration::from_secs(3)).unwrap_or_else(|| panic!("server stopped answering after {name}"));
        assert!(reply.contains(&branch), "{reply}");
        std::thread::sleep(Duration::from_millis(30));
        let logged_bad = bad_lines(&sb) > before;
        if INVALID.contains(&name.as_str()) {
            assert!(logged_bad, "{name} must be rejected");
        } else if !EITHER.contains(&name.as_str()) {
            assert!(!logged_bad, "{name} must be accepted:\n{}", sb.logs().join("\n"));
        }
    }
    assert!(sb.is_running());
}
