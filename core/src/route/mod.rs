//! The routing context: everything one script callback works on.
//!
//! A `RouteCtx` is built for one message (a request, a reply, or a request
//! replayed by a failure/branch route) and handed to the engine, which
//! passes it to every exported function it calls. State that outlives the
//! callback (transactions, usrloc) lives in [`Shared`].

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, OnceLock};

use crate::engine::EngineFactory;
use crate::myself::Myself;
use crate::sip::SipMessage;
use crate::transport::{Protocol, ReceiveInfo, Transports};

pub mod avp;
mod vars;
pub use avp::{Avps, Value};
pub use vars::{VarSlot, Vars};

/// Which kind of routing block is running (functions check it, and
/// `t_is_failure_route` & co. report it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RouteType {
    Request,
    Failure,
    /// onreply_route / ksr_reply_route: a reply is the message.
    Reply,
    Branch,
    BranchFailure,
    OnSend,
    Event,
}

impl RouteType {
    /// The bit for `Export::routes`.
    pub const fn bit(self) -> u8 {
        1 << self as u8
    }
}

/// Route masks for `Export::routes`.
pub mod mask {
    use super::RouteType as R;
    pub const REQUEST: u8 = R::Request.bit();
    pub const FAILURE: u8 = R::Failure.bit();
    pub const REPLY: u8 = R::Reply.bit();
    pub const BRANCH: u8 = R::Branch.bit();
    pub const BRANCH_FAILURE: u8 = R::BranchFailure.bit();
    pub const ONSEND: u8 = R::OnSend.bit();
    pub const EVENT: u8 = R::Event.bit();
    /// Routes that work on a request (Kamailio's REQUEST|FAILURE|BRANCH).
    pub const ANY_REQUEST: u8 = REQUEST | FAILURE | BRANCH | BRANCH_FAILURE | EVENT;
    pub const ANY: u8 = 0xff;
}

/// One extra destination of the request (parallel forking): what
/// `append_branch` and `lookup` add beside the R-URI (branch 0).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Branch {
    pub uri: String,
    pub dst_uri: Option<String>,
    /// Contact q (×1000, as Kamailio stores it); None = not given.
    pub q: Option<i32>,
    pub path: Option<String>,
    pub flags: u32,
    pub socket: Option<(Protocol, SocketAddr)>,
    pub instance: Option<String>,
    pub ruid: Option<String>,
}

/// State shared by every worker: built once at start.
pub struct Shared {
    /// Set right after the listeners start (they need the handler, which
    /// needs this): always present while messages flow.
    pub transports: OnceLock<Arc<Transports>>,
    pub max_msg_size: usize,
    pub myself: Myself,
    /// `Server:` header value for local replies (None = none).
    pub server_header: Option<Arc<str>>,
    /// `User-Agent:` header value for local requests.
    pub user_agent: Option<String>,
    /// `flags NAME: pos` declarations of the cfg.
    pub flag_names: HashMap<String, u32>,
    /// Makes each worker's script engine (None: no routing logic).
    pub engine: Option<Arc<dyn EngineFactory>>,
    /// usrloc store + registrar settings (modules/registrar.rs).
    pub location: crate::modules::registrar::LocationService,
    /// rr module settings (modules/rr.rs).
    pub rr: crate::modules::rr::RrSettings,
    /// The transaction table and its timer thread.
    pub tm: Arc<crate::tm::Tm>,
    /// Module parameters (modparam) read once at start, and the cfg
    /// defines (`KSR.kx.ifdef`).
    pub modcfg: crate::modules::ModCfg,
    /// Does the script have an `onsend_route`? Asked of the engine once
    /// ([`crate::forward::has_onsend`]), so a script without one pays an
    /// atomic load per forwarded request.
    pub onsend: OnceLock<bool>,
    /// `onsend_route_reply`: relayed replies go through onsend_route too.
    pub onsend_reply: bool,
    /// The cfg's `force_rport` / `add_local_rport`: what every request
    /// starts with (the script may add to it).
    pub send_defaults: crate::sip::SendFlags,
}

impl Shared {
    /// A Shared with defaults and no transports, for unit tests and tools
    /// (every field added to Shared gets its default here).
    pub fn bare(myself: Myself) -> Shared {
        Shared {
            transports: OnceLock::new(),
            max_msg_size: crate::sip::DEFAULT_MAX_SIZE,
            myself,
            server_header: None,
            user_agent: None,
            flag_names: HashMap::new(),
            engine: None,
            location: Default::default(),
            rr: Default::default(),
            tm: Arc::new(crate::tm::Tm::new(Default::default())),
            modcfg: Default::default(),
            onsend: OnceLock::new(),
            onsend_reply: false,
            send_defaults: Default::default(),
        }
    }

    pub fn transports(&self) -> &Transports {
        self.transports.get().expect("transports are set before any message is handled")
    }
}


/// How a callback ended, beyond its return code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Stop {
    /// Running, or returned normally.
    #[default]
    No,
    /// `exit`: stop the script here; the message is processed normally.
    Exit,
    /// `drop`: stop, and do not forward / send what the route was about.
    Drop,
}

/// The context of one callback.
pub struct RouteCtx<'a> {
    pub shared: &'a Shared,
    pub route_type: RouteType,
    /// The message being routed (in a reply route: the reply).
    pub msg: SipMessage,
    pub info: ReceiveInfo,
    /// Message flags (`setflag`), 64 of them.
    pub flags: u64,
    /// Flags of branch 0 (`setbflag` without index).
    pub bflags: u32,
    /// The R-URI as rewritten by the script (Kamailio's "new uri");
    /// `None` = the message's own.
    pub new_ruri: Option<String>,
    /// `$du`, the next hop (outbound proxy) for branch 0.
    pub dst_uri: Option<String>,
    /// Extra branches (branch 1..).
    pub branches: Vec<Branch>,
    /// `$fs` / force_send_socket.
    pub force_socket: Option<(Protocol, SocketAddr)>,
    pub avps: Avps,
    pub vars: &'a mut Vars,
    /// `$rc` / `$retcode`: the return code of the last function or route.
    pub last_ret: i32,
    pub stop: Stop,
    /// Status code of the last reply sent for this request.
    pub last_reply_status: Option<u16>,
    /// `record_route()` was called: the Record-Route header(s) are written
    /// when the request is sent, since a second one is needed when the
    /// outgoing socket differs from the incoming one (rr module).
    pub record_route: Option<RecordRoute>,
    /// `$T_reply_code`: in failure/reply routes, the winning/received reply code.
    pub t_reply_code: Option<u16>,
    /// `$T_branch_idx`: the branch a branch/reply/failure route runs for.
    pub t_branch_idx: Option<usize>,
    /// Transaction state of this callback: armed route names, fr timers,
    /// the transaction handle (tm module).
    pub tm: crate::tm::TmCtx,
    /// `append_to_reply()`: headers added to the local replies sent for
    /// this request by `sl_send_reply`/`send_reply`/`sl_reply_error`/
    /// `t_reply` from this route (after CSeq, in order).
    pub reply_headers: Vec<(String, String)>,
    /// In `onsend_route`: where the request is about to be sent (`$snd`).
    pub snd: Option<(Protocol, SocketAddr)>,
}

/// What `record_route()` / `record_route_preset()` / `add_rr_param()` asked for.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RecordRoute {
    /// URI params, each starting with `;` (rr writes `;lr` first, then
    /// e.g. `;ftag=abc` and the add_rr_param ones).
    pub params: String,
    /// `record_route_preset("addr")`: the URI to use instead of the socket's.
    pub preset: Option<String>,
    /// `record_route_preset("addr", "addr2")`: the second (outbound side) URI.
    pub preset2: Option<String>,
    /// rr's `enable_double_rr=0`: never two Record-Routes.
    pub no_double: bool,
}

impl<'a> RouteCtx<'a> {
    pub fn new(
        shared: &'a Shared,
        route_type: RouteType,
        msg: SipMessage,
        info: ReceiveInfo,
        vars: &'a mut Vars,
    ) -> RouteCtx<'a> {
        RouteCtx {
            shared,
            route_type,
            msg,
            info,
            flags: 0,
            bflags: 0,
            new_ruri: None,
            dst_uri: None,
            branches: Vec::new(),
            force_socket: None,
            avps: Avps::default(),
            vars,
            last_ret: 1,
            stop: Stop::No,
            last_reply_status: None,
            record_route: None,
            t_reply_code: None,
            t_branch_idx: None,
            tm: crate::tm::TmCtx::default(),
            reply_headers: Vec::new(),
            snd: None,
        }
    }

    /// The current R-URI: the rewritten one, else the message's.
    pub fn ruri(&self) -> &str {
        match &self.new_ruri {
            Some(u) => u,
            None => self.msg.ruri_str().unwrap_or(""),
        }
    }

    pub fn set_flag(&mut self, flag: u32) -> bool {
        if flag >= 64 {
            return false;
        }
        self.flags |= 1 << flag;
        true
    }

    pub fn reset_flag(&mut self, flag: u32) -> bool {
        if flag >= 64 {
            return false;
        }
        self.flags &= !(1 << flag);
        true
    }

    pub fn is_flag_set(&self, flag: u32) -> bool {
        flag < 64 && self.flags & (1 << flag) != 0
    }

    /// Branch flags of branch `idx` (0 = the R-URI branch).
    pub fn bflags_mut(&mut self, idx: usize) -> Option<&mut u32> {
        match idx {
            0 => Some(&mut self.bflags),
            n => self.branches.get_mut(n - 1).map(|b| &mut b.flags),
        }
    }
}
