//! Test helpers: a `Shared` and a `RouteCtx` over a parsed message.

use std::net::SocketAddr;

use crate::exports::{Arg, Export, Ret};
use crate::myself::Myself;
use crate::route::{RouteCtx, RouteType, Shared, Vars};
use crate::sip::SipMessage;
use crate::transport::{Protocol, ReceiveInfo};

/// A `Shared` with `127.0.0.1:5060` (udp) and the alias `example.com` as
/// myself, default module settings and no transports.
pub fn shared() -> Shared {
    let mut myself = Myself::default();
    myself.add(Some(Protocol::Udp), "127.0.0.1", Some(5060));
    myself.add(None, "example.com", None);
    Shared::bare(myself)
}

pub fn info() -> ReceiveInfo {
    ReceiveInfo {
        proto: Protocol::Udp,
        src: "192.0.2.7:5099".parse::<SocketAddr>().unwrap(),
        local: "127.0.0.1:5060".parse::<SocketAddr>().unwrap(),
        conn_id: None,
    }
}

/// Parse a message given with `\n` line ends (turned into CRLF).
pub fn msg(text: &str) -> SipMessage {
    let t = text.replace("\r\n", "\n").replace('\n', "\r\n");
    crate::sip::parse(bytes::Bytes::from(t)).expect("test message parses")
}

pub const INVITE: &str = "INVITE sip:bob@example.com:5070;transport=udp SIP/2.0
Via: SIP/2.0/UDP 192.0.2.7:5099;branch=z9hG4bK776asdhds;rport
Via: SIP/2.0/UDP 10.0.0.1;branch=z9hG4bKold, SIP/2.0/TCP 10.0.0.2;branch=z9hG4bKolder
Max-Forwards: 70
To: \"Bob B\" <sip:bob@example.com>
f: Alice <sip:alice@atlanta.example.com>;tag=1928301774
Call-ID: a84b4c76e66710@pc33.atlanta.example.com
CSeq: 314159 INVITE
Contact: <sip:alice@192.0.2.7:5099>
User-Agent: TestUA/1.0
X-Foo: one
x-foo: two
Content-Type: application/sdp
Content-Length: 5

v=0
";

/// Run `f` with a request context over `text`.
pub fn with_ctx<R>(text: &str, f: impl FnOnce(&mut RouteCtx<'_>) -> R) -> R {
    with_shared_ctx(&shared(), text, f)
}

/// The same on a `Shared` the test set up (module settings).
pub fn with_shared_ctx<R>(sh: &Shared, text: &str, f: impl FnOnce(&mut RouteCtx<'_>) -> R) -> R {
    let mut vars: Vars = Vars::new();
    let mut ctx = RouteCtx::new(sh, RouteType::Request, msg(text), info(), &mut vars);
    f(&mut ctx)
}

/// Call the export `module.name` with these args (arity from args).
pub fn call(ctx: &mut RouteCtx<'_>, module: &str, name: &str, args: &[Arg<'_>]) -> Ret {
    let e: &Export = crate::exports::all()
        .find(|e| e.module == module && e.name == name && e.params.len() == args.len())
        .unwrap_or_else(|| panic!("no export {module}.{name}/{}", args.len()));
    (e.func)(ctx, args)
}

/// Call by native name.
pub fn native(ctx: &mut RouteCtx<'_>, name: &str, args: &[Arg<'_>]) -> Ret {
    let e = crate::exports::by_native(name)
        .find(|e| e.params.len() == args.len())
        .unwrap_or_else(|| panic!("no native {name}/{}", args.len()));
    (e.func)(ctx, args)
}
