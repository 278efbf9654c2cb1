use bytes::Bytes;
use proptest::prelude::*;
use switchboard_core::sip::{
    self, build_reply_from_raw, HeaderName, Method, ReplyOptions, Uri,
};

fn exercise(data: &[u8]) {
    if let Ok(m) = sip::parse(Bytes::copy_from_slice(data)) {
        let _ = m.validate();
        let _ = m.validate_strict();
        let _ = m.top_via().map(|v| {
            (
                v.branch(),
                v.reply_target("192.0.2.1:5060".parse().unwrap()),
            )
        });
        let _ = m.vias().count();
        let _ = m.contacts().count();
        let _ = m.from().map(|f| f.map(|f| f.tag()));
        let _ = m.to();
        let _ = m.cseq();
        let _ = m.ruri();
        let _ = m.routes().count();
        let _ = m.header_values(HeaderName::Supported).count();
        let out = m.serialize();
        let again = sip::parse(out).expect("serialized message must parse");
        assert_eq!(
            again.headers().collect::<Vec<_>>(),
            m.headers().collect::<Vec<_>>()
        );
        let _ = sip::build_reply(&m, 400, "Bad", &ReplyOptions::default());
    }
    let _ = build_reply_from_raw(data, 400, "Bad Request", &ReplyOptions::default());
    let s = String::from_utf8_lossy(data);
    if let Ok(u) = Uri::parse(&s) {
        assert_eq!(u.to_string(), s);
    }
}

#[derive(Debug, Clone)]
struct Gen {
    method: String,
    user: String,
    host: String,
    port: Option<u16>,
    branch: String,
    tag: String,
    cseq: u32,
    extra: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Gen {
    fn ruri(&self) -> String {
        match self.port {
            Some(p) => format!("sip:{}@{}:{}", self.user, self.host, p),
            None => format!("sip:{}@{}", self.user, self.host),
        }
    }
    fn render(&self) -> Vec<u8> {
        let mut s = format!(
            "{m} {ruri} SIP/2.0\r\nVia: SIP/2.0/UDP {h};branch=z9hG4bK{b}\r\nFrom: <sip:caller@{h}>;tag={t}\r\nTo: <{ruri}>\r\nCall-ID: {b}@{h}\r\nCSeq: {c} {m}\r\nMax-Forwards: 70\r\n",
            m = self.method,
            ruri = self.ruri(),
            h = self.host,
            b = self.branch,
            t = self.tag,
            c = self.cseq
        );
        for (n, v) in &self.extra {
            s.push_str(&format!("{n}: {v}\r\n"));
        }
        s.push_str(&format!("Content-Length: {}\r\n\r\n", self.body.len()));
        let mut out = s.into_bytes();
        out.extend_from_slice(&self.body);
        out
    }
}

fn gen_strategy() -> impl Strategy<Value = Gen> {
    (
        prop_oneof![
            Just("INVITE".to_string()),
            Just("REGISTER".to_string()),
            Just("OPTIONS".to_string()),
            Just("BYE".to_string()),
            "[A-Z][A-Z!%*_+`'~.-]{0,10}",
        ],
        "[a-z0-9_.!~*'()+-]{1,12}",
        "[a-z][a-z0-9-]{0,10}(\\.[a-z]{2,6}){0,3}",
        proptest::option::of(1u16..),
        "[a-zA-Z0-9.-]{1,16}",
        "[a-zA-Z0-9]{1,10}",
        0u32..(1 << 31),
        proptest::collection::vec(
            (
                "X-[A-Za-z]{1,8}",
                "[a-zA-Z0-9][a-zA-Z0-9 ;=,]{0,30}[a-zA-Z0-9]",
            ),
            0..6,
        ),
        proptest::collection::vec(any::<u8>(), 0..300),
    )
        .prop_map(
            |(method, user, host, port, branch, tag, cseq, extra, body)| Gen {
                method,
                user,
                host,
                port,
                branch,
                tag,
                cseq,
                extra,
                body,
            },
        )
}

#[derive(Debug, Clone)]
enum Edit {
    SetRuri(String),
    AddTop(String),
    Append(String),
    RemoveExtra(usize),
    PushVia(String),
    SetBody(Vec<u8>),
}

fn edit_strategy() -> impl Strategy<Value = Edit> {
    prop_oneof![
        "[a-z]{1,8}".prop_map(|u| Edit::SetRuri(format!("sip:{u}@example.net:5070"))),
        "[a-z0-9]{1,12}".prop_map(Edit::AddTop),
        "[a-z0-9]{1,12}".prop_map(Edit::Append),
        (0usize..6).prop_map(Edit::RemoveExtra),
        "[a-z0-9]{1,12}".prop_map(|b| Edit::PushVia(format!(
            "SIP/2.0/TCP proxy.example.org;branch=z9hG4bK{b}"
        ))),
        proptest::collection::vec(any::<u8>(), 0..100).prop_map(Edit::SetBody),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, .. ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(data in proptest::collection::vec(any::<u8>(), 0..600)) {
        exercise(&data);
    }

    #[test]
    fn sip_like_text_never_panics(data in "[A-Za-z0-9 :;,<>\"\\\\/@=.\\[\\]%\r\n\t*?&+-]{0,400}") {
        exercise(data.as_bytes());
        let mut with_start = b"INVITE sip:a@b SIP/2.0\r\nVia: ".to_vec();
        with_start.extend_from_slice(data.as_bytes());
        exercise(&with_start);
    }

    #[test]
    fn mutated_valid_messages_never_panic(g in gen_strategy(), pos in any::<prop::sample::Index>(), bytes in proptest::collection::vec(any::<u8>(), 1..8), cut in any::<bool>()) {
        let mut raw = g.render();
        let i = pos.index(raw.len());
        if cut {
            raw.truncate(i);
        } else {
            for (k, b) in bytes.iter().enumerate() {
                if i + k < raw.len() {
                    raw[i + k] = *b;
                }
            }
        }
        exercise(&raw);
    }

    #[test]
    fn generated_roundtrip(g in gen_strategy()) {
        let raw = g.render();
        let m = sip::parse(Bytes::from(raw.clone())).unwrap();
        m.validate().unwrap();
        prop_assert_eq!(m.method().unwrap(), &Method::from_token(&g.method));
        let ruri = m.ruri().unwrap().unwrap();
        prop_assert_eq!(ruri.user(), Some(g.user.as_str()));
        prop_assert_eq!(ruri.host(), g.host.as_str());
        prop_assert_eq!(ruri.port(), g.port);
        prop_assert_eq!(m.top_via().unwrap().branch().unwrap(), format!("z9hG4bK{}", g.branch));
        prop_assert_eq!(m.from_tag(), Some(g.tag.as_str()));
        prop_assert_eq!(m.cseq().unwrap().unwrap().seq, g.cseq);
        for (n, v) in &g.extra {
            prop_assert!(m.header_values_by_name(n).any(|x| x == v.as_str()));
        }
        prop_assert_eq!(m.body(), &g.body[..]);
        let out = m.serialize();
        prop_assert_eq!(&out[..], &raw[..]);
        let again = sip::parse(out).unwrap();
        prop_assert_eq!(again.headers().collect::<Vec<_>>(), m.headers().collect::<Vec<_>>());
        prop_assert_eq!(again.body(), m.body());
        prop_assert_eq!(again.ruri_str(), m.ruri_str());
    }

    #[test]
    fn edits_show_and_keep_the_rest(g in gen_strategy(), edit in edit_strategy()) {
        let raw = g.render();
        let orig = sip::parse(Bytes::from(raw)).unwrap();
        let mut m = orig.clone();
        // Headers the edit may legitimately touch are excluded from the
        // "unchanged" comparison.
        let mut touched: Vec<HeaderName> = vec![];
        let mut removed_name: Option<String> = None;
        match &edit {
            Edit::SetRuri(u) => m.set_ruri(u).unwrap(),
            Edit::AddTop(v) => m.add_header_top("X-Added", v).unwrap(),
            Edit::Append(v) => m.append_header("X-Added", v).unwrap(),
            Edit::RemoveExtra(i) => {
                if let Some((n, _)) = g.extra.get(*i) {
                    removed_name = Some(n.clone());
                    m.remove_header_by_name(n);
                }
            }
            Edit::PushVia(v) => { m.push_via(v).unwrap(); touched.push(HeaderName::Via); }
            Edit::SetBody(b) => {
                m.set_body(Bytes::from(b.clone()), Some("application/octet-stream")).unwrap();
                touched.extend([HeaderName::ContentLength, HeaderName::ContentType]);
            }
        }
        let e = sip::parse(m.serialize()).unwrap();
        e.validate().unwrap();
        match &edit {
            Edit::SetRuri(u) => prop_assert_eq!(e.ruri_str(), Some(u.as_str())),
            Edit::AddTop(v) => {
                let first = e.headers().next().unwrap();
                prop_assert_eq!((first.name_raw, first.value), ("X-Added", v.as_str()));
            }
            Edit::Append(v) => {
                let last = e.headers().last().unwrap();
                prop_assert_eq!((last.name_raw, last.value), ("X-Added", v.as_str()));
            }
            Edit::RemoveExtra(_) => {
                if let Some(n) = &removed_name {
                    prop_assert_eq!(e.header_by_name(n), None);
                }
            }
            Edit::PushVia(v) => {
                prop_assert_eq!(e.top_via().unwrap().as_str(), v.as_str());
                prop_assert_eq!(e.via_count(), 2);
            }
            Edit::SetBody(b) => {
                prop_assert_eq!(e.body(), &b[..]);
                prop_assert_eq!(e.content_length(), Some(b.len()));
            }
        }
        let keep = |h: &sip::Header<'_>| {
            !touched.contains(&h.name)
                && h.name_raw != "X-Added"
                && removed_name.as_deref().is_none_or(|r| !h.name_raw.eq_ignore_ascii_case(r))
        };
        let a: Vec<_> = orig.headers().filter(keep).collect();
        let b: Vec<_> = e.headers().filter(keep).collect();
        prop_assert_eq!(a, b);
        if !matches!(edit, Edit::SetBody(_)) {
            prop_assert_eq!(e.body(), orig.body());
        }
        if !matches!(edit, Edit::PushVia(_)) {
            let v1: Vec<_> = orig.vias().map(|v| v.unwrap().as_str().to_string()).collect();
            let v2: Vec<_> = e.vias().map(|v| v.unwrap().as_str().to_string()).collect();
            prop_assert_eq!(v1, v2);
        }
    }
}
