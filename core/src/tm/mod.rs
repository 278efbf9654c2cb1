//! The transaction layer (RFC 3261 §17, Kamailio's tm semantics).
//!
//! # Model
//!
//! One [`TxCell`] per server transaction (the request we received), with
//! the client transactions (one per outgoing branch) inside it, as in
//! Kamailio. Transactions live in two sharded tables (64 locked shards,
//! [`crate::shards`]): by server key (matching requests: retransmissions,
//! ACK, CANCEL) and by id (matching replies: our Via branch is
//! `z9hG4bK<salt>.<id>.<branch index>`, so a reply names its transaction
//! and branch). No global lock on the message path; shard locks are held
//! only for a lookup/insert, never while script code runs.
//!
//! Each cell has two locks: `serial`, held while one reply (or timeout, or
//! CANCEL) of the transaction is processed — including its reply and
//! failure routes — so replies of one transaction are handled one at a
//! time, in arrival order (a 180 is never forwarded after the 200); and
//! `st`, the state, held only briefly and never across script code (the
//! script's `t_relay` in a failure route takes it again).
//!
//! # Decisions
//!
//! - Matching happens only when the script asks (Kamailio's behaviour):
//!   `t_check_trans`, `t_newtran`, `t_relay`, `t_reply`. The server's
//!   request path runs the script first. Server keys: RFC 3261 branch +
//!   sent-by + method (ACK matches the INVITE, CANCEL has its own key and
//!   finds the INVITE by the same branch); without a magic cookie:
//!   Call-ID + CSeq number + From tag + top Via + method (§17.2.3 lite).
//! - Return codes: `t_check_trans` 0 = retransmission absorbed (last reply
//!   re-sent; the script must stop), 1 = a CANCEL or ACK that matched (or a
//!   transaction exists, in failure/branch routes), -1 = no match.
//!   `t_newtran` 1 created, 0 retransmission, -1 error. `t_relay` 1 relayed
//!   (or absorbed: an ACK to our negative reply), 0 retransmission, -1 error;
//!   when no destination resolves it replies nothing itself but records
//!   478 "Unresolvable destination" for `sl_reply_error()` and logs.
//! - Timers (T1 = `retr_timer1`, T2 = `retr_timer2`, ms; T4 fixed 5 s):
//!   A/E retransmit over UDP (A doubling, E capped at T2, T2 once a
//!   provisional came); B/F are Kamailio's `fr_timer` (no reply yet) and,
//!   for INVITE after a provisional, `fr_inv_timer` (`t_set_fr` overrides
//!   per transaction). On expiry a branch gets a local 408 (487 if the
//!   transaction was cancelled), a CANCEL if it had a provisional, and the
//!   failure route sees `$T_reply_code` 408. G retransmits our negative
//!   INVITE reply until the ACK or 64·T1 (H). D/I/J/K are all covered by
//!   the wait timer `wt_timer`: a transaction is removed `wt_timer` after
//!   its final reply (max(wt_timer, 64·T1) for an INVITE with a negative
//!   reply over UDP, so G/H can run).
//! - A finished transaction (final sent, every branch final) drops the
//!   request, the branches and the script state, keeping its key, the last
//!   reply bytes, where it goes, and the hop-by-hop ACKs it sent (to answer
//!   retransmitted negative finals).
//! - 100 Trying is hop-by-hop: generated (`auto_inv_100`, default on) when
//!   an INVITE transaction is created, never forwarded. Other provisionals
//!   are forwarded while no final was sent. Every 2xx to an INVITE is
//!   forwarded (retransmissions too); non-2xx finals wait for all branches
//!   and the best one is chosen: a 6xx wins and cancels the others,
//!   otherwise the lowest class, first received within a class; a 503 is
//!   sent upstream as 500 (RFC 3261 §16.7 step 6). A 6xx is not relayed
//!   at once: it waits for the cancelled branches (their 487 or fr_timer),
//!   and a 2xx that a cancelled branch sends meanwhile is still forwarded
//!   (§16.7 step 5), the 6xx then never goes upstream and no failure route
//!   runs (tests/tm_more.rs).
//! - CANCEL (via `t_relay` after `t_check_trans`): answered 200 at once,
//!   the INVITE marked cancelled, a CANCEL sent on every branch that had a
//!   provisional and queued for the others (sent when their provisional
//!   arrives; if none comes, fr_timer ends them with a local 487). The 487
//!   from downstream is ACKed and relayed upstream as the final reply. An
//!   unmatched CANCEL given to `t_relay` is forwarded statelessly.
//! - Branch routes: engines are not re-entrant (one interpreter per
//!   thread, running the calling route), so when a branch route is armed
//!   `t_relay` only resolves the destinations (its return code reflects
//!   that) and the branches are sent — each through the branch route —
//!   right after the calling route returns ([`after_route`]). Without a
//!   branch route `t_relay` sends at once. A dropped branch is not sent; if
//!   every branch is dropped the caller gets 500.
//! - Reply routes: the core reply route (`Callback::Reply`) runs for every
//!   reply, then the transaction's `t_on_reply` route. `drop` there stops a
//!   provisional reply from being forwarded; finals are never dropped (the
//!   transaction would hang). The failure route runs once per arming
//!   (`t_on_failure` again in the failure route re-arms it for serial
//!   forking); its `t_relay` adds branches to the same transaction.
//!   `t_on_branch_failure(name)` runs `Callback::Event("tm:branch-failure:name")`
//!   on every negative final of a branch.
//! - A failure route after a CANCEL still runs (scripts test
//!   `t_is_canceled()`), but its `t_relay` fails (-1).
//! - With `onsend_route_reply=yes`, received replies pass through
//!   `onsend_route` before they are relayed upstream (not under the state
//!   lock; a drop means that reply is not sent): provisional and 2xx as
//!   they arrive, a negative final when it is chosen as the best one (its
//!   `$si` is the branch's destination). Replies made here (408, 500...)
//!   and retransmissions of a sent final do not.
//! - `onsend_route` (see `crate::forward`) runs for every branch just
//!   before it is sent, never under the state lock, with the branch's
//!   outgoing bytes as the message. A branch it drops is treated like one
//!   that could not be sent (Kamailio fails such a branch too): it is not
//!   added to the transaction; `t_relay` returns 1 if another branch went
//!   out, else -1 with 477 recorded for `sl_reply_error()` (the script
//!   answers, as for a send error); branches sent after a branch route
//!   that all fail get 500 "No destination"; in a failure route the best
//!   reply so far is relayed when nothing new went out. Retransmissions,
//!   hop-by-hop ACK/CANCEL and local requests do not run it.
//! - Local requests ([`uac`], `t_uac_send`): a transaction with one client
//!   branch and no server side (`local`), in the id table only (nothing
//!   matches it as a server transaction). `event_route[tm:local-request]`
//!   runs before it is built into a branch; `drop` there sends nothing
//!   (`t_uac_send` returns -1). Same timers as proxied branches. Replies
//!   run the core reply route (as Kamailio's do), then are absorbed:
//!   provisionals are noted, the final (or the local 408 of `fr_timer`) is
//!   logged at debug, handed to the request's `on_final` callback and
//!   arms the wait timer; nothing is ever sent upstream. A local INVITE's
//!   negative final is ACKed hop by hop, a 2xx gets an ACK to its Contact
//!   along its Record-Route, re-sent for retransmitted 2xx (no dialog).

mod timer;
pub mod uac;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use bytes::Bytes;

use crate::cfg::Config;
use crate::engine::Callback;
use crate::forward;
use crate::route::{Avps, RecordRoute, RouteCtx, RouteType, Shared, Stop, Vars};
use crate::server;
use crate::shards::{Keyed, Sharded};
use crate::sip::{self, HeaderName, Method, SipMessage};
use crate::transport::{Destination, Protocol, ReceiveInfo};

use timer::{Kind, Timers};

/// tm settings from the `modparam("tm", ...)` lines (Kamailio's names and
/// units: milliseconds).
#[derive(Debug, Clone)]
pub struct TmConfig {
    /// `retr_timer1`: T1.
    pub t1: Duration,
    /// `retr_timer2`: T2.
    pub t2: Duration,
    /// T4 (no Kamailio parameter): 5 s.
    pub t4: Duration,
    /// `fr_timer`: a branch with no reply at all.
    pub fr_timer: Duration,
    /// `fr_inv_timer`: an INVITE branch after a provisional.
    pub fr_inv_timer: Duration,
    /// `wt_timer`: how long a finished transaction is kept.
    pub wt_timer: Duration,
    /// `auto_inv_100`.
    pub auto_inv_100: bool,
    /// `auto_inv_100_reason`.
    pub auto_inv_100_reason: String,
}

impl Default for TmConfig {
    fn default() -> TmConfig {
        TmConfig {
            t1: Duration::from_millis(500),
            t2: Duration::from_millis(4000),
            t4: Duration::from_millis(5000),
            fr_timer: Duration::from_millis(30000),
            fr_inv_timer: Duration::from_millis(120000),
            wt_timer: Duration::from_millis(5000),
            auto_inv_100: true,
            auto_inv_100_reason: "trying -- your call is important to us".into(),
        }
    }
}

impl TmConfig {
    pub fn from_config(c: &Config) -> TmConfig {
        let mut t = TmConfig::default();
        let ms = |name: &str| {
            c.modparam("tm", name).and_then(|v| v.as_int()).filter(|v| *v > 0).map(|v| Duration::from_millis(v as u64))
        };
        if let Some(v) = ms("retr_timer1") {
            t.t1 = v;
        }
        if let Some(v) = ms("retr_timer2") {
            t.t2 = v;
        }
        if let Some(v) = ms("fr_timer") {
            t.fr_timer = v;
        }
        if let Some(v) = ms("fr_inv_timer") {
            t.fr_inv_timer = v;
        }
        if let Some(v) = ms("wt_timer") {
            t.wt_timer = v;
        }
        if let Some(v) = c.modparam("tm", "auto_inv_100").and_then(|v| v.as_int()) {
            t.auto_inv_100 = v != 0;
        }
        if let Some(v) = c.modparam("tm", "auto_inv_100_reason").and_then(|v| v.as_str()) {
            t.auto_inv_100_reason = v.to_string();
        }
        t
    }
}

const SHARDS: usize = 64;

type Entry<K> = (K, Arc<TxCell>);

/// Transactions by key (`String`) or by id (`u64`); see [`crate::shards`].
struct Shards<K>(Sharded<Entry<K>>);

impl<K> Shards<K>
where
    Entry<K>: Keyed,
{
    fn new() -> Self {
        Shards(Sharded::new(SHARDS))
    }
    fn get(&self, k: &<Entry<K> as Keyed>::Key) -> Option<Arc<TxCell>> {
        self.0.lock(k).get(k).map(|e| e.1.clone())
    }
    /// Insert unless present; returns the existing cell when present.
    fn insert_new(&self, k: K, v: Arc<TxCell>) -> Option<Arc<TxCell>> {
        let e = (k, v);
        let mut s = self.0.lock(e.key());
        if let Some(x) = s.get(e.key()) {
            return Some(x.1.clone());
        }
        s.insert_new(e);
        None
    }
    fn remove(&self, k: &<Entry<K> as Keyed>::Key) {
        self.0.lock(k).remove(k);
    }
    fn len(&self) -> usize {
        self.0.len()
    }
}

/// The transaction table and timer thread (one per server, in [`Shared`]).
pub struct Tm {
    pub cfg: TmConfig,
    salt: u32,
    next_id: AtomicU64,
    keys: Shards<String>,
    ids: Shards<u64>,
    timers: Timers,
    thread: Mutex<Option<JoinHandle<()>>>,
}

impl Tm {
    pub fn new(cfg: TmConfig) -> Tm {
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
        let salt = (now.subsec_nanos() ^ (now.as_secs() as u32).rotate_left(16) ^ std::process::id()) | 1;
        Tm {
            cfg,
            salt,
            next_id: AtomicU64::new(1),
            keys: Shards::new(),
            ids: Shards::new(),
            timers: Timers::default(),
            thread: Mutex::new(None),
        }
    }

    /// Start the timer thread. Failure routes fired by timers run on it
    /// (with its own engine, via `server::run_route`).
    pub fn start(self: &Arc<Self>, shared: Weak<Shared>) {
        let tm = self.clone();
        let h = std::thread::Builder::new()
            .name("tm-timer".into())
            .spawn(move || {
                tm.timers.run(|id, kind| {
                    // a transaction no longer in the table has no timers
                    if let (Some(sh), Some(tx)) = (shared.upgrade(), tm.ids.get(&id)) {
                        on_timer(&sh, tx, kind);
                    }
                })
            })
            .expect("cannot start the tm timer thread");
        *self.thread.lock().unwrap() = Some(h);
    }

    /// Stop and join the timer thread.
    pub fn stop(&self) {
        self.timers.stop();
        if let Some(h) = self.thread.lock().unwrap().take() {
            if h.thread().id() != std::thread::current().id() {
                let _ = h.join();
            }
        }
    }

    /// Transactions in the table (live and waiting).
    pub fn count(&self) -> usize {
        self.ids.len()
    }

    /// Timers armed (including stale ones not fired yet).
    pub fn timers_pending(&self) -> usize {
        self.timers.pending()
    }

    fn branch_id(&self, id: u64, idx: usize) -> String {
        format!("z9hG4bK{:08x}.{id:x}.{idx}", self.salt)
    }

    fn parse_branch(&self, b: &str) -> Option<(u64, usize)> {
        let rest = b.strip_prefix("z9hG4bK")?;
        let mut it = rest.split('.');
        let salt = u32::from_str_radix(it.next()?, 16).ok()?;
        let id = u64::from_str_radix(it.next()?, 16).ok()?;
        let idx = it.next()?.parse().ok()?;
        (salt == self.salt && it.next().is_none()).then_some((id, idx))
    }
}

/// One transaction: the cell in the tables.
pub struct TxCell {
    pub id: u64,
    serial: Mutex<()>,
    st: Mutex<Transaction>,
}

impl std::fmt::Debug for TxCell {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "TxCell({})", self.id)
    }
}

impl TxCell {
    /// The last status sent upstream (0 = none yet).
    pub fn status(&self) -> u16 {
        self.st.lock().unwrap().status
    }
    pub fn is_canceled(&self) -> bool {
        self.st.lock().unwrap().canceled
    }
    /// Is the request, branches and script state still held?
    pub fn is_live(&self) -> bool {
        self.st.lock().unwrap().live.is_some()
    }
}

struct Transaction {
    key: String,
    invite: bool,
    upstream: Destination,
    last_reply: Option<Bytes>,
    status: u16,
    acked: bool,
    canceled: bool,
    g_interval: Duration,
    g_start: Option<Instant>,
    /// Hop-by-hop ACKs sent per branch (for retransmitted finals).
    acks: Vec<(usize, Bytes, Destination)>,
    delete_armed: bool,
    live: Option<Box<Live>>,
    /// A request we originated ([`uac`]): there is no upstream; replies
    /// are absorbed and the final one goes to `on_final`.
    local: bool,
    on_final: Option<uac::OnFinal>,
}

/// What only an unfinished transaction needs.
struct Live {
    req: SipMessage,
    info: ReceiveInfo,
    new_ruri: Option<String>,
    flags: u64,
    bflags: u32,
    avps: Avps,
    rr: Option<RecordRoute>,
    force_socket: Option<(Protocol, SocketAddr)>,
    on_failure: Option<String>,
    on_branch: Option<String>,
    on_reply: Option<String>,
    on_branch_failure: Option<String>,
    fr: Duration,
    fr_inv: Duration,
    branches: Vec<CBranch>,
}

#[derive(Debug, Clone, PartialEq)]
enum CancelState {
    No,
    /// Wanted, waiting for a provisional.
    Pending,
    Sent(Bytes),
    Answered,
}

struct CBranch {
    dest: Destination,
    request: Bytes,
    reliable: bool,
    provisional: bool,
    /// Final code (0 = none yet).
    code: u16,
    reply: Option<SipMessage>,
    timed_out: bool,
    retr: Duration,
    /// Generation of the armed fr timer (a timer of an older one is void)
    /// and its tick (0: none armed), to disarm it.
    fr_gen: u32,
    fr_tick: u64,
    /// Tick of the armed retransmission timer (0: none).
    retr_tick: u64,
    cancel: CancelState,
}

impl CBranch {
    fn is_final(&self) -> bool {
        self.code >= 200
    }

    /// Void the branch's fr timer (a final reply came, or it fired) and
    /// take it off the wheel.
    fn stop_fr(&mut self, t: &Tm, tx: u64, idx: usize) {
        if self.fr_tick != 0 {
            t.timers.cancel(self.fr_tick, tx, Kind::Fr(idx, self.fr_gen));
            self.fr_tick = 0;
        }
        self.fr_gen += 1;
    }

    /// No more retransmissions of the request: take the armed one off
    /// the wheel (a stale entry would still wake the timer thread).
    fn stop_retr(&mut self, t: &Tm, tx: u64, idx: usize) {
        if self.retr_tick != 0 {
            t.timers.cancel(self.retr_tick, tx, Kind::Retr(idx));
            self.retr_tick = 0;
        }
    }

    /// (Re)arm the fr timer: `after` from now, replacing the armed one.
    fn arm_fr(&mut self, t: &Tm, tx: u64, idx: usize, after: Duration) {
        self.stop_fr(t, tx, idx);
        self.fr_tick = t.timers.add(after, tx, Kind::Fr(idx, self.fr_gen));
    }
}

/// A branch waiting to be sent after the route (branch route armed).
#[derive(Debug, Clone)]
pub struct PendingBranch {
    pub uri: String,
    pub dst_uri: Option<String>,
    pub target: (Protocol, SocketAddr),
    pub force: Option<(Protocol, SocketAddr)>,
    pub bflags: u32,
}

/// The tm part of a routing context.
#[derive(Debug, Default)]
pub struct TmCtx {
    /// `t_on_failure` / `t_on_branch` / `t_on_reply` / `t_on_branch_failure`.
    pub on_failure: Option<String>,
    pub on_branch: Option<String>,
    pub on_reply: Option<String>,
    pub on_branch_failure: Option<String>,
    /// `t_set_fr(fr_inv, fr)` for this transaction.
    pub fr_timeout: Option<Duration>,
    pub fr_inv_timeout: Option<Duration>,
    /// The transaction of this message, once created or matched.
    pub tx: Option<Arc<TxCell>>,
    /// A CANCEL's INVITE transaction found by `t_check_trans`.
    pub cancel_of: Option<Arc<TxCell>>,
    /// Branches resolved by `t_relay` and sent after the route.
    pub pending: Vec<PendingBranch>,
    /// In a failure route: the R-URI when it started (a changed R-URI or
    /// a `$du` makes `t_relay` use branch 0 again).
    pub orig_ruri: Option<String>,
    /// The error of the last failed function, as (code, reason) for
    /// `sl_reply_error`.
    pub last_error: Option<(u16, &'static str)>,
    /// In a failure route: did the branch time out / get a reply.
    pub branch_timeout: bool,
    pub branch_replied: bool,
    /// The request's own server-transaction key, once computed (a script
    /// typically asks t_precheck_trans, t_check_trans and t_relay in turn;
    /// the key depends only on the message as received).
    own_key: Option<Option<String>>,
}

/// The server-transaction key of `msg` for its own method, computed once
/// per routing context.
fn own_key<'t>(tm: &'t mut TmCtx, msg: &SipMessage) -> Option<&'t str> {
    tm.own_key.get_or_insert_with(|| server_key(msg, method_key(msg.method()?))).as_deref()
}

fn tm(shared: &Shared) -> &Tm {
    &shared.tm
}

fn method_key(m: &Method) -> &str {
    match m {
        Method::Ack => "INVITE",
        other => other.as_str(),
    }
}

/// The server-transaction key of a request, for `method` (ACK → INVITE).
fn server_key(msg: &SipMessage, method: &str) -> Option<String> {
    // Built by hand: this runs for every request (t_check_trans,
    // t_newtran), and the formatting machinery was a visible share of it.
    let via = msg.top_via().ok()?;
    let mut k = String::with_capacity(96);
    match via.branch() {
        Some(b) if b.starts_with("z9hG4bK") => {
            k.push_str(b);
            k.push('\x01');
            for c in via.host().chars() {
                k.push(c.to_ascii_lowercase());
            }
            k.push(':');
            sip::write::push_int(&mut k, via.port_or_default());
        }
        _ => {
            let seq = msg.cseq()?.ok()?.seq;
            k.push('~');
            k.push_str(msg.call_id()?);
            k.push('\x01');
            sip::write::push_int(&mut k, seq);
            k.push('\x01');
            k.push_str(msg.from_tag().unwrap_or(""));
            k.push('\x01');
            k.push_str(via.as_str());
        }
    }
    k.push('\x01');
    k.push_str(method);
    Some(k)
}

fn reason_of(code: u16) -> &'static str {
    match code {
        100 => "Trying",
        200 => "OK",
        408 => "Request Timeout",
        477 => "Unfortunately error on sending to next hop occurred",
        478 => "Unresolvable destination",
        480 => "Temporarily Unavailable",
        487 => "Request Terminated",
        500 => "Server Internal Error",
        503 => "Service Unavailable",
        _ => "Unknown",
    }
}

fn send(shared: &Shared, dest: &Destination, bytes: Bytes) -> bool {
    match shared.transports.get() {
        Some(t) => match t.send(dest, bytes) {
            Ok(()) => true,
            Err(e) => {
                tracing::warn!("tm: cannot send to {}:{}: {e}", dest.proto, dest.addr);
                false
            }
        },
        None => false,
    }
}

enum Found {
    No,
    Retr(Arc<TxCell>),
    Ack(Arc<TxCell>),
    Cancel(Arc<TxCell>),
}

fn lookup_request(shared: &Shared, msg: &SipMessage, tmc: &mut TmCtx) -> Found {
    let t = tm(shared);
    let Some(method) = msg.method() else { return Found::No };
    match method {
        Method::Ack => {
            let Some(k) = server_key(msg, "INVITE") else { return Found::No };
            match t.keys.get(&k) {
                Some(tx) if tx.status() >= 300 => Found::Ack(tx),
                _ => Found::No,
            }
        }
        Method::Cancel => {
            if let Some(tx) = server_key(msg, "CANCEL").and_then(|k| t.keys.get(&k)) {
                return Found::Retr(tx);
            }
            match server_key(msg, "INVITE").and_then(|k| t.keys.get(&k)) {
                Some(tx) => Found::Cancel(tx),
                None => Found::No,
            }
        }
        _ => match own_key(tmc, msg).and_then(|k| t.keys.get(k)) {
            Some(tx) => Found::Retr(tx),
            None => Found::No,
        },
    }
}

/// Re-send the last reply of a transaction (a retransmitted request).
fn resend_last(shared: &Shared, tx: &TxCell) {
    let st = tx.st.lock().unwrap();
    if let Some(b) = st.last_reply.clone() {
        send(shared, &st.upstream, b);
    }
}

fn mark_acked(tx: &TxCell) {
    let mut st = tx.st.lock().unwrap();
    st.acked = true;
}

/// Upstream reply destination for a request (RFC 3261 §18.2.2).
fn upstream_of(msg: &SipMessage, info: &ReceiveInfo) -> Destination {
    match msg.top_via() {
        Ok(v) => server::reply_destination(info, &v, msg.sending),
        Err(_) => Destination::reply_to(info),
    }
}

fn new_cell(t: &Tm, key: String, invite: bool, upstream: Destination, live: Option<Box<Live>>) -> Arc<TxCell> {
    Arc::new(TxCell {
        id: t.next_id.fetch_add(1, Ordering::Relaxed),
        serial: Mutex::new(()),
        st: Mutex::new(Transaction {
            key,
            invite,
            upstream,
            last_reply: None,
            status: 0,
            acked: false,
            canceled: false,
            g_interval: t.cfg.t1,
            g_start: None,
            acks: Vec::new(),
            delete_armed: false,
            live,
            local: false,
            on_final: None,
        }),
    })
}

fn live_from_ctx(ctx: &RouteCtx<'_>) -> Box<Live> {
    let cfg = &tm(ctx.shared).cfg;
    Box::new(Live {
        req: ctx.msg.clone(),
        info: ctx.info.clone(),
        new_ruri: ctx.new_ruri.clone(),
        flags: ctx.flags,
        bflags: ctx.bflags,
        avps: ctx.avps.clone(),
        rr: ctx.record_route.clone(),
        force_socket: ctx.force_socket,
        on_failure: ctx.tm.on_failure.clone(),
        on_branch: ctx.tm.on_branch.clone(),
        on_reply: ctx.tm.on_reply.clone(),
        on_branch_failure: ctx.tm.on_branch_failure.clone(),
        fr: ctx.tm.fr_timeout.unwrap_or(cfg.fr_timer),
        fr_inv: ctx.tm.fr_inv_timeout.unwrap_or(cfg.fr_inv_timer),
        branches: Vec::new(),
    })
}

/// `t_newtran()`: create the server transaction of the request in `ctx`.
/// 1 created (or already there for this ctx), 0 retransmission (last reply
/// re-sent), -1 error (ACK, not a request, no usable Via).
pub fn t_newtran(ctx: &mut RouteCtx<'_>) -> i32 {
    if ctx.tm.tx.is_some() {
        return 1;
    }
    let Some(method) = ctx.msg.method().cloned() else { return -1 };
    if method == Method::Ack {
        return -1;
    }
    let Some(key) = own_key(&mut ctx.tm, &ctx.msg).map(str::to_string) else { return -1 };
    let t = tm(ctx.shared);
    let invite = method == Method::Invite;
    let cell = new_cell(t, key.clone(), invite, upstream_of(&ctx.msg, &ctx.info), Some(live_from_ctx(ctx)));
    if let Some(existing) = t.keys.insert_new(key, cell.clone()) {
        resend_last(ctx.shared, &existing);
        return 0;
    }
    t.ids.insert_new(cell.id, cell.clone());
    ctx.tm.tx = Some(cell.clone());
    if invite && t.cfg.auto_inv_100 {
        let reply = sip::build_reply(&ctx.msg, 100, &t.cfg.auto_inv_100_reason, &server::reply_options(ctx.shared, &ctx.info, ctx.msg.sending));
        let mut st = cell.st.lock().unwrap();
        st.status = 100;
        st.last_reply = Some(reply.clone());
        send(ctx.shared, &st.upstream, reply);
    }
    1
}

/// `t_check_trans()` (see the module docs for the return codes).
pub fn t_check_trans(ctx: &mut RouteCtx<'_>) -> i32 {
    if ctx.route_type != RouteType::Request {
        return if ctx.tm.tx.is_some() { 1 } else { -1 };
    }
    match lookup_request(ctx.shared, &ctx.msg, &mut ctx.tm) {
        Found::Retr(tx) => {
            resend_last(ctx.shared, &tx);
            0
        }
        Found::Ack(tx) => {
            mark_acked(&tx);
            ctx.tm.tx = Some(tx);
            1
        }
        Found::Cancel(tx) => {
            ctx.tm.cancel_of = Some(tx);
            1
        }
        Found::No => -1,
    }
}

/// tmx `t_precheck_trans()`: 1 when a transaction for this request already
/// exists (the script then calls `t_check_trans` to absorb it), else -1.
/// ACK and CANCEL are never prechecked. Matching in switchboard is atomic
/// (insert-if-absent), so no separate pre-transaction table is needed.
pub fn t_precheck_trans(ctx: &mut RouteCtx<'_>) -> i32 {
    match ctx.msg.method() {
        Some(Method::Ack | Method::Cancel) | None => -1,
        Some(_) => match lookup_request(ctx.shared, &ctx.msg, &mut ctx.tm) {
            Found::Retr(_) => 1,
            _ => -1,
        },
    }
}

/// Build the ACK (for a negative final) or CANCEL of a branch request
/// (RFC 3261 §17.1.1.3, §9.1): same R-URI, our Via only, Route set,
/// From/Call-ID/CSeq number; ACK's To is the reply's.
fn build_hop_request(request: &Bytes, method: &str, to: Option<&str>) -> Option<Bytes> {
    let req = sip::parse(request.clone()).ok()?;
    let via = req.header_values(HeaderName::Via).next()?;
    let mut s = format!("{method} {} SIP/2.0\r\nVia: {via}\r\n", req.ruri_str()?);
    for r in req.header_all(HeaderName::Route) {
        s.push_str(&format!("Route: {r}\r\n"));
    }
    s.push_str(&format!("From: {}\r\n", req.header(HeaderName::From)?));
    s.push_str(&format!("To: {}\r\n", to.or(req.header(HeaderName::To))?));
    s.push_str(&format!("Call-ID: {}\r\n", req.call_id()?));
    s.push_str(&format!("CSeq: {} {method}\r\n", req.cseq()?.ok()?.seq));
    let mf = req.max_forwards().and_then(|m| m.ok()).unwrap_or(70);
    s.push_str(&format!("Max-Forwards: {mf}\r\nContent-Length: 0\r\n\r\n"));
    Some(Bytes::from(s))
}

/// Send a CANCEL on every non-final branch of `st` (except `except`); a
/// branch without a provisional gets it when its provisional arrives.
fn cancel_branches(shared: &Shared, tx: &Arc<TxCell>, st: &mut Transaction, except: Option<usize>) {
    if !st.invite {
        return;
    }
    let Some(live) = st.live.as_mut() else { return };
    for (i, b) in live.branches.iter_mut().enumerate() {
        if Some(i) == except || b.is_final() || b.cancel != CancelState::No {
            continue;
        }
        if b.provisional {
            send_cancel(shared, tx, i, b);
        } else {
            b.cancel = CancelState::Pending;
        }
    }
}

fn send_cancel(shared: &Shared, tx: &Arc<TxCell>, idx: usize, b: &mut CBranch) {
    if let Some(c) = build_hop_request(&b.request, "CANCEL", None) {
        send(shared, &b.dest, c.clone());
        b.cancel = CancelState::Sent(c);
        if !b.reliable {
            let t = tm(shared);
            t.timers.add(t.cfg.t1, tx.id, Kind::CancelRetr(idx, 1));
        }
    }
}

/// A final reply was sent upstream: cancel what is pending, arm G and the
/// wait timer, shrink if possible.
fn on_final_sent(shared: &Shared, tx: &Arc<TxCell>, st: &mut Transaction) {
    let t = tm(shared);
    cancel_branches(shared, tx, st, None);
    let mut wait = t.cfg.wt_timer;
    if st.invite && st.status >= 300 && !st.local && !st.upstream.proto.is_stream() {
        st.g_interval = t.cfg.t1;
        st.g_start = Some(Instant::now());
        t.timers.add(t.cfg.t1, tx.id, Kind::G);
        wait = wait.max(t.cfg.t1 * 64);
    }
    if !st.delete_armed {
        st.delete_armed = true;
        t.timers.add(wait, tx.id, Kind::Delete);
    }
    maybe_shrink(st);
}

fn maybe_shrink(st: &mut Transaction) {
    if st.status >= 200 && st.live.as_ref().is_some_and(|l| l.branches.iter().all(CBranch::is_final)) {
        st.live = None;
    }
}

/// Send a reply built locally from the transaction's request upstream.
fn reply_local(shared: &Shared, tx: &Arc<TxCell>, code: u16, reason: &str, extra: &[(String, String)]) -> bool {
    let mut st = tx.st.lock().unwrap();
    if st.status >= 200 {
        tracing::warn!("tm: cannot reply {code}: a final reply ({}) was already sent", st.status);
        return false;
    }
    let Some(live) = st.live.as_ref() else { return false };
    let mut opts = server::reply_options(shared, &live.info, live.req.sending);
    opts.extra_headers = extra.to_vec();
    let reply = sip::build_reply(&live.req, code, reason, &opts);
    st.status = code;
    st.last_reply = Some(reply.clone());
    let ok = send(shared, &st.upstream, reply);
    if code >= 200 {
        on_final_sent(shared, tx, &mut st);
    }
    ok
}

/// `t_reply(code, reason)`: a stateful reply (the transaction is created
/// if the script did not do it yet, in a request route).
pub fn t_reply(ctx: &mut RouteCtx<'_>, code: u16, reason: &str) -> i32 {
    if ctx.tm.tx.is_none() {
        if ctx.route_type != RouteType::Request {
            return -1;
        }
        match t_newtran(ctx) {
            1 => {}
            r => return r,
        }
    }
    let tx = ctx.tm.tx.clone().expect("transaction set");
    if reply_local(ctx.shared, &tx, code, reason, &ctx.reply_headers) {
        ctx.last_reply_status = Some(code);
        1
    } else {
        -1
    }
}

/// The transaction's armed route names, updated from the context.
fn sync_names(ctx: &RouteCtx<'_>, live: &mut Live) {
    live.on_failure = ctx.tm.on_failure.clone();
    live.on_branch = ctx.tm.on_branch.clone();
    live.on_reply = ctx.tm.on_reply.clone();
    live.on_branch_failure = ctx.tm.on_branch_failure.clone();
    if let Some(f) = ctx.tm.fr_timeout {
        live.fr = f;
    }
    if let Some(f) = ctx.tm.fr_inv_timeout {
        live.fr_inv = f;
    }
}

/// Write a route-name change through to the transaction (t_on_failure
/// after t_relay, or re-arming in a failure route).
pub fn sync_ctx(ctx: &RouteCtx<'_>) {
    if let Some(tx) = &ctx.tm.tx {
        if let Some(live) = tx.st.lock().unwrap().live.as_mut() {
            sync_names(ctx, live);
        }
    }
}

/// `t_relay()` / `t_relay_to(proxy)`.
pub fn t_relay(ctx: &mut RouteCtx<'_>, proxy: Option<(Protocol, SocketAddr)>) -> i32 {
    let Some(method) = ctx.msg.method().cloned() else { return -1 };
    match method {
        Method::Ack => return relay_ack(ctx, proxy),
        Method::Cancel if ctx.route_type == RouteType::Request => {
            let found = match ctx.tm.cancel_of.clone() {
                Some(tx) => Found::Cancel(tx),
                None => lookup_request(ctx.shared, &ctx.msg, &mut ctx.tm),
            };
            match found {
                Found::Retr(tx) => {
                    resend_last(ctx.shared, &tx);
                    return 0;
                }
                Found::Cancel(inv) => return relay_cancel(ctx, &inv),
                _ => return relay_stateless(ctx, proxy),
            }
        }
        _ => {}
    }
    // made here: the transaction's copy of the request, flags, AVPs and
    // route names were just taken from `ctx` and need no refresh below
    let created_here = ctx.tm.tx.is_none();
    if created_here {
        match t_newtran(ctx) {
            1 => {}
            r => return r,
        }
    }
    let tx = ctx.tm.tx.clone().expect("transaction set");
    let in_failure = ctx.route_type == RouteType::Failure;
    {
        let mut st = tx.st.lock().unwrap();
        if st.status >= 200 {
            tracing::warn!("t_relay: transaction already has a final reply ({})", st.status);
            return -1;
        }
        if in_failure && st.canceled {
            tracing::info!("t_relay in failure route: transaction was cancelled; not relaying");
            return -1;
        }
        let Some(live) = st.live.as_mut() else { return -1 };
        if !created_here {
            sync_names(ctx, live);
            live.flags = ctx.flags;
            live.avps = ctx.avps.clone();
            if ctx.route_type == RouteType::Request {
                live.req = ctx.msg.clone();
                live.new_ruri = ctx.new_ruri.clone();
                live.bflags = ctx.bflags;
                live.rr = ctx.record_route.clone();
                live.force_socket = ctx.force_socket;
            }
        }
    }
    // Targets: branch 0 (R-URI/$du), then the branch set.
    let mut targets = Vec::new();
    let mut errors = 0;
    let use_b0 = !in_failure
        || proxy.is_some()
        || ctx.dst_uri.is_some()
        || ctx.tm.orig_ruri.as_deref() != Some(ctx.ruri());
    if use_b0 {
        let uri = ctx.ruri().to_string();
        let target = match proxy {
            Some(p) => Ok(p),
            None => forward::next_hop(&uri, ctx.dst_uri.as_deref()),
        };
        match target {
            Ok(t) => targets.push(PendingBranch {
                uri,
                dst_uri: ctx.dst_uri.clone(),
                target: t,
                force: ctx.force_socket,
                bflags: ctx.bflags,
            }),
            Err(e) => {
                errors += 1;
                tracing::error!("t_relay: {e}");
            }
        }
    }
    for b in std::mem::take(&mut ctx.branches) {
        match forward::next_hop(&b.uri, b.dst_uri.as_deref()) {
            Ok(t) => targets.push(PendingBranch {
                uri: b.uri,
                dst_uri: b.dst_uri,
                target: t,
                force: b.socket.or(ctx.force_socket),
                bflags: b.flags,
            }),
            Err(e) => {
                errors += 1;
                tracing::error!("t_relay: branch {}: {e}", b.uri);
            }
        }
    }
    if targets.is_empty() {
        if errors > 0 {
            ctx.tm.last_error = Some((478, "Unresolvable destination"));
        }
        return -1;
    }
    if ctx.tm.on_branch.is_some() {
        ctx.tm.pending.extend(targets);
        return 1;
    }
    let info = ctx.info.clone();
    let rr = ctx.record_route.clone();
    let flags = ctx.flags;
    let sent = targets
        .iter()
        .filter(|p| send_branch(ctx.shared, &tx, &ctx.msg, p, rr.as_ref(), &info, Some((flags, &mut *ctx.vars))))
        .count();
    if sent == 0 {
        ctx.tm.last_error = Some((477, reason_of(477)));
        return -1;
    }
    1
}

/// `onsend_route` inputs for a proxied branch: the request's flags and
/// the worker's `$var` table. Local requests pass none (Kamailio runs
/// onsend_route only for forwarded requests).
type OnSendArgs<'v> = Option<(u64, &'v mut Vars)>;

/// Add one branch to the transaction and send it. False when it could
/// not be built or sent, or `onsend_route` dropped it.
fn send_branch(
    shared: &Shared,
    tx: &Arc<TxCell>,
    msg: &SipMessage,
    p: &PendingBranch,
    rr: Option<&RecordRoute>,
    info: &ReceiveInfo,
    onsend: OnSendArgs<'_>,
) -> bool {
    let t = tm(shared);
    let build = |idx: usize| {
        forward::build_request(shared, msg, &p.uri, p.target, p.force, &t.branch_id(tx.id, idx), rr, info)
            .map_err(|e| tracing::error!("t_relay: {e}"))
            .ok()
    };
    let mut st = tx.st.lock().unwrap();
    let Some(mut idx) = st.live.as_ref().map(|l| l.branches.len()) else { return false };
    let Some(mut out) = build(idx) else { return false };
    if let Some((flags, vars)) = onsend.filter(|_| forward::has_onsend(shared)) {
        // Script code never runs under the state lock.
        drop(st);
        if !forward::onsend_allows(shared, &out, info, flags, vars) {
            tracing::debug!("t_relay: branch to {} dropped by onsend_route", p.uri);
            return false;
        }
        st = tx.st.lock().unwrap();
        let Some(now) = st.live.as_ref().map(|l| l.branches.len()) else { return false };
        if now != idx {
            // A failure route on another worker added a branch meanwhile.
            idx = now;
            let Some(o) = build(idx) else { return false };
            out = o;
        }
    }
    let reliable = out.dest.proto.is_stream();
    if !send(shared, &out.dest, out.bytes.clone()) {
        return false;
    }
    let Some(live) = st.live.as_mut() else { return false };
    let fr = live.fr;
    live.branches.push(CBranch {
        dest: out.dest,
        request: out.bytes,
        reliable,
        provisional: false,
        code: 0,
        reply: None,
        timed_out: false,
        retr: t.cfg.t1,
        fr_gen: 0,
        fr_tick: 0,
        retr_tick: 0,
        cancel: CancelState::No,
    });
    if !reliable {
        live.branches[idx].retr_tick = t.timers.add(t.cfg.t1, tx.id, Kind::Retr(idx));
    }
    live.branches[idx].arm_fr(t, tx.id, idx, fr);
    true
}

/// Run after a route that may have called `t_relay` with a branch route
/// armed: each pending branch goes through the branch route, then out.
/// The server calls it after the request route; tm after failure routes.
pub fn after_route(ctx: &mut RouteCtx<'_>) {
    if ctx.tm.pending.is_empty() {
        return;
    }
    let pending = std::mem::take(&mut ctx.tm.pending);
    let Some(tx) = ctx.tm.tx.clone() else { return };
    let (name, req, info, rr, flags, avps, first_idx) = {
        let st = tx.st.lock().unwrap();
        let Some(live) = st.live.as_ref() else { return };
        (
            live.on_branch.clone(),
            live.req.clone(),
            live.info.clone(),
            live.rr.clone(),
            live.flags,
            live.avps.clone(),
            live.branches.len(),
        )
    };
    let shared = ctx.shared;
    let mut sent = 0;
    for (n, p) in pending.into_iter().enumerate() {
        let mut p = p;
        let mut msg = req.clone();
        if let Some(name) = &name {
            let mut bctx = RouteCtx::new(shared, RouteType::Branch, req.clone(), info.clone(), &mut *ctx.vars);
            bctx.flags = flags;
            bctx.avps = avps.clone();
            bctx.bflags = p.bflags;
            bctx.new_ruri = Some(p.uri.clone());
            bctx.dst_uri = p.dst_uri.clone();
            bctx.force_socket = p.force;
            bctx.record_route = rr.clone();
            bctx.tm.tx = Some(tx.clone());
            bctx.t_branch_idx = Some(first_idx + n);
            if let Some(Err(e)) = server::run_route(shared, Callback::Named(name), &mut bctx) {
                tracing::error!("branch route {name} failed: {e}");
            }
            if bctx.stop == Stop::Drop {
                tracing::debug!("branch {} dropped by branch route {name}", p.uri);
                continue;
            }
            if bctx.ruri() != p.uri || bctx.dst_uri != p.dst_uri {
                match forward::next_hop(bctx.ruri(), bctx.dst_uri.as_deref()) {
                    Ok(t) => p.target = t,
                    Err(e) => {
                        tracing::error!("branch route {name}: {e}");
                        continue;
                    }
                }
                p.uri = bctx.ruri().to_string();
            }
            msg = bctx.msg;
        }
        if send_branch(shared, &tx, &msg, &p, rr.as_ref(), &info, Some((flags, &mut *ctx.vars))) {
            sent += 1;
        }
    }
    if sent == 0 {
        let none_live = tx.st.lock().unwrap().live.as_ref().is_some_and(|l| l.branches.iter().all(CBranch::is_final));
        if none_live && ctx.route_type == RouteType::Request {
            reply_local(shared, &tx, 500, "No destination", &[]);
        }
    }
}

/// ACK: absorbed when it acknowledges our negative reply, else forwarded
/// statelessly (a 2xx ACK is end to end).
fn relay_ack(ctx: &mut RouteCtx<'_>, proxy: Option<(Protocol, SocketAddr)>) -> i32 {
    if let Some(tx) = &ctx.tm.tx {
        if tx.status() >= 300 {
            mark_acked(tx);
            return 1;
        }
    }
    if let Found::Ack(tx) = lookup_request(ctx.shared, &ctx.msg, &mut ctx.tm) {
        mark_acked(&tx);
        return 1;
    }
    relay_stateless(ctx, proxy)
}

fn relay_stateless(ctx: &mut RouteCtx<'_>, proxy: Option<(Protocol, SocketAddr)>) -> i32 {
    match forward::forward_request_to(ctx, proxy) {
        Ok(()) => 1,
        Err(e) => {
            tracing::error!("t_relay ({}): {e}", ctx.msg.method_str().unwrap_or("?"));
            -1
        }
    }
}

/// A CANCEL matching an INVITE transaction: 200 for the CANCEL (kept in its
/// own transaction for retransmissions), CANCEL on every branch.
fn relay_cancel(ctx: &mut RouteCtx<'_>, inv: &Arc<TxCell>) -> i32 {
    let shared = ctx.shared;
    let t = tm(shared);
    let Some(key) = server_key(&ctx.msg, "CANCEL") else { return -1 };
    let reply = sip::build_reply(&ctx.msg, 200, "canceling", &server::reply_options(shared, &ctx.info, ctx.msg.sending));
    let cell = new_cell(t, key.clone(), false, upstream_of(&ctx.msg, &ctx.info), None);
    if let Some(existing) = t.keys.insert_new(key, cell.clone()) {
        resend_last(shared, &existing);
        return 0;
    }
    t.ids.insert_new(cell.id, cell.clone());
    {
        let mut st = cell.st.lock().unwrap();
        st.status = 200;
        st.last_reply = Some(reply.clone());
        send(shared, &st.upstream, reply);
        st.delete_armed = true;
        t.timers.add(t.cfg.wt_timer, cell.id, Kind::Delete);
    }
    ctx.last_reply_status = Some(200);
    let _serial = inv.serial.lock().unwrap();
    let no_branches = {
        let mut st = inv.st.lock().unwrap();
        st.canceled = true;
        if st.status >= 200 {
            return 1;
        }
        cancel_branches(shared, inv, &mut st, None);
        st.live.as_ref().is_none_or(|l| l.branches.is_empty())
    };
    if no_branches {
        reply_local(shared, inv, 487, reason_of(487), &[]);
    }
    1
}

/// Build a context working on the transaction's request (failure and
/// branch-failure routes).
fn request_ctx<'a>(
    shared: &'a Shared,
    tx: &Arc<TxCell>,
    rt: RouteType,
    vars: &'a mut Vars,
    idx: usize,
) -> Option<RouteCtx<'a>> {
    let st = tx.st.lock().unwrap();
    let live = st.live.as_ref()?;
    let mut ctx = RouteCtx::new(shared, rt, live.req.clone(), live.info.clone(), vars);
    ctx.flags = live.flags;
    ctx.bflags = live.bflags;
    ctx.avps = live.avps.clone();
    ctx.new_ruri = live.new_ruri.clone();
    ctx.record_route = live.rr.clone();
    ctx.force_socket = live.force_socket;
    ctx.tm.on_branch = live.on_branch.clone();
    ctx.tm.on_reply = live.on_reply.clone();
    ctx.tm.on_branch_failure = live.on_branch_failure.clone();
    ctx.tm.fr_timeout = Some(live.fr);
    ctx.tm.fr_inv_timeout = Some(live.fr_inv);
    ctx.tm.tx = Some(tx.clone());
    if let Some(b) = live.branches.get(idx) {
        ctx.t_reply_code = Some(b.code);
        ctx.tm.branch_timeout = b.timed_out;
        ctx.tm.branch_replied = b.reply.is_some() || b.provisional;
    }
    ctx.t_branch_idx = Some(idx);
    drop(st);
    ctx.tm.orig_ruri = Some(ctx.ruri().to_string());
    Some(ctx)
}

fn save_back(ctx: &RouteCtx<'_>, tx: &TxCell) {
    if let Some(live) = tx.st.lock().unwrap().live.as_mut() {
        live.flags = ctx.flags;
        live.avps = ctx.avps.clone();
    }
}

/// A branch got a negative final (received or local): the branch-failure
/// event route, if armed.
fn branch_failed(shared: &Shared, tx: &Arc<TxCell>, idx: usize, vars: &mut Vars) {
    let name = tx.st.lock().unwrap().live.as_ref().and_then(|l| l.on_branch_failure.clone());
    let Some(name) = name else { return };
    let Some(mut ctx) = request_ctx(shared, tx, RouteType::BranchFailure, vars, idx) else { return };
    let ev = format!("tm:branch-failure:{name}");
    if let Some(Err(e)) = server::run_route(shared, Callback::Event(&ev), &mut ctx) {
        tracing::error!("{ev} failed: {e}");
    }
    save_back(&ctx, tx);
}

/// The best final among the branches (see module docs).
fn best_branch(branches: &[CBranch]) -> Option<(usize, u16)> {
    if let Some((i, b)) = branches.iter().enumerate().find(|(_, b)| b.code >= 600) {
        return Some((i, b.code));
    }
    branches
        .iter()
        .enumerate()
        .filter(|(_, b)| b.code >= 200)
        .min_by_key(|(i, b)| (b.code / 100, *i))
        .map(|(i, b)| (i, b.code))
}

/// Every branch is final and no final went upstream yet: failure route
/// (once per arming), else relay the best reply. Called with `serial` held.
fn finalize(shared: &Shared, tx: &Arc<TxCell>, vars: &mut Vars) {
    let mut ran_failure = false;
    loop {
        let (idx, code, failure) = {
            let mut st = tx.st.lock().unwrap();
            if st.status >= 200 {
                maybe_shrink(&mut st);
                return;
            }
            let Some(live) = st.live.as_mut() else { return };
            if live.branches.iter().any(|b| !b.is_final()) {
                return;
            }
            let Some((idx, code)) = best_branch(&live.branches) else { return };
            let failure = if code >= 300 && !ran_failure { live.on_failure.take() } else { None };
            (idx, code, failure)
        };
        if let Some(name) = failure {
            ran_failure = true;
            if let Some(mut ctx) = request_ctx(shared, tx, RouteType::Failure, vars, idx) {
                ctx.t_reply_code = Some(code);
                if let Some(Err(e)) = server::run_route(shared, Callback::Named(&name), &mut ctx) {
                    tracing::error!("failure route {name} failed: {e}");
                }
                after_route(&mut ctx);
                save_back(&ctx, tx);
            }
            continue;
        }
        let mut st = tx.st.lock().unwrap();
        let Some(live) = st.live.as_ref() else { return };
        let b = &live.branches[idx];
        if st.local {
            let reply = b.reply.clone();
            let method = live.req.method_str().unwrap_or("?");
            tracing::debug!("tm: local {method} (transaction {}): final reply {code} absorbed", tx.id);
            st.status = code;
            let on_final = st.on_final.take();
            on_final_sent(shared, tx, &mut st);
            drop(st);
            if let Some(f) = on_final {
                f(code, reply.as_ref());
            }
            return;
        }
        // A received reply (not one made here) goes through onsend_route
        // with onsend_route_reply, as if it came in from the branch's
        // destination; not under the state lock.
        let (code, bytes, received) = match (&b.reply, code) {
            (Some(r), c) if c != 503 => {
                let mut m = r.clone();
                m.remove_top_via();
                let from = ReceiveInfo { proto: b.dest.proto, src: b.dest.addr, local: live.info.local, conn_id: None };
                (c, m.serialize(), Some(from))
            }
            (_, c) => {
                let c = if c == 503 { 500 } else { c };
                (c, sip::build_reply(&live.req, c, reason_of(c), &server::reply_options(shared, &live.info, live.req.sending)), None)
            }
        };
        st.status = code;
        st.last_reply = Some(bytes.clone());
        let upstream = st.upstream.clone();
        on_final_sent(shared, tx, &mut st);
        drop(st);
        if received.is_none_or(|from| forward::onsend_allows_reply(shared, &bytes, &upstream, &from, vars)) {
            send(shared, &upstream, bytes);
        }
        return;
    }
}

/// A reply from downstream. Returns false when it matches no transaction
/// (the caller then runs the core reply route and forwards by Via).
/// `turn` (its place in arrival order) is released once the transaction
/// is locked, so the next reply of the same transaction queues behind it.
pub fn on_reply(
    shared: &Shared,
    msg: &SipMessage,
    info: &ReceiveInfo,
    vars: &mut Vars,
    turn: crate::transport::arrival::Turn<'_>,
) -> bool {
    let t = tm(shared);
    let Some((id, idx)) = msg.top_via().ok().and_then(|v| v.branch().and_then(|b| t.parse_branch(b))) else {
        return false;
    };
    let Some(tx) = t.ids.get(&id) else { return false };
    let Some(code) = msg.status() else { return false };
    let cseq_method = msg.cseq().and_then(|c| c.ok()).map(|c| c.method);
    let _serial = tx.serial.lock().unwrap();
    drop(turn);
    // Replies to our CANCEL end its retransmissions; nothing else.
    if cseq_method == Some(Method::Cancel) {
        if let Some(b) = tx.st.lock().unwrap().live.as_mut().and_then(|l| l.branches.get_mut(idx)) {
            if code >= 200 {
                b.cancel = CancelState::Answered;
            }
        }
        return true;
    }
    // Retransmissions of finals and replies for finished branches.
    {
        let st = tx.st.lock().unwrap();
        let branch_final = match st.live.as_ref() {
            None => true,
            Some(l) => match l.branches.get(idx) {
                None => return true,
                Some(b) => b.is_final(),
            },
        };
        if branch_final {
            tracing::debug!("tm: reply {code} for a branch already final (transaction {id}, branch {idx})");
            // Our ACK again: hop by hop for a negative final, end to end
            // for a 2xx to a local INVITE.
            if st.invite && (code >= 300 || st.local) {
                if let Some((_, ack, dest)) = st.acks.iter().find(|(i, _, _)| *i == idx) {
                    send(shared, dest, ack.clone());
                }
            } else if st.invite && (200..300).contains(&code) && !st.local {
                let mut m = msg.clone();
                m.remove_top_via();
                let (upstream, bytes) = (st.upstream.clone(), m.serialize());
                drop(st);
                if forward::onsend_allows_reply(shared, &bytes, &upstream, info, vars) {
                    send(shared, &upstream, bytes);
                }
            }
            return true;
        }
    }
    // Reply routes: the core one, then the transaction's t_on_reply.
    let (flags, avps, onreply) = {
        let st = tx.st.lock().unwrap();
        let l = st.live.as_ref().expect("checked live");
        (l.flags, l.avps.clone(), l.on_reply.clone())
    };
    let mut rctx = RouteCtx::new(shared, RouteType::Reply, msg.clone(), info.clone(), vars);
    rctx.flags = flags;
    rctx.avps = avps;
    rctx.tm.tx = Some(tx.clone());
    rctx.t_reply_code = Some(code);
    rctx.t_branch_idx = Some(idx);
    if let Some(Err(e)) = server::run_route(shared, Callback::Reply, &mut rctx) {
        tracing::error!("reply route failed for {code}: {e}");
    }
    let mut dropped = rctx.stop == Stop::Drop;
    if let Some(name) = onreply {
        rctx.stop = Stop::No;
        if let Some(Err(e)) = server::run_route(shared, Callback::Named(&name), &mut rctx) {
            tracing::error!("onreply route {name} failed: {e}");
        }
        dropped |= rctx.stop == Stop::Drop;
    }
    if dropped && code >= 200 {
        tracing::debug!("tm: a final reply ({code}) cannot be dropped in a reply route; relaying it");
        dropped = false;
    }
    save_back(&rctx, &tx);
    let RouteCtx { msg, vars, .. } = rctx;
    // onsend_route_reply: provisional and 2xx replies are relayed as they
    // arrive, so onsend_route sees them here, before the transaction is
    // locked (the route may call functions that lock it); a drop there
    // means not sent. Negative finals wait for the best-reply choice and
    // pass through it in `finalize`.
    let onsend_ok = if (101..300).contains(&code) && shared.onsend_reply && forward::has_onsend(shared) {
        let (upstream, local) = {
            let st = tx.st.lock().unwrap();
            (st.upstream.clone(), st.local)
        };
        let mut m = msg.clone();
        m.remove_top_via();
        local || forward::onsend_allows_reply(shared, &m.serialize(), &upstream, info, vars)
    } else {
        true
    };
    // The state machine.
    let failed = {
        let mut st = tx.st.lock().unwrap();
        let invite = st.invite;
        let status = st.status;
        let local = st.local;
        let Some(live) = st.live.as_mut() else { return true };
        let fr_inv = live.fr_inv;
        let b = &mut live.branches[idx];
        if local && code < 200 {
            tracing::debug!("tm: local transaction {}: provisional reply {code} absorbed", tx.id);
        }
        if code < 200 {
            b.provisional = true;
            if invite {
                b.stop_retr(t, tx.id, idx);
                b.arm_fr(t, tx.id, idx, fr_inv);
            }
            if b.cancel == CancelState::Pending {
                send_cancel(shared, &tx, idx, b);
            }
            if !dropped && onsend_ok && code > 100 && status < 200 && !local {
                let mut m = msg;
                m.remove_top_via();
                let bytes = m.serialize();
                st.status = code;
                st.last_reply = Some(bytes.clone());
                send(shared, &st.upstream, bytes);
            }
            return true;
        }
        b.code = code;
        b.stop_fr(t, tx.id, idx);
        b.stop_retr(t, tx.id, idx);
        let ack = if invite && code >= 300 {
            let to = msg.header(HeaderName::To).map(str::to_string);
            build_hop_request(&b.request, "ACK", to.as_deref()).map(|a| (a, b.dest.clone()))
        } else if invite && local {
            uac::ack_2xx(&b.request, &msg, &b.dest)
        } else {
            None
        };
        if let Some((ack, dest)) = ack {
            send(shared, &dest, ack.clone());
            st.acks.push((idx, ack, dest));
        }
        let live = st.live.as_mut().expect("live");
        // A local transaction's finals (2xx included) all end in finalize.
        if code < 300 && !local {
            if invite || status < 200 {
                let mut m = msg;
                m.remove_top_via();
                let bytes = m.serialize();
                if onsend_ok {
                    send(shared, &st.upstream, bytes.clone());
                }
                if status < 200 {
                    st.status = code;
                    st.last_reply = Some(bytes);
                    on_final_sent(shared, &tx, &mut st);
                }
            }
            maybe_shrink(&mut st);
            false
        } else {
            live.branches[idx].reply = Some(msg);
            if invite && code >= 600 && status < 200 {
                cancel_branches(shared, &tx, &mut st, Some(idx));
            }
            true
        }
    };
    if failed {
        branch_failed(shared, &tx, idx, vars);
        finalize(shared, &tx, vars);
    }
    true
}

fn on_timer(shared: &Shared, tx: Arc<TxCell>, kind: Kind) {
    let t = tm(shared);
    match kind {
        Kind::Retr(idx) => {
            let mut st = tx.st.lock().unwrap();
            let invite = st.invite;
            let Some(b) = st.live.as_mut().and_then(|l| l.branches.get_mut(idx)) else { return };
            b.retr_tick = 0; // it has fired
            if b.is_final() || b.reliable || (invite && b.provisional) {
                return;
            }
            send(shared, &b.dest, b.request.clone());
            b.retr = if invite {
                b.retr * 2
            } else if b.provisional {
                t.cfg.t2
            } else {
                (b.retr * 2).min(t.cfg.t2)
            };
            b.retr_tick = t.timers.add(b.retr, tx.id, Kind::Retr(idx));
        }
        Kind::Fr(idx, gen) => {
            let _serial = tx.serial.lock().unwrap();
            {
                let mut st = tx.st.lock().unwrap();
                let invite = st.invite;
                let canceled = st.canceled;
                let Some(b) = st.live.as_mut().and_then(|l| l.branches.get_mut(idx)) else { return };
                if b.is_final() || b.fr_gen != gen {
                    return;
                }
                b.timed_out = true;
                b.code = if canceled { 487 } else { 408 };
                b.fr_tick = 0; // it has fired
                b.stop_fr(t, tx.id, idx);
                b.stop_retr(t, tx.id, idx);
                if invite && b.provisional && matches!(b.cancel, CancelState::No | CancelState::Pending) {
                    send_cancel(shared, &tx, idx, b);
                }
                tracing::debug!("tm: branch {idx} of transaction {} timed out", tx.id);
            }
            server::with_vars(|vars| {
                branch_failed(shared, &tx, idx, vars);
                finalize(shared, &tx, vars);
            });
        }
        Kind::G => {
            let mut st = tx.st.lock().unwrap();
            let Some(start) = st.g_start else { return };
            if st.acked || st.status < 300 || start.elapsed() >= t.cfg.t1 * 64 {
                return;
            }
            if let Some(b) = st.last_reply.clone() {
                send(shared, &st.upstream, b);
            }
            st.g_interval = (st.g_interval * 2).min(t.cfg.t2);
            t.timers.add(st.g_interval, tx.id, Kind::G);
        }
        Kind::CancelRetr(idx, n) => {
            let st = tx.st.lock().unwrap();
            let Some(b) = st.live.as_ref().and_then(|l| l.branches.get(idx)) else { return };
            if let (CancelState::Sent(c), false) = (&b.cancel, b.is_final()) {
                if n < 7 {
                    send(shared, &b.dest, c.clone());
                    let next = (t.cfg.t1 * 2u32.pow(n)).min(t.cfg.t2);
                    t.timers.add(next, tx.id, Kind::CancelRetr(idx, n + 1));
                }
            }
        }
        Kind::Delete => {
            let key = tx.st.lock().unwrap().key.clone();
            t.keys.remove(&key);
            t.ids.remove(&tx.id);
        }
    }
}

/// Is a route of this kind armed (`t_is_set`)? Targets: `failure_route`,
/// `branch_route`, `onreply_route`, `branch_failure_route`.
pub fn t_is_set(ctx: &RouteCtx<'_>, target: &str) -> bool {
    let from_tx = |f: fn(&Live) -> bool| {
        ctx.tm.tx.as_ref().is_some_and(|tx| tx.st.lock().unwrap().live.as_deref().is_some_and(f))
    };
    match target {
        "failure_route" => ctx.tm.on_failure.is_some() || from_tx(|l| l.on_failure.is_some()),
        "branch_route" => ctx.tm.on_branch.is_some() || from_tx(|l| l.on_branch.is_some()),
        "onreply_route" => ctx.tm.on_reply.is_some() || from_tx(|l| l.on_reply.is_some()),
        "branch_failure_route" => {
            ctx.tm.on_branch_failure.is_some() || from_tx(|l| l.on_branch_failure.is_some())
        }
        _ => false,
    }
}

/// `t_any_timeout` / `t_any_replied`.
pub fn any_branch(ctx: &RouteCtx<'_>, timeout: bool) -> bool {
    ctx.tm.tx.as_ref().is_some_and(|tx| {
        tx.st.lock().unwrap().live.as_ref().is_some_and(|l| {
            l.branches.iter().any(|b| if timeout { b.timed_out } else { b.reply.is_some() || b.provisional })
        })
    })
}

/// `t_is_canceled`.
pub fn is_canceled(ctx: &RouteCtx<'_>) -> bool {
    ctx.tm.tx.as_ref().is_some_and(|tx| tx.is_canceled())
}

#[cfg(test)]
mod tests;
