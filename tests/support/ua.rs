//! A small SIP user agent for end-to-end tests, over UDP or TCP on
//! 127.0.0.1. Everything it receives (requests and replies, from any
//! socket or connection) arrives in one queue with a handle to answer on.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::sync::mpsc::{channel, Receiver, Sender};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::header;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Proto {
    Udp,
    Tcp,
}

impl Proto {
    pub fn via(self) -> &'static str {
        match self {
            Proto::Udp => "UDP",
            Proto::Tcp => "TCP",
        }
    }
    pub fn uri_param(self) -> &'static str {
        match self {
            Proto::Udp => "",
            Proto::Tcp => ";transport=tcp",
        }
    }
}

/// Where a received message came from, to answer on.
#[derive(Clone)]
pub enum Peer {
    Udp(SocketAddr),
    Tcp(Arc<Mutex<TcpStream>>),
}

/// One received SIP message.
#[derive(Clone)]
pub struct Msg {
    pub text: String,
    pub peer: Peer,
}

impl Msg {
    pub fn is_request(&self) -> bool {
        !self.text.starts_with("SIP/2.0")
    }
    pub fn method(&self) -> &str {
        if self.is_request() {
            self.text.split(' ').next().unwrap_or("")
        } else {
            ""
        }
    }
    pub fn status(&self) -> u16 {
        super::status(&self.text)
    }
    pub fn header(&self, name: &str) -> Option<String> {
        header(&self.text, name)
    }
    /// Every value of a header (each line; comma lists are not split).
    pub fn headers(&self, name: &str) -> Vec<String> {
        self.text
            .split("\r\n")
            .skip(1)
            .take_while(|l| !l.is_empty())
            .filter_map(|l| {
                let (n, v) = l.split_once(':')?;
                n.trim().eq_ignore_ascii_case(name).then(|| v.trim().to_string())
            })
            .collect()
    }
    pub fn cseq_method(&self) -> String {
        self.header("CSeq").and_then(|c| c.split_whitespace().nth(1).map(str::to_string)).unwrap_or_default()
    }
}

pub struct Ua {
    pub user: String,
    pub proto: Proto,
    pub port: u16,
    pub proxy: SocketAddr,
    /// The host part of the From/To/R-URIs ("127.0.0.1"; a test may add
    /// the proxy's port so that `uri == myself` holds on a random port).
    pub domain: String,
    udp: Option<UdpSocket>,
    /// TCP: our connection to the proxy (requests we originate), opened
    /// on first use.
    out: Mutex<Option<Arc<Mutex<TcpStream>>>>,
    tx: Sender<Msg>,
    rx: Receiver<Msg>,
    /// Messages received but not yet asked for.
    pending: Vec<Msg>,
    cseq: u32,
    tag: String,
}

fn tcp_reader(stream: TcpStream, tx: Sender<Msg>) {
    let writer = Arc::new(Mutex::new(stream.try_clone().unwrap()));
    let mut stream = stream;
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    loop {
        while let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            if end == 0 {
                buf.drain(..2);
                continue;
            }
            let head = String::from_utf8_lossy(&buf[..end]).to_string();
            let cl = header(&head, "Content-Length").and_then(|v| v.parse::<usize>().ok()).unwrap_or(0);
            if buf.len() < end + 4 + cl {
                break;
            }
            let m: Vec<u8> = buf.drain(..end + 4 + cl).collect();
            let text = String::from_utf8_lossy(&m).into_owned();
            if tx.send(Msg { text, peer: Peer::Tcp(writer.clone()) }).is_err() {
                return;
            }
        }
        match stream.read(&mut chunk) {
            Ok(0) | Err(_) => return,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
}

impl Ua {
    /// A UA named `user` talking to the proxy at `proxy` over `proto`.
    pub fn new(user: &str, proto: Proto, proxy: SocketAddr) -> Ua {
        let (tx, rx) = channel();
        let (udp, out, port) = match proto {
            Proto::Udp => {
                let s = UdpSocket::bind("127.0.0.1:0").unwrap();
                let port = s.local_addr().unwrap().port();
                let r = s.try_clone().unwrap();
                let tx = tx.clone();
                std::thread::spawn(move || {
                    let mut buf = vec![0u8; 65536];
                    while let Ok((n, from)) = r.recv_from(&mut buf) {
                        let text = String::from_utf8_lossy(&buf[..n]).into_owned();
                        if tx.send(Msg { text, peer: Peer::Udp(from) }).is_err() {
                            return;
                        }
                    }
                });
                (Some(s), Mutex::new(None), port)
            }
            Proto::Tcp => {
                let l = TcpListener::bind("127.0.0.1:0").unwrap();
                let port = l.local_addr().unwrap().port();
                let txl = tx.clone();
                std::thread::spawn(move || {
                    for s in l.incoming() {
                        let Ok(s) = s else { return };
                        let tx = txl.clone();
                        std::thread::spawn(move || tcp_reader(s, tx));
                    }
                });
                (None, Mutex::new(None), port)
            }
        };
        Ua {
            user: user.to_string(),
            proto,
            port,
            proxy,
            domain: "127.0.0.1".to_string(),
            udp,
            out,
            rx,
            tx,
            pending: Vec::new(),
            cseq: 1,
            tag: format!("{user}-{port}"),
        }
    }

    pub fn contact(&self) -> String {
        format!("<sip:{}@127.0.0.1:{}{}>", self.user, self.port, self.proto.uri_param())
    }

    pub fn via(&self, branch: &str) -> String {
        format!("SIP/2.0/{} 127.0.0.1:{};branch=z9hG4bK{branch};rport", self.proto.via(), self.port)
    }

    /// Send to the proxy.
    pub fn send(&self, text: &str) {
        match self.proto {
            Proto::Udp => {
                self.udp.as_ref().unwrap().send_to(text.as_bytes(), self.proxy).unwrap();
            }
            Proto::Tcp => {
                let mut out = self.out.lock().unwrap();
                let conn = out.get_or_insert_with(|| {
                    let c = TcpStream::connect(self.proxy).unwrap();
                    c.set_nodelay(true).unwrap();
                    let r = c.try_clone().unwrap();
                    let tx = self.tx.clone();
                    std::thread::spawn(move || tcp_reader(r, tx));
                    Arc::new(Mutex::new(c))
                });
                conn.lock().unwrap().write_all(text.as_bytes()).unwrap();
            }
        }
    }

    /// Answer on the socket/connection `to` came from (RFC 3261 §18.2.2:
    /// UDP replies go to the Via sent-by, which here is the proxy socket).
    pub fn send_to(&self, peer: &Peer, text: &str) {
        match peer {
            Peer::Udp(a) => {
                self.udp.as_ref().unwrap().send_to(text.as_bytes(), a).unwrap();
            }
            Peer::Tcp(s) => s.lock().unwrap().write_all(text.as_bytes()).unwrap(),
        }
    }

    /// The next message matching `pred` within `timeout`; others stay queued.
    pub fn wait(&mut self, timeout: Duration, pred: impl Fn(&Msg) -> bool) -> Option<Msg> {
        if let Some(i) = self.pending.iter().position(&pred) {
            return Some(self.pending.remove(i));
        }
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.checked_duration_since(Instant::now())?;
            match self.rx.recv_timeout(left) {
                Ok(m) if pred(&m) => return Some(m),
                Ok(m) => self.pending.push(m),
                Err(_) => return None,
            }
        }
    }

    /// The next request with `method`.
    pub fn expect_request(&mut self, method: &str, timeout: Duration) -> Msg {
        let user = self.user.clone();
        self.wait(timeout, |m| m.method() == method)
            .unwrap_or_else(|| panic!("{user}: no {method} within {timeout:?}"))
    }

    /// The next reply with `code` to a request with `cseq_method`.
    pub fn expect_reply(&mut self, code: u16, cseq_method: &str, timeout: Duration) -> Msg {
        let user = self.user.clone();
        let m = cseq_method.to_string();
        self.wait(timeout, |x| x.status() == code && x.cseq_method() == m).unwrap_or_else(|| {
            panic!("{user}: no {code} for {cseq_method} within {timeout:?}; queued: {:?}",
                self.pending.iter().map(|p| p.text.lines().next().unwrap_or("").to_string()).collect::<Vec<_>>())
        })
    }

    /// True when nothing matching `pred` arrives within `timeout`.
    pub fn nothing(&mut self, timeout: Duration, pred: impl Fn(&Msg) -> bool) -> bool {
        self.wait(timeout, pred).is_none()
    }

    fn next_cseq(&mut self) -> u32 {
        self.cseq += 1;
        self.cseq
    }

    /// REGISTER our contact for `expires` seconds.
    pub fn register(&mut self, expires: u32) -> Msg {
        let cseq = self.next_cseq();
        let branch = format!("reg{}{}", self.port, cseq);
        let msg = format!(
            "REGISTER sip:{d} SIP/2.0\r\nVia: {}\r\nMax-Forwards: 70\r\n\
             From: <sip:{u}@{d}>;tag={t}\r\nTo: <sip:{u}@{d}>\r\n\
             Call-ID: reg-{u}-{p}@test\r\nCSeq: {cseq} REGISTER\r\nContact: {c}\r\n\
             Expires: {expires}\r\nContent-Length: 0\r\n\r\n",
            self.via(&branch), u = self.user, d = self.domain, t = self.tag, p = self.port, c = self.contact()
        );
        self.send(&msg);
        self.expect_reply(200, "REGISTER", Duration::from_secs(5))
    }

    /// Send an out-of-dialog request to the proxy: `ruri` as given, To
    /// the R-URI, `extra` header lines (each ending in CRLF) before
    /// Content-Length. Returns the text sent.
    pub fn request(&mut self, method: &str, ruri: &str, extra: &str) -> String {
        let cseq = self.next_cseq();
        let branch = format!("{}{}{}", method.to_lowercase(), self.port, cseq);
        let msg = format!(
            "{method} {ruri} SIP/2.0\r\nVia: {}\r\nMax-Forwards: 70\r\n\
             From: <sip:{u}@{d}>;tag={t}\r\nTo: <{ruri}>\r\n\
             Call-ID: {m}-{p}-{cseq}@test\r\nCSeq: {cseq} {method}\r\n{extra}Content-Length: 0\r\n\r\n",
            self.via(&branch), u = self.user, d = self.domain, t = self.tag, m = method.to_lowercase(), p = self.port
        );
        self.send(&msg);
        msg
    }

    /// Start a call to `callee` (an INVITE to the proxy); returns the Call.
    pub fn invite(&mut self, callee: &str, call_id: &str) -> Call {
        let cseq = self.next_cseq();
        let branch = format!("inv{}{}", self.port, cseq);
        let sdp = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n";
        let msg = format!(
            "INVITE sip:{callee}@{d} SIP/2.0\r\nVia: {}\r\nMax-Forwards: 70\r\n\
             From: <sip:{u}@{d}>;tag={t}\r\nTo: <sip:{callee}@{d}>\r\n\
             Call-ID: {call_id}\r\nCSeq: {cseq} INVITE\r\nContact: {c}\r\n\
             Content-Type: application/sdp\r\nContent-Length: {}\r\n\r\n{sdp}",
            self.via(&branch), sdp.len(), u = self.user, d = self.domain, t = self.tag, c = self.contact()
        );
        self.send(&msg);
        Call { invite: msg, branch, cseq, call_id: call_id.to_string(), callee: callee.to_string(), remote_tag: None, route: Vec::new(), target: None }
    }

    /// Build a reply to request `req` (copies Via, From, To, Call-ID, CSeq
    /// and Record-Route; adds our To-tag to non-100 replies).
    pub fn reply_text(&self, req: &Msg, code: u16, reason: &str) -> String {
        let mut out = format!("SIP/2.0 {code} {reason}\r\n");
        for v in req.headers("Via") {
            out += &format!("Via: {v}\r\n");
        }
        for rr in req.headers("Record-Route") {
            out += &format!("Record-Route: {rr}\r\n");
        }
        out += &format!("From: {}\r\n", req.header("From").unwrap());
        let to = req.header("To").unwrap();
        if code > 100 && !to.contains("tag=") {
            out += &format!("To: {to};tag={}\r\n", self.tag);
        } else {
            out += &format!("To: {to}\r\n");
        }
        out += &format!("Call-ID: {}\r\nCSeq: {}\r\n", req.header("Call-ID").unwrap(), req.header("CSeq").unwrap());
        if req.method() == "INVITE" && (200..300).contains(&code) {
            out += &format!("Contact: {}\r\n", self.contact());
        }
        out + "Content-Length: 0\r\n\r\n"
    }

    pub fn reply(&self, req: &Msg, code: u16, reason: &str) {
        let text = self.reply_text(req, code, reason);
        self.send_to(&req.peer, &text);
    }

    /// An in-dialog request (ACK, BYE) of `call`, along its route set.
    pub fn in_dialog(&mut self, call: &Call, method: &str) -> String {
        let cseq = if method == "ACK" { call.cseq } else { self.next_cseq() };
        let branch = format!("{}{}{}", method.to_lowercase(), self.port, cseq);
        let mut routes = String::new();
        for r in &call.route {
            routes += &format!("Route: {r}\r\n");
        }
        let msg = format!(
            "{method} {target} SIP/2.0\r\nVia: {}\r\n{routes}Max-Forwards: 70\r\n\
             From: <sip:{u}@{d}>;tag={t}\r\nTo: <sip:{callee}@{d}>;tag={rt}\r\n\
             Call-ID: {cid}\r\nCSeq: {cseq} {method}\r\nContent-Length: 0\r\n\r\n",
            self.via(&branch),
            target = call.target.as_deref().unwrap_or("sip:nowhere@127.0.0.1"),
            u = self.user, d = self.domain, t = self.tag, callee = call.callee,
            rt = call.remote_tag.as_deref().unwrap_or(""), cid = call.call_id,
        );
        self.send(&msg);
        msg
    }

    /// CANCEL for `call`'s INVITE (same branch, RFC 3261 §9.1).
    pub fn cancel(&self, call: &Call) {
        let msg = format!(
            "CANCEL sip:{callee}@{d} SIP/2.0\r\nVia: {}\r\nMax-Forwards: 70\r\n\
             From: <sip:{u}@{d}>;tag={t}\r\nTo: <sip:{callee}@{d}>\r\n\
             Call-ID: {cid}\r\nCSeq: {cseq} CANCEL\r\nContent-Length: 0\r\n\r\n",
            self.via(&call.branch), callee = call.callee, u = self.user, d = self.domain, t = self.tag,
            cid = call.call_id, cseq = call.cseq
        );
        self.send(&msg);
    }

    /// ACK for a non-2xx final reply: same branch as the INVITE (§17.1.1.3).
    pub fn ack_negative(&self, call: &Call, reply: &Msg) {
        let msg = format!(
            "ACK sip:{callee}@{d} SIP/2.0\r\nVia: {}\r\nMax-Forwards: 70\r\n\
             From: <sip:{u}@{d}>;tag={t}\r\nTo: {to}\r\n\
             Call-ID: {cid}\r\nCSeq: {cseq} ACK\r\nContent-Length: 0\r\n\r\n",
            self.via(&call.branch), callee = call.callee, u = self.user, d = self.domain, t = self.tag,
            to = reply.header("To").unwrap(), cid = call.call_id, cseq = call.cseq
        );
        self.send(&msg);
    }
}

/// The caller's view of one INVITE dialog.
#[derive(Clone, Debug)]
pub struct Call {
    pub invite: String,
    pub branch: String,
    pub cseq: u32,
    pub call_id: String,
    pub callee: String,
    pub remote_tag: Option<String>,
    /// Route set: the 200's Record-Route, reversed (RFC 3261 §12.1.2).
    pub route: Vec<String>,
    /// Remote target: the 200's Contact URI.
    pub target: Option<String>,
}

impl Call {
    /// Learn the dialog from a 2xx.
    pub fn established(&mut self, ok: &Msg) {
        let to = ok.header("To").unwrap();
        self.remote_tag = to.split("tag=").nth(1).map(|t| t.split(';').next().unwrap().to_string());
        let mut rr: Vec<String> = ok
            .headers("Record-Route")
            .iter()
            .flat_map(|h| h.split(',').map(|s| s.trim().to_string()).collect::<Vec<_>>())
            .collect();
        rr.reverse();
        self.route = rr;
        let c = ok.header("Contact").unwrap();
        let c = c.trim_start_matches('<');
        self.target = Some(c.split('>').next().unwrap().to_string());
    }
}
