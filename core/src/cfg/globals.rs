//! Core (global) parameters: `name = value` at the top level of the cfg.
//!
//! [`CORE_PARAMS`] lists every core parameter name Kamailio documents (the
//! core cookbook, including aliases), with its value type and whether
//! switchboard honours it ([`Use::Used`], a typed field of [`Globals`]) or
//! only accepts it ([`Use::Ignored`]: one notice per parameter, naming
//! file:line). A name not in the list is a startup error.
//!
//! `max_msg_size` is a switchboard addition (Kamailio has no single knob);
//! Kamailio's `msg_recv_max_size` is accepted and sets it too.

use crate::transport::addr::{split_host_port, ListenAddr, Protocol};

use super::{CfgError, Origin, Value};

/// The value type a core parameter takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PType {
    /// Integer (a quoted number is accepted).
    Int,
    /// yes/no/on/off/true/false/1/0.
    Bool,
    /// Quoted string (an unquoted identifier is accepted too).
    Str,
    /// Integer or string.
    IntOrStr,
    /// `[proto:]host[:port] [advertise host[:port]] [name "n"] [virtual]`.
    Listen,
    /// `[proto:]host[:port]`, several allowed.
    Alias,
}

/// Whether switchboard acts on a parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Use {
    Used,
    Ignored,
}

use PType::*;
use Use::*;

/// Every documented Kamailio core parameter (and alias), plus
/// switchboard's `max_msg_size`.
pub const CORE_PARAMS: &[(&str, PType, Use)] = &[
    // --- honoured (typed fields in Globals) ---
    ("listen", Listen, Used),
    ("port", Int, Used),
    ("alias", Alias, Used),
    ("domain", Alias, Used),
    ("children", Int, Used),
    ("tcp_children", Int, Used),
    ("socket_workers", Int, Used),
    ("debug", Int, Used),
    ("log_stderror", Bool, Used),
    ("log_facility", Str, Used),
    ("log_prefix", Str, Used),
    ("log_name", Str, Used),
    ("log_color", Bool, Used),
    ("fork", Bool, Used),
    ("disable_tcp", Bool, Used),
    ("disable_tls", Bool, Used),
    ("tls_disable", Bool, Used),
    ("enable_tls", Bool, Used),
    ("tls_enable", Bool, Used),
    ("tcp_connection_lifetime", Int, Used),
    ("tcp_max_connections", Int, Used),
    ("tls_max_connections", Int, Used),
    ("tcp_accept_no_cl", Bool, Used),
    ("tcp_connect_timeout", Int, Used),
    ("tcp_send_timeout", Int, Used),
    ("tcp_msg_read_timeout", Int, Used),
    ("tcp_msg_data_timeout", Int, Used),
    ("auto_aliases", Bool, Used),
    ("auto_domains", Bool, Used),
    ("cfgengine", Str, Used),
    ("kemi.onsend_route_callback", Str, Used),
    ("kemi.reply_route_callback", Str, Used),
    ("kemi.event_route_callback", Str, Used),
    ("kemi.received_route_callback", Str, Used),
    ("kemi.pre_routing_callback", Str, Used),
    ("received_route_mode", Int, Used),
    ("server_header", Str, Used),
    ("user_agent_header", Str, Used),
    ("server_signature", Bool, Used),
    ("sip_warning", Bool, Used),
    ("max_msg_size", Int, Used),
    ("msg_recv_max_size", Int, Used),
    ("mpath", Str, Used),
    ("loadpath", Str, Used),
    ("max_while_loops", Int, Used),
    ("max_recursive_level", Int, Used),
    ("max_branches", Int, Used),
    ("onsend_route_reply", Bool, Used),
    ("advertised_address", Str, Used),
    ("advertised_port", Int, Used),
    ("force_rport", Bool, Used),
    ("add_local_rport", Bool, Used),
    ("reply_to_via", Bool, Used),
    ("server_id", Int, Used),
    ("corelog", Int, Used),
    ("memdbg", Int, Ignored),
    ("mem_dbg", Int, Ignored),
    ("memlog", Int, Ignored),
    ("mem_log", Int, Ignored),
    ("shm_mem_size", Int, Ignored),
    // --- accepted, no effect here (one notice each) ---
    ("mem_join", Int, Ignored),
    ("mem_safety", Int, Ignored),
    ("mem_status_mode", Int, Ignored),
    ("mem_summary", Int, Ignored),
    ("mem_add_size", Int, Ignored),
    ("shm_force_alloc", Bool, Ignored),
    ("mlock_pages", Bool, Ignored),
    ("pv_buffer_size", Int, Ignored),
    ("pv_buffer_slots", Int, Ignored),
    ("pv_cache_limit", Int, Ignored),
    ("pv_cache_action", Int, Ignored),
    ("dns", Bool, Ignored),
    ("rev_dns", Bool, Ignored),
    ("dns_try_ipv6", Bool, Ignored),
    ("dns_try_naptr", Bool, Ignored),
    ("dns_srv_lb", Bool, Ignored),
    ("dns_srv_loadbalancing", Bool, Ignored),
    ("dns_udp_pref", Int, Ignored),
    ("dns_udp_preference", Int, Ignored),
    ("dns_tcp_pref", Int, Ignored),
    ("dns_tcp_preference", Int, Ignored),
    ("dns_tls_pref", Int, Ignored),
    ("dns_tls_preference", Int, Ignored),
    ("dns_sctp_pref", Int, Ignored),
    ("dns_sctp_preference", Int, Ignored),
    ("dns_retr_time", Int, Ignored),
    ("dns_retr_no", Int, Ignored),
    ("dns_servers_no", Int, Ignored),
    ("dns_use_search_list", Bool, Ignored),
    ("dns_search_full_match", Bool, Ignored),
    ("dns_naptr_ignore_rfc", Bool, Ignored),
    ("dns_cache_init", Bool, Ignored),
    ("use_dns_cache", Bool, Ignored),
    ("use_dns_failover", Bool, Ignored),
    ("dns_cache_flags", Int, Ignored),
    ("dns_cache_negative_ttl", Int, Ignored),
    ("dns_cache_min_ttl", Int, Ignored),
    ("dns_cache_max_ttl", Int, Ignored),
    ("dns_cache_mem", Int, Ignored),
    ("dns_cache_gc_interval", Int, Ignored),
    ("dns_cache_del_nonexp", Bool, Ignored),
    ("dns_cache_delete_nonexpired", Bool, Ignored),
    ("dns_cache_rec_pref", Int, Ignored),
    ("use_dst_blocklist", Bool, Ignored),
    ("dst_blocklist_expire", Int, Ignored),
    ("dst_blocklist_ttl", Int, Ignored),
    ("dst_blocklist_mem", Int, Ignored),
    ("dst_blocklist_gc_interval", Int, Ignored),
    ("dst_blocklist_init", Bool, Ignored),
    ("use_dst_blacklist", Bool, Ignored),
    ("dst_blacklist_expire", Int, Ignored),
    ("dst_blacklist_ttl", Int, Ignored),
    ("dst_blacklist_mem", Int, Ignored),
    ("dst_blacklist_gc_interval", Int, Ignored),
    ("dst_blacklist_init", Bool, Ignored),
    ("tos", IntOrStr, Ignored),
    ("pmtu_discovery", Int, Ignored),
    ("sql_buffer_size", Int, Ignored),
    ("user", IntOrStr, Ignored),
    ("uid", IntOrStr, Ignored),
    ("group", IntOrStr, Ignored),
    ("gid", IntOrStr, Ignored),
    ("chroot", Str, Ignored),
    ("workdir", Str, Ignored),
    ("wdir", Str, Ignored),
    ("run_dir", Str, Ignored),
    ("rundir", Str, Ignored),
    ("mhomed", Bool, Ignored),
    ("maxbuffer", Int, Ignored),
    ("maxsndbuffer", Int, Ignored),
    ("open_files_limit", Int, Ignored),
    ("disable_core_dump", Bool, Ignored),
    ("exit_timeout", Int, Ignored),
    ("ser_kill_timeout", Int, Ignored),
    ("fork_delay", Int, Ignored),
    ("modinit_delay", Int, Ignored),
    ("latency_cfg_log", Int, Ignored),
    ("latency_log", Int, Ignored),
    ("latency_limit_action", Int, Ignored),
    ("latency_limit_db", Int, Ignored),
    ("log_prefix_mode", Int, Ignored),
    ("log_engine_type", Str, Ignored),
    ("log_engine_data", Str, Ignored),
    ("log_custom", Bool, Ignored),
    ("real_time", Int, Ignored),
    ("rt_prio", Int, Ignored),
    ("rt_policy", Int, Ignored),
    ("rt_timer1_prio", Int, Ignored),
    ("rt_fast_timer_prio", Int, Ignored),
    ("rt_ftimer_prio", Int, Ignored),
    ("rt_timer1_policy", Int, Ignored),
    ("rt_ftimer_policy", Int, Ignored),
    ("rt_timer2_prio", Int, Ignored),
    ("rt_stimer_prio", Int, Ignored),
    ("rt_timer2_policy", Int, Ignored),
    ("rt_stimer_policy", Int, Ignored),
    ("mcast", Str, Ignored),
    ("mcast_loopback", Bool, Ignored),
    ("mcast_ttl", Int, Ignored),
    ("udp_mtu", Int, Ignored),
    ("udp_mtu_try_proto", Str, Ignored),
    ("udp4_raw", Int, Ignored),
    ("udp4_raw_mtu", Int, Ignored),
    ("udp4_raw_ttl", Int, Ignored),
    ("udp_receiver_mode", Int, Ignored),
    ("verbose_startup", Bool, Ignored),
    ("version_table", Str, Ignored),
    ("ipv6_hex_style", Str, Ignored),
    ("ip_free_bind", Bool, Ignored),
    ("ipfreebind", Bool, Ignored),
    ("ip_nonlocal_bind", Bool, Ignored),
    ("bind_ipv6_link_local", Int, Ignored),
    ("auto_bind_ipv6", Bool, Ignored),
    ("async_workers", Int, Ignored),
    ("async_nonblock", Int, Ignored),
    ("async_usleep", Int, Ignored),
    ("async_workers_group", Str, Ignored),
    ("async_tkv_evcb", Str, Ignored),
    ("async_tkv_gname", Str, Ignored),
    ("wait_worker1_mode", Int, Ignored),
    ("wait_worker1_time", Int, Ignored),
    ("wait_worker1_usleep", Int, Ignored),
    ("route_locks_size", Int, Ignored),
    ("sip_parser_log", Int, Ignored),
    ("sip_parser_mode", Int, Ignored),
    ("uri_host_extra_chars", Str, Ignored),
    ("xavp_via_params", Str, Ignored),
    ("xavp_via_fields", Str, Ignored),
    ("xavp_via_reply_params", Str, Ignored),
    ("rpc_exec_delta", Int, Ignored),
    ("stats_name_separator", Str, Ignored),
    ("http_reply_parse", Bool, Ignored),
    ("http_reply_hack", Bool, Ignored),
    ("phone2tel", Int, Ignored),
    ("check_via", Bool, Ignored),
    ("tls_threads_mode", Int, Ignored),
    ("tls_port_no", Int, Ignored),
    ("tcp_accept_aliases", Bool, Ignored),
    ("tcp_accept_haproxy", Bool, Ignored),
    ("tcp_accept_hep3", Bool, Ignored),
    ("tcp_accept_iplimit", Int, Ignored),
    ("tcp_accept_unique", Int, Ignored),
    ("tcp_async", Bool, Ignored),
    ("tcp_buf_write", Bool, Ignored),
    ("tcp_check_timer", Int, Ignored),
    ("tcp_clone_rcvbuf", Int, Ignored),
    ("tcp_conn_wq_max", Int, Ignored),
    ("tcp_wq_max", Int, Ignored),
    ("tcp_wq_blk_size", Int, Ignored),
    ("tcp_connection_match", Int, Ignored),
    ("tcp_crlf_ping", Bool, Ignored),
    ("tcp_defer_accept", Int, Ignored),
    ("tcp_delayed_ack", Bool, Ignored),
    ("tcp_fd_cache", Bool, Ignored),
    ("tcp_keepalive", Bool, Ignored),
    ("tcp_keepcnt", Int, Ignored),
    ("tcp_keepidle", Int, Ignored),
    ("tcp_keepintvl", Int, Ignored),
    ("tcp_linger2", Int, Ignored),
    ("tcp_no_connect", Bool, Ignored),
    ("tcp_poll_method", Str, Ignored),
    ("tcp_rd_buf_size", Int, Ignored),
    ("tcp_reuse_port", Bool, Ignored),
    ("tcp_script_mode", Int, Ignored),
    ("tcp_source_ipv4", Str, Ignored),
    ("tcp_source_ipv6", Str, Ignored),
    ("tcp_syncnt", Int, Ignored),
    ("tcp_wait_data", Int, Ignored),
    ("disable_sctp", Bool, Ignored),
    ("enable_sctp", Int, Ignored),
    ("sctp_children", Int, Ignored),
    ("sctp_socket_rcvbuf", Int, Ignored),
    ("sctp_socket_receive_buffer", Int, Ignored),
    ("sctp_socket_sndbuf", Int, Ignored),
    ("sctp_socket_send_buffer", Int, Ignored),
    ("sctp_autoclose", Int, Ignored),
    ("sctp_send_ttl", Int, Ignored),
    ("sctp_send_retries", Int, Ignored),
    ("sctp_assoc_tracking", Bool, Ignored),
    ("sctp_assoc_reuse", Bool, Ignored),
    ("sctp_max_assocs", Int, Ignored),
    ("sctp_srto_initial", Int, Ignored),
    ("sctp_srto_max", Int, Ignored),
    ("sctp_srto_min", Int, Ignored),
    ("sctp_asocmaxrxt", Int, Ignored),
    ("sctp_init_max_attempts", Int, Ignored),
    ("sctp_init_max_timeo", Int, Ignored),
    ("sctp_hbinterval", Int, Ignored),
    ("sctp_pathmaxrxt", Int, Ignored),
    ("sctp_sack_delay", Int, Ignored),
    ("sctp_sack_freq", Int, Ignored),
    ("sctp_max_burst", Int, Ignored),
];

/// Look up a core parameter.
pub fn core_param(name: &str) -> Option<(PType, Use)> {
    CORE_PARAMS.iter().find(|(n, _, _)| *n == name).map(|(_, t, u)| (*t, *u))
}

/// An `alias=` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Alias {
    pub proto: Option<Protocol>,
    pub host: String,
    pub port: Option<u16>,
}

/// Attributes of a `listen=` entry beyond the address.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ListenAttrs {
    /// `name "s0"`.
    pub name: Option<String>,
    /// `virtual`.
    pub virtual_: bool,
}

/// KEMI callback names (`kemi.*_callback`); `None` = Kamailio's default.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct KemiCallbacks {
    pub onsend_route_callback: Option<String>,
    pub reply_route_callback: Option<String>,
    pub event_route_callback: Option<String>,
    pub received_route_callback: Option<String>,
    pub pre_routing_callback: Option<String>,
}

/// Typed core parameters with Kamailio's defaults.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Globals {
    pub listen: Vec<ListenAddr>,
    /// Same index as `listen`.
    pub listen_attrs: Vec<ListenAttrs>,
    /// Default 5060.
    pub port: u16,
    pub alias: Vec<Alias>,
    /// Default 8.
    pub children: u32,
    /// `None` = same as `children`.
    pub tcp_children: Option<u32>,
    pub socket_workers: Option<u32>,
    /// Default 0 (L_WARN).
    pub debug: i32,
    /// Default -1 (L_ERR).
    pub corelog: i32,
    /// Default no.
    pub log_stderror: bool,
    /// Default `LOG_DAEMON`.
    pub log_facility: String,
    pub log_prefix: Option<String>,
    pub log_name: Option<String>,
    pub log_color: bool,
    /// Default yes.
    pub fork: bool,
    pub disable_tcp: bool,
    /// Default yes (TLS off unless enabled).
    pub disable_tls: bool,
    /// Seconds; default 120.
    pub tcp_connection_lifetime: u32,
    /// Default 2048.
    pub tcp_max_connections: u32,
    /// Default 2048.
    pub tls_max_connections: u32,
    /// Default no.
    pub tcp_accept_no_cl: bool,
    /// Seconds; default 10.
    pub tcp_connect_timeout: u32,
    /// Seconds; default 10.
    pub tcp_send_timeout: u32,
    /// Seconds; default 20.
    pub tcp_msg_read_timeout: u32,
    /// Seconds; default 20.
    pub tcp_msg_data_timeout: u32,
    /// Default yes.
    pub auto_aliases: bool,
    /// `cfgengine`: `None` = native.
    pub cfgengine: Option<String>,
    pub kemi: KemiCallbacks,
    pub received_route_mode: i32,
    pub server_header: Option<String>,
    pub user_agent_header: Option<String>,
    /// Default yes.
    pub server_signature: bool,
    /// Default no.
    pub sip_warning: bool,
    /// switchboard addition: largest SIP message accepted, default 65535.
    pub max_msg_size: u32,
    /// `mpath` / `loadpath`, as written (`:`-separated dirs).
    pub mpath: Option<String>,
    /// Default 100.
    pub max_while_loops: u32,
    /// Default 256.
    pub max_recursive_level: u32,
    /// Default 12.
    pub max_branches: u32,
    pub onsend_route_reply: bool,
    pub advertised_address: Option<String>,
    pub advertised_port: Option<u16>,
    pub force_rport: bool,
    pub add_local_rport: bool,
    pub reply_to_via: bool,
    pub server_id: i64,
    /// Accepted only (notice): memory debug levels and shared memory size.
    pub memdbg: Option<i64>,
    pub memlog: Option<i64>,
    pub shm_mem_size: Option<i64>,
    /// Every `name = value` as written, in cfg order, with its origin.
    pub raw: Vec<(String, Value, Origin)>,
}

impl Default for Globals {
    fn default() -> Self {
        Globals {
            listen: Vec::new(),
            listen_attrs: Vec::new(),
            port: 5060,
            alias: Vec::new(),
            children: 8,
            tcp_children: None,
            socket_workers: None,
            debug: 0,
            corelog: -1,
            log_stderror: false,
            log_facility: "LOG_DAEMON".into(),
            log_prefix: None,
            log_name: None,
            log_color: false,
            fork: true,
            disable_tcp: false,
            disable_tls: true,
            tcp_connection_lifetime: 120,
            tcp_max_connections: 2048,
            tls_max_connections: 2048,
            tcp_accept_no_cl: false,
            tcp_connect_timeout: 10,
            tcp_send_timeout: 10,
            tcp_msg_read_timeout: 20,
            tcp_msg_data_timeout: 20,
            auto_aliases: true,
            cfgengine: None,
            kemi: KemiCallbacks::default(),
            received_route_mode: 0,
            server_header: None,
            user_agent_header: None,
            server_signature: true,
            sip_warning: false,
            max_msg_size: 65535,
            mpath: None,
            max_while_loops: 100,
            max_recursive_level: 256,
            max_branches: 12,
            onsend_route_reply: false,
            advertised_address: None,
            advertised_port: None,
            force_rport: false,
            add_local_rport: false,
            reply_to_via: false,
            server_id: 0,
            memdbg: None,
            memlog: None,
            shm_mem_size: None,
            raw: Vec::new(),
        }
    }
}

/// One item of a `listen=`/`alias=` value as collected by the parser:
/// the address text, plus listen attributes.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AddrItem {
    pub addr: String,
    pub advertise: Option<String>,
    pub name: Option<String>,
    pub virtual_: bool,
}

fn type_err(origin: &Origin, name: &str, expected: &str, v: &Value) -> CfgError {
    CfgError::at(origin, format!("core parameter '{name}': expected {expected}, got {v}"))
}

fn want_int(origin: &Origin, name: &str, v: &Value) -> Result<i64, CfgError> {
    match v {
        Value::Int(i) => Ok(*i),
        Value::Str(s) => s.trim().parse().map_err(|_| type_err(origin, name, "an integer", v)),
        _ => Err(type_err(origin, name, "an integer", v)),
    }
}

fn want_u32(origin: &Origin, name: &str, v: &Value) -> Result<u32, CfgError> {
    let i = want_int(origin, name, v)?;
    u32::try_from(i).map_err(|_| type_err(origin, name, "a non-negative integer", v))
}

fn want_bool(origin: &Origin, name: &str, v: &Value) -> Result<bool, CfgError> {
    match v {
        Value::Int(0) => Ok(false),
        Value::Int(1) => Ok(true),
        Value::Str(s) | Value::Ident(s) => match s.to_ascii_lowercase().as_str() {
            "yes" | "on" | "true" | "1" => Ok(true),
            "no" | "off" | "false" | "0" => Ok(false),
            _ => Err(type_err(origin, name, "a boolean (yes/no/on/off/true/false/1/0)", v)),
        },
        _ => Err(type_err(origin, name, "a boolean (yes/no/on/off/true/false/1/0)", v)),
    }
}

fn want_str(origin: &Origin, name: &str, v: &Value) -> Result<String, CfgError> {
    match v {
        Value::Str(s) | Value::Ident(s) => Ok(s.clone()),
        _ => Err(type_err(origin, name, "a string", v)),
    }
}

impl Globals {
    /// Check a value's type for `name` and store it. `addrs` carries the
    /// parsed items for `listen`/`alias`. Returns a notice for ignored
    /// parameters. `Err` for an unknown name or a wrong type.
    pub fn set(&mut self, name: &str, v: &Value, addrs: &[AddrItem], origin: &Origin) -> Result<Option<String>, CfgError> {
        let (ty, usage) = core_param(name)
            .ok_or_else(|| CfgError::at(origin, format!("unknown core parameter '{name}'")))?;
        // Type check first (also for ignored parameters).
        match ty {
            Int => {
                want_int(origin, name, v)?;
            }
            Bool => {
                want_bool(origin, name, v)?;
            }
            Str => {
                want_str(origin, name, v)?;
            }
            IntOrStr => {
                if matches!(v, Value::List(_)) {
                    return Err(type_err(origin, name, "an integer or a string", v));
                }
            }
            Listen | Alias => {}
        }
        self.raw.push((name.to_string(), v.clone(), origin.clone()));
        match name {
            "listen" => {
                for it in addrs {
                    let mut l = ListenAddr::parse(&it.addr)
                        .map_err(|e| CfgError::at(origin, format!("listen: {e}")))?;
                    if let Some(a) = &it.advertise {
                        l.advertise = Some(
                            split_host_port(a).map_err(|e| CfgError::at(origin, format!("listen advertise: {e}")))?,
                        );
                    }
                    self.listen.push(l);
                    self.listen_attrs.push(ListenAttrs { name: it.name.clone(), virtual_: it.virtual_ });
                }
            }
            "alias" | "domain" => {
                for it in addrs {
                    let l = ListenAddr::parse(&it.addr).map_err(|e| CfgError::at(origin, format!("{name}: {e}")))?;
                    self.alias.push(Alias { proto: l.proto, host: l.host, port: l.port });
                }
            }
            "port" => {
                let p = want_int(origin, name, v)?;
                self.port = u16::try_from(p)
                    .ok()
                    .filter(|p| *p > 0)
                    .ok_or_else(|| type_err(origin, name, "a port number (1-65535)", v))?;
            }
            "children" => self.children = want_u32(origin, name, v)?,
            "tcp_children" => self.tcp_children = Some(want_u32(origin, name, v)?),
            "socket_workers" => self.socket_workers = Some(want_u32(origin, name, v)?),
            "debug" => self.debug = want_int(origin, name, v)? as i32,
            "corelog" => self.corelog = want_int(origin, name, v)? as i32,
            "log_stderror" => self.log_stderror = want_bool(origin, name, v)?,
            "log_facility" => self.log_facility = want_str(origin, name, v)?,
            "log_prefix" => self.log_prefix = Some(want_str(origin, name, v)?),
            "log_name" => self.log_name = Some(want_str(origin, name, v)?),
            "log_color" => self.log_color = want_bool(origin, name, v)?,
            "fork" => self.fork = want_bool(origin, name, v)?,
            "disable_tcp" => self.disable_tcp = want_bool(origin, name, v)?,
            "disable_tls" | "tls_disable" => self.disable_tls = want_bool(origin, name, v)?,
            "enable_tls" | "tls_enable" => self.disable_tls = !want_bool(origin, name, v)?,
            "tcp_connection_lifetime" => self.tcp_connection_lifetime = want_u32(origin, name, v)?,
            "tcp_max_connections" => self.tcp_max_connections = want_u32(origin, name, v)?,
            "tls_max_connections" => self.tls_max_connections = want_u32(origin, name, v)?,
            "tcp_accept_no_cl" => self.tcp_accept_no_cl = want_bool(origin, name, v)?,
            "tcp_connect_timeout" => self.tcp_connect_timeout = want_u32(origin, name, v)?,
            "tcp_send_timeout" => self.tcp_send_timeout = want_u32(origin, name, v)?,
            "tcp_msg_read_timeout" => self.tcp_msg_read_timeout = want_u32(origin, name, v)?,
            "tcp_msg_data_timeout" => self.tcp_msg_data_timeout = want_u32(origin, name, v)?,
            "auto_aliases" | "auto_domains" => self.auto_aliases = want_bool(origin, name, v)?,
            "cfgengine" => {
                let e = want_str(origin, name, v)?;
                self.cfgengine = match e.as_str() {
                    "native" | "default" => None,
                    _ => Some(e),
                };
            }
            "kemi.onsend_route_callback" => self.kemi.onsend_route_callback = Some(want_str(origin, name, v)?),
            "kemi.reply_route_callback" => self.kemi.reply_route_callback = Some(want_str(origin, name, v)?),
            "kemi.event_route_callback" => self.kemi.event_route_callback = Some(want_str(origin, name, v)?),
            "kemi.received_route_callback" => self.kemi.received_route_callback = Some(want_str(origin, name, v)?),
            "kemi.pre_routing_callback" => self.kemi.pre_routing_callback = Some(want_str(origin, name, v)?),
            "received_route_mode" => self.received_route_mode = want_int(origin, name, v)? as i32,
            "server_header" => self.server_header = Some(want_str(origin, name, v)?),
            "user_agent_header" => self.user_agent_header = Some(want_str(origin, name, v)?),
            "server_signature" => self.server_signature = want_bool(origin, name, v)?,
            "sip_warning" => self.sip_warning = want_bool(origin, name, v)?,
            "max_msg_size" | "msg_recv_max_size" => self.max_msg_size = want_u32(origin, name, v)?,
            "mpath" | "loadpath" => self.mpath = Some(want_str(origin, name, v)?),
            "max_while_loops" => self.max_while_loops = want_u32(origin, name, v)?,
            "max_recursive_level" => self.max_recursive_level = want_u32(origin, name, v)?,
            "max_branches" => self.max_branches = want_u32(origin, name, v)?,
            "onsend_route_reply" => self.onsend_route_reply = want_bool(origin, name, v)?,
            "advertised_address" => self.advertised_address = Some(want_str(origin, name, v)?),
            "advertised_port" => {
                let p = want_int(origin, name, v)?;
                self.advertised_port =
                    Some(u16::try_from(p).map_err(|_| type_err(origin, name, "a port number", v))?);
            }
            "force_rport" => self.force_rport = want_bool(origin, name, v)?,
            "add_local_rport" => self.add_local_rport = want_bool(origin, name, v)?,
            "reply_to_via" => self.reply_to_via = want_bool(origin, name, v)?,
            "server_id" => self.server_id = want_int(origin, name, v)?,
            "memdbg" | "mem_dbg" => self.memdbg = Some(want_int(origin, name, v)?),
            "memlog" | "mem_log" => self.memlog = Some(want_int(origin, name, v)?),
            "shm_mem_size" => self.shm_mem_size = Some(want_int(origin, name, v)?),
            _ => {}
        }
        Ok(match usage {
            Used => None,
            Ignored => Some(format!(
                "{origin}: core parameter '{name}' is accepted for compatibility but has no effect in switchboard"
            )),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;
    use std::sync::Arc;

    fn o() -> Origin {
        Origin::new(Arc::from(Path::new("g.cfg")), 7)
    }

    #[test]
    fn defaults() {
        let g = Globals::default();
        assert_eq!((g.port, g.children, g.debug, g.fork, g.log_stderror), (5060, 8, 0, true, false));
        assert_eq!((g.tcp_connection_lifetime, g.tcp_max_connections, g.max_msg_size), (120, 2048, 65535));
        assert!(!g.tcp_accept_no_cl && g.auto_aliases && g.server_signature);
    }

    #[test]
    fn types() {
        let mut g = Globals::default();
        assert!(g.set("children", &Value::Int(4), &[], &o()).unwrap().is_none());
        assert_eq!(g.children, 4);
        g.set("children", &Value::Str("6".into()), &[], &o()).unwrap();
        assert_eq!(g.children, 6);
        let e = g.set("children", &Value::Str("abc".into()), &[], &o()).unwrap_err();
        assert_eq!(e.to_string(), "g.cfg:7: core parameter 'children': expected an integer, got \"abc\"");
        let e = g.set("port", &Value::Ident("notanumber".into()), &[], &o()).unwrap_err();
        assert!(e.message.contains("'port'") && e.message.contains("integer"));
        g.set("fork", &Value::Ident("no".into()), &[], &o()).unwrap();
        assert!(!g.fork);
        g.set("fork", &Value::Int(1), &[], &o()).unwrap();
        assert!(g.fork);
        assert!(g.set("fork", &Value::Int(3), &[], &o()).is_err());
        let n = g.set("memdbg", &Value::Int(5), &[], &o()).unwrap().unwrap();
        assert!(n.starts_with("g.cfg:7: ") && n.contains("memdbg"));
        let e = g.set("no_such_param", &Value::Int(1), &[], &o()).unwrap_err();
        assert!(e.message.contains("unknown core parameter 'no_such_param'"));
        g.set("cfgengine", &Value::Str("lua".into()), &[], &o()).unwrap();
        assert_eq!(g.cfgengine.as_deref(), Some("lua"));
        g.set("cfgengine", &Value::Str("native".into()), &[], &o()).unwrap();
        assert_eq!(g.cfgengine, None);
    }

    #[test]
    fn listen_and_alias() {
        let mut g = Globals::default();
        let items = vec![
            AddrItem { addr: "udp:10.0.0.1:5060".into(), advertise: Some("1.2.3.4:5080".into()), name: Some("s0".into()), virtual_: false },
            AddrItem { addr: "tcp:[::1]:5070".into(), ..Default::default() },
        ];
        g.set("listen", &Value::List(vec![]), &items, &o()).unwrap();
        assert_eq!(g.listen.len(), 2);
        assert_eq!(g.listen[0].advertise, Some(("1.2.3.4".into(), Some(5080))));
        assert_eq!(g.listen_attrs[0].name.as_deref(), Some("s0"));
        assert_eq!(g.listen[1].host, "::1");
        g.set("alias", &Value::List(vec![]), &[AddrItem { addr: "sip.example.com:5060".into(), ..Default::default() }], &o()).unwrap();
        assert_eq!(g.alias[0], Alias { proto: None, host: "sip.example.com".into(), port: Some(5060) });
        let e = g.set("listen", &Value::List(vec![]), &[AddrItem { addr: "udp:1.2.3.4:99999".into(), ..Default::default() }], &o());
        assert!(e.is_err());
    }
}
