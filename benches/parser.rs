use bytes::Bytes;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use std::hint::black_box;
use switchboard_core::sip::{self, HeaderName};
use switchboard_core::transport::framing::{Frame, Framer, FramingConfig};

const INVITE: &str = "INVITE sip:bob@biloxi.example.com SIP/2.0\r\n\
Via: SIP/2.0/UDP pc33.atlanta.example.com:5060;branch=z9hG4bK776asdhds;rport\r\n\
Max-Forwards: 70\r\n\
To: Bob <sip:bob@biloxi.example.com>\r\n\
From: Alice <sip:alice@atlanta.example.com>;tag=1928301774\r\n\
Call-ID: a84b4c76e66710@pc33.atlanta.example.com\r\n\
CSeq: 314159 INVITE\r\n\
Contact: <sip:alice@pc33.atlanta.example.com;transport=udp>\r\n\
Allow: INVITE, ACK, CANCEL, OPTIONS, BYE, REFER, NOTIFY\r\n\
Supported: replaces, timer\r\n\
User-Agent: ExamplePhone/1.0\r\n\
Content-Type: application/sdp\r\n\
Content-Length: 232\r\n\
\r\n\
v=0\r\n\
o=alice 2890844526 2890844526 IN IP4 pc33.atlanta.example.com\r\n\
s=Session SDP\r\n\
c=IN IP4 192.0.2.101\r\n\
t=0 0\r\n\
m=audio 49172 RTP/AVP 0 8 101\r\n\
a=rtpmap:0 PCMU/8000\r\n\
a=rtpmap:8 PCMA/8000\r\n\
a=rtpmap:101 telephone-event/8000\r\n\
a=sendrecv\r\n";

const REGISTER: &str = "REGISTER sip:registrar.biloxi.example.com SIP/2.0\r\n\
Via: SIP/2.0/UDP bobspc.biloxi.example.com:5060;branch=z9hG4bKnashds7;rport\r\n\
Max-Forwards: 70\r\n\
To: Bob <sip:bob@biloxi.example.com>\r\n\
From: Bob <sip:bob@biloxi.example.com>;tag=456248\r\n\
Call-ID: 843817637684230@998sdasdh09\r\n\
CSeq: 1826 REGISTER\r\n\
Contact: <sip:bob@192.0.2.4:5060;transport=udp>;expires=3600;+sip.instance=\"<urn:uuid:00000000-0000-1000-8000-000A95A0E128>\"\r\n\
Expires: 7200\r\n\
User-Agent: ExamplePhone/1.0\r\n\
Content-Length: 0\r\n\
\r\n";

fn index(m: &sip::SipMessage) -> usize {
    let via = m.top_via().unwrap();
    let mut n = via.branch().map_or(0, |b| b.len());
    n += m.from_tag().map_or(0, |t| t.len());
    n += m.to().unwrap().unwrap().uri().host().len();
    n += m.call_id().map_or(0, |c| c.len());
    n += m.cseq().unwrap().unwrap().seq as usize;
    n += m
        .contacts()
        .next()
        .unwrap()
        .unwrap()
        .addr()
        .unwrap()
        .uri()
        .host()
        .len();
    n
}

fn bench(c: &mut Criterion) {
    let invite = Bytes::from_static(INVITE.as_bytes());
    let register = Bytes::from_static(REGISTER.as_bytes());
    assert!(invite.len() > 650, "INVITE is {} bytes", invite.len());

    let mut g = c.benchmark_group("sip");
    g.throughput(Throughput::Elements(1));
    g.bench_function("parse_invite", |b| {
        b.iter(|| sip::parse(black_box(invite.clone())).unwrap())
    });
    g.bench_function("parse_index_invite", |b| {
        b.iter(|| {
            let m = sip::parse(black_box(invite.clone())).unwrap();
            index(&m)
        })
    });
    g.bench_function("parse_validate_index_invite", |b| {
        b.iter(|| {
            let m = sip::parse(black_box(invite.clone())).unwrap();
            m.validate().unwrap();
            index(&m)
        })
    });
    g.bench_function("parse_index_register", |b| {
        b.iter(|| {
            let m = sip::parse(black_box(register.clone())).unwrap();
            let n = index(&m);
            n + m.expires().unwrap().unwrap() as usize
        })
    });
    g.bench_function("proxy_edit_serialize_invite", |b| {
        b.iter(|| {
            let mut m = sip::parse(black_box(invite.clone())).unwrap();
            m.push_via("SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKproxy1")
                .unwrap();
            m.set_header(HeaderName::MaxForwards.as_str(), "69")
                .unwrap();
            m.serialize()
        })
    });
    g.bench_function("stream_frame_invite", |b| {
        let cfg = FramingConfig { max_msg_size: 65535, accept_no_cl: false };
        b.iter(|| matches!(Framer::new(cfg).next(black_box(INVITE.as_bytes())), Frame::Message(_)))
    });
    g.finish();

    // Cost of each typed getter on an already parsed INVITE.
    let m = sip::parse(invite.clone()).unwrap();
    let mut g = c.benchmark_group("getter");
    g.bench_function("top_via_branch", |b| {
        b.iter(|| black_box(&m).top_via().unwrap().branch().map(str::len))
    });
    g.bench_function("from_tag", |b| {
        b.iter(|| black_box(&m).from_tag().map(str::len))
    });
    g.bench_function("to_uri_host", |b| {
        b.iter(|| black_box(&m).to().unwrap().unwrap().uri().host().len())
    });
    g.bench_function("call_id", |b| {
        b.iter(|| black_box(&m).call_id().map(str::len))
    });
    g.bench_function("cseq", |b| {
        b.iter(|| black_box(&m).cseq().unwrap().unwrap().seq)
    });
    g.bench_function("first_contact", |b| {
        b.iter(|| black_box(&m).contacts().next().unwrap().unwrap().is_star())
    });
    g.bench_function("validate", |b| b.iter(|| black_box(&m).validate().is_ok()));
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
