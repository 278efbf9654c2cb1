//! The table of module names switchboard knows, the parameters each
//! declares, and its status.
//!
//! Status policy:
//! * [`ModuleStatus::Active`] — implemented in switchboard (none yet at the
//!   time this table was written; each module's issue flips its entry).
//! * [`ModuleStatus::Planned`] — part of switchboard's scope and being
//!   implemented (sl, tm, rr, registrar, auth, msilo, the script engines,
//!   the db drivers, ...). Loading one works; its functions may
//!   not exist yet.
//! * [`ModuleStatus::Inactive`] — a Kamailio module that switchboard accepts
//!   in `loadmodule` but does not implement (acc, nathelper, dispatcher,
//!   ...). Its functions are unavailable; loading it yields a notice.
//!
//! Parameter checking: Active and Planned modules declare their complete
//! documented parameter list; an unknown parameter is an error. For
//! Inactive modules switchboard does not know every parameter, so any
//! parameter is accepted (declared ones are still type-checked).

use crate::cfg::Value;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ModuleStatus {
    Active,
    Planned,
    Inactive,
}

impl ModuleStatus {
    /// Active or Planned: parameters are checked strictly.
    pub fn is_supported(self) -> bool {
        !matches!(self, ModuleStatus::Inactive)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamType {
    /// Integer; a quoted number is accepted (as Kamailio does).
    Int,
    /// String; an integer given is converted to its decimal text.
    Str,
    /// Either.
    IntOrStr,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParamDef {
    pub name: &'static str,
    pub ty: ParamType,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ModuleDef {
    pub name: &'static str,
    pub status: ModuleStatus,
    pub params: &'static [ParamDef],
}

impl ModuleDef {
    pub fn param(&self, name: &str) -> Option<&ParamDef> {
        self.params.iter().find(|p| p.name == name)
    }

    /// Check (and normalise) a modparam value for `name`.
    pub fn check_param(&self, name: &str, v: &Value) -> Result<Value, String> {
        let Some(p) = self.param(name) else {
            return if self.status.is_supported() {
                Err(format!("module '{}' has no parameter '{name}'", self.name))
            } else {
                Ok(v.clone())
            };
        };
        match (p.ty, v) {
            (ParamType::Int, Value::Int(_)) => Ok(v.clone()),
            (ParamType::Int, Value::Str(s)) => s.trim().parse::<i64>().map(Value::Int).map_err(|_| {
                format!("modparam '{}' of module '{}' expects an integer, got \"{s}\"", name, self.name)
            }),
            (ParamType::Str, Value::Int(i)) => Ok(Value::Str(i.to_string())),
            (ParamType::Str | ParamType::IntOrStr, Value::Str(_)) | (ParamType::IntOrStr, Value::Int(_)) => {
                Ok(v.clone())
            }
            (_, other) => Err(format!(
                "modparam '{}' of module '{}' expects {}, got {other}",
                name,
                self.name,
                match p.ty {
                    ParamType::Int => "an integer",
                    ParamType::Str => "a string",
                    ParamType::IntOrStr => "an integer or a string",
                }
            )),
        }
    }

    /// What switchboard does instead when a parameter it accepts (so
    /// that a Kamailio cfg runs) asks for something it does not do; the
    /// cfg loader turns it into a start notice.
    pub fn param_limit(&self, name: &str, v: &Value) -> Option<&'static str> {
        LIMITS.iter().find(|l| l.0 == self.name && l.1 == name && (l.2)(v)).map(|l| l.3)
    }
}

/// (module, parameter, the values it concerns, what happens instead).
type Limit = (&'static str, &'static str, fn(&Value) -> bool, &'static str);
const LIMITS: &[Limit] = &[(
    "usrloc",
    "db_mode",
    |v| v.as_int().is_some_and(|m| m != 0),
    "switchboard keeps the location table in memory only (no database yet): registrations do not survive a restart",
)];

use ModuleStatus::*;
use ParamType::{Int as I, IntOrStr as IS, Str as S};

const fn p(name: &'static str, ty: ParamType) -> ParamDef {
    ParamDef { name, ty }
}

const SL: &[ParamDef] = &[p("default_code", I), p("default_reason", S), p("bind_tm", I), p("rich_redirect", I), p("event_callback", S)];

const TM: &[ParamDef] = &[
    p("fr_timer", I),
    p("fr_inv_timer", I),
    p("max_inv_lifetime", I),
    p("max_noninv_lifetime", I),
    p("wt_timer", I),
    p("delete_timer", I),
    p("retr_timer1", I),
    p("retr_timer2", I),
    p("noisy_ctimer", I),
    p("restart_fr_on_each_reply", I),
    p("auto_inv_100", I),
    p("auto_inv_100_reason", S),
    p("unix_tx_timeout", I),
    p("aggregate_challenges", I),
    p("reparse_invite", I),
    p("ac_extra_hdrs", S),
    p("blst_503", I),
    p("blst_503_def_timeout", I),
    p("blst_503_min_timeout", I),
    p("blst_503_max_timeout", I),
    p("blst_methods_add", I),
    p("blst_methods_lookup", I),
    p("cancel_b_method", I),
    p("reparse_on_dns_failover", I),
    p("on_sl_reply", S),
    p("contacts_avp", S),
    p("contact_flows_avp", S),
    p("fr_timer_avp", S),
    p("fr_inv_timer_avp", S),
    p("unmatched_cancel", I),
    p("ruri_matching", I),
    p("via1_matching", I),
    p("callid_matching", I),
    p("callid_cseq_matching", I),
    p("pass_provisional_replies", I),
    p("default_code", I),
    p("default_reason", S),
    p("disable_6xx_block", I),
    p("local_ack_mode", I),
    p("failure_reply_mode", I),
    p("faked_reply_prio", I),
    p("local_cancel_reason", I),
    p("e2e_cancel_reason", I),
    p("e2e_cancel_hop_by_hop", I),
    p("remap_503_500", I),
    p("failure_exec_mode", I),
    p("dns_reuse_rcv_socket", I),
    p("xavp_contact", S),
    p("event_callback", S),
    p("event_callback_lres_sent", S),
    p("relay_100", I),
    p("rich_redirect", I),
    p("exec_time_check", I),
    p("reply_relay_mode", I),
    p("enable_uac_fr", I),
    p("tm_blst_503", I),
    p("uac_reply_mode", I),
    p("t_auto_inv_100", I),
];

const TMX: &[ParamDef] = &[p("precheck_trans", I)];

const RR: &[ParamDef] = &[
    p("enable_full_lr", I),
    p("append_fromtag", I),
    p("enable_double_rr", I),
    p("add_username", I),
    p("enable_socket_mismatch_warning", I),
    p("custom_user_avp", S),
    p("force_send_socket", I),
    p("ignore_sips", I),
    p("sockname_mode", I),
    p("ignore_user", I),
];

const MAXFWD: &[ParamDef] = &[p("max_limit", I)];

const SANITY: &[ParamDef] = &[p("default_checks", I), p("uri_checks", I), p("proxy_require", S), p("autodrop", I), p("noreply", I)];

const SIPUTILS: &[ParamDef] = &[
    p("ring_timeout", I),
    p("options_accept", S),
    p("options_accept_encoding", S),
    p("options_accept_language", S),
    p("options_support", S),
    p("contact_flds_separator", S),
    p("rpid_avp", S),
    p("rpid_prefix", S),
    p("rpid_suffix", S),
    p("e164_max_len", I),
];

const COREX: &[ParamDef] = &[
    p("alias_subdomains", S),
    p("network_io_intercept", I),
    p("min_msg_len", I),
    p("msg_recv_max_size", I),
    p("dns_cache", S),
    p("nio_intercept", I),
    p("nio_min_msg_len", I),
    p("nio_msg_avp", S),
    p("evcb_reply_out", S),
];

const PV: &[ParamDef] = &[p("shvset", S), p("varset", S), p("avp_aliases", S)];

const XLOG: &[ParamDef] = &[
    p("buf_size", I),
    p("force_color", I),
    p("long_format", I),
    p("prefix", S),
    p("prefix_mode", I),
    p("log_facility", S),
    p("log_colors", S),
    p("methods_filter", I),
];

const REGISTRAR: &[ParamDef] = &[
    p("default_expires", I),
    p("default_expires_range", I),
    p("expires_range", I),
    p("min_expires", I),
    p("min_expires_mode", I),
    p("max_expires", I),
    p("default_q", I),
    p("realm_prefix", S),
    p("append_branches", I),
    p("aor_avp", S),
    p("case_sensitive", I),
    p("received_avp", S),
    p("received_param", S),
    p("max_contacts", I),
    p("retry_after", I),
    p("sock_flag", I),
    p("sock_hdr_name", S),
    p("method_filtering", I),
    p("use_path", I),
    p("path_mode", I),
    p("path_use_received", I),
    p("path_check_local", I),
    p("reg_callid_avp", S),
    p("xavp_cfg", S),
    p("xavp_rcd", S),
    p("gruu_enabled", I),
    p("outbound_mode", I),
    p("regid_mode", I),
    p("flow_timer", I),
    p("contact_max_size", I),
    p("trust_received_flag", I),
    p("event_callback", S),
    p("lookup_filter_mode", I),
    p("use_expired_contacts", I),
    p("tcp_persistent_flag", I),
    p("keepalive_timeout", I),
    // switchboard addition (Net::SIP::Registrar's `domains`): comma list
    // of served AoR domains; REGISTERs for others get 403. Empty = any.
    p("domains", S),
];

const USRLOC: &[ParamDef] = &[
    p("nat_bflag", I),
    p("user_column", S),
    p("domain_column", S),
    p("contact_column", S),
    p("expires_column", S),
    p("q_column", S),
    p("callid_column", S),
    p("cseq_column", S),
    p("methods_column", S),
    p("flags_column", S),
    p("cflags_column", S),
    p("user_agent_column", S),
    p("received_column", S),
    p("socket_column", S),
    p("path_column", S),
    p("ruid_column", S),
    p("instance_column", S),
    p("reg_id_column", S),
    p("server_id_column", S),
    p("connection_id_column", S),
    p("keepalive_column", S),
    p("partition_column", S),
    p("last_modified_column", S),
    p("use_domain", I),
    p("desc_time_order", I),
    p("timer_interval", I),
    p("timer_procs", I),
    p("db_url", S),
    p("db_mode", I),
    p("matching_mode", I),
    p("cseq_delay", I),
    p("fetch_rows", I),
    p("hash_size", I),
    p("preload", S),
    p("db_update_as_insert", I),
    p("db_check_update", I),
    p("db_ops_ruid", I),
    p("db_insert_update", I),
    p("handle_lost_tcp", I),
    p("close_expired_tcp", I),
    p("expires_type", I),
    p("db_raw_fetch_type", I),
    p("db_insert_null", I),
    p("skip_remote_socket", I),
    p("db_timer_clean", I),
    p("db_clean_tcp", I),
    p("xavp_contact", S),
    p("rm_expired_delay", I),
    p("server_id_filter", I),
    p("version_table", I),
    p("ka_mode", I),
    p("ka_filter", I),
    p("ka_domain", S),
    p("ka_method", S),
    p("ka_from", S),
    p("ka_reply_codes", S),
    p("ka_timeout", I),
    p("ka_loglevel", I),
    p("ka_logmsg", S),
    p("load_rank", I),
];

const AUTH: &[ParamDef] = &[
    p("secret", S),
    p("nonce_expire", I),
    p("nonce_auth_max_drift", I),
    p("protect_contacts", I),
    p("qop", S),
    p("auth_checks_register", I),
    p("auth_checks_no_dlg", I),
    p("auth_checks_in_dlg", I),
    p("nonce_count", I),
    p("one_time_nonce", I),
    p("nid_pool_no", I),
    p("nc_array_size", I),
    p("nc_array_order", I),
    p("otn_in_flight_no", I),
    p("otn_in_flight_order", I),
    p("algorithm", S),
    p("add_authinfo_hdr", I),
    p("realm_prefix", S),
    p("use_next_nonce", I),
    p("force_stateless_reply", I),
];

const AUTH_DB: &[ParamDef] = &[
    p("db_url", S),
    p("user_column", S),
    p("domain_column", S),
    p("password_column", S),
    p("password_column_2", S),
    p("calculate_ha1", I),
    p("use_domain", I),
    p("load_credentials", S),
    p("version_table", I),
    p("force_default_realm", I),
];

const MSILO: &[ParamDef] = &[
    p("db_url", S),
    p("db_table", S),
    p("from_address", S),
    p("contact_hdr", S),
    p("extra_hdrs", S),
    p("offline_message", S),
    p("content_type_hdr", S),
    p("reminder", S),
    p("outbound_proxy", S),
    p("expire_time", I),
    p("check_time", I),
    p("send_time", I),
    p("clean_period", I),
    p("use_contact", I),
    p("sc_mid", S),
    p("sc_from", S),
    p("sc_to", S),
    p("sc_uri_user", S),
    p("sc_uri_host", S),
    p("sc_body", S),
    p("sc_ctype", S),
    p("sc_exp_time", S),
    p("sc_inc_time", S),
    p("sc_snd_time", S),
    p("sc_stored_hdrs", S),
    p("sc_callid", S),
    p("sc_status", S),
    p("snd_time_avp", S),
    p("add_date", I),
    p("max_messages", I),
    p("add_contact", I),
    p("extra_hdrs_avp", S),
    p("skip_notification_flag", I),
];

const APP_LUA: &[ParamDef] = &[p("load", S), p("reload", I), p("log_mode", I), p("register", S)];
const APP_PYTHON3: &[ParamDef] =
    &[p("load", S), p("script_name", S), p("mod_init_function", S), p("child_init_method", S), p("threads_mode", I)];
const APP_PERL: &[ParamDef] =
    &[p("filename", S), p("modpath", S), p("reset_cycles", I), p("perl_destroy_func", S), p("unsafemodfnc", I)];

const DB_SQLITE: &[ParamDef] = &[p("db_set_readonly", S), p("journal_mode", S), p("busy_timeout", I)];
const DB_POSTGRES: &[ParamDef] = &[
    p("retries", I),
    p("timeout", I),
    p("tcp_keepalive", I),
    p("bytea_output_escape", I),
    p("con_param", S),
    p("lockset", I),
];
const DB_MYSQL: &[ParamDef] = &[
    p("ping_interval", I),
    p("server_timezone", I),
    p("timeout_interval", I),
    p("auto_reconnect", I),
    p("insert_delayed", I),
    p("update_affected_found", I),
    p("opt_ssl_mode", I),
    p("opt_ssl_ca", S),
];
const JSONRPCS: &[ParamDef] = &[
    p("pretty_format", I),
    p("transport", I),
    p("fifo_name", S),
    p("fifo_mode", I),
    p("fifo_group", IS),
    p("fifo_user", IS),
    p("fifo_reply_dir", S),
    p("dgram_socket", S),
    p("dgram_workers", I),
    p("dgram_timeout", I),
    p("dgram_mode", I),
    p("dgram_group", IS),
    p("dgram_user", IS),
    p("tcp_socket", S),
];

// Declared parameters of some Inactive modules (so their types are
// checked); other parameters of Inactive modules are accepted as is.
const ACC: &[ParamDef] = &[
    p("early_media", I),
    p("failed_transaction_flag", I),
    p("report_ack", I),
    p("report_cancels", I),
    p("detect_direction", I),
    p("log_flag", I),
    p("log_missed_flag", I),
    p("log_level", I),
    p("log_facility", S),
    p("log_extra", S),
    p("db_flag", I),
    p("db_missed_flag", I),
    p("db_url", S),
    p("db_extra", S),
    p("db_table_acc", S),
    p("db_table_missed_calls", S),
];
const NATHELPER: &[ParamDef] = &[
    p("natping_interval", I),
    p("ping_nated_only", I),
    p("sipping_bflag", I),
    p("sipping_from", S),
    p("sipping_method", S),
    p("received_avp", S),
    p("force_socket", S),
    p("natping_processes", I),
];
const MI_FIFO: &[ParamDef] = &[p("fifo_name", S), p("fifo_mode", I), p("fifo_group", IS), p("fifo_user", IS), p("reply_dir", S)];
const URI_DB: &[ParamDef] = &[p("db_url", S), p("use_uri_table", I), p("use_domain", I)];
const PERMISSIONS: &[ParamDef] = &[p("db_url", S), p("db_mode", I)];
const RTPPROXY: &[ParamDef] = &[p("rtpproxy_sock", S)];
const PRESENCE: &[ParamDef] = &[p("db_url", S), p("server_address", S)];

const NONE: &[ParamDef] = &[];

macro_rules! m {
    ($name:expr, $st:expr, $params:expr) => {
        ModuleDef { name: $name, status: $st, params: $params }
    };
    ($name:expr) => {
        ModuleDef { name: $name, status: Inactive, params: NONE }
    };
}

/// All known modules.
pub static MODULES: &[ModuleDef] = &[
    // --- switchboard scope (Planned until each lands) ---
    m!("sl", Active, SL),
    m!("tm", Active, TM),
    m!("tmx", Active, TMX),
    m!("rr", Active, RR),
    m!("maxfwd", Active, MAXFWD),
    m!("sanity", Active, SANITY),
    m!("textops", Active, NONE),
    m!("textopsx", Planned, NONE),
    m!("siputils", Active, SIPUTILS),
    m!("corex", Active, COREX),
    m!("kex", Planned, NONE),
    m!("pv", Active, PV),
    m!("xlog", Active, XLOG),
    m!("registrar", Active, REGISTRAR),
    m!("usrloc", Active, USRLOC),
    m!("auth", Planned, AUTH),
    m!("auth_db", Planned, AUTH_DB),
    m!("msilo", Planned, MSILO),
    m!("app_lua", Active, APP_LUA),
    m!("app_python3", Active, APP_PYTHON3),
    m!("app_perl", Active, APP_PERL),
    m!("db_sqlite", Planned, DB_SQLITE),
    m!("db_postgres", Planned, DB_POSTGRES),
    m!("db_mysql", Planned, DB_MYSQL),
    m!("jsonrpcs", Active, JSONRPCS),
    // --- known to Kamailio, accepted, not active here ---
    m!("acc", Inactive, ACC),
    m!("nathelper", Inactive, NATHELPER),
    m!("mi_fifo", Inactive, MI_FIFO),
    m!("uri_db", Inactive, URI_DB),
    m!("permissions", Inactive, PERMISSIONS),
    m!("rtpproxy", Inactive, RTPPROXY),
    m!("presence", Inactive, PRESENCE),
    m!("mi_rpc"),
    m!("ctl"),
    m!("acc_db"),
    m!("acc_diameter"),
    m!("acc_json"),
    m!("acc_radius"),
    m!("alias_db"),
    m!("app_java"),
    m!("app_jsdt"),
    m!("app_mono"),
    m!("app_ruby"),
    m!("app_ruby_proc"),
    m!("app_sqlang"),
    m!("async"),
    m!("auth_diameter"),
    m!("auth_ephemeral"),
    m!("auth_identity"),
    m!("auth_radius"),
    m!("auth_xkeys"),
    m!("avp"),
    m!("avpops"),
    m!("benchmark"),
    m!("blst"),
    m!("call_control"),
    m!("call_obj"),
    m!("carrierroute"),
    m!("cdp"),
    m!("cdp_avp"),
    m!("cfg_db"),
    m!("cfg_rpc"),
    m!("cfgt"),
    m!("cfgutils"),
    m!("cnxcc"),
    m!("counters"),
    m!("cplc"),
    m!("crypto"),
    m!("db2_ldap"),
    m!("db2_ops"),
    m!("db_berkeley"),
    m!("db_cassandra"),
    m!("db_cluster"),
    m!("db_flatstore"),
    m!("db_mongodb"),
    m!("db_oracle"),
    m!("db_perlvdb"),
    m!("db_redis"),
    m!("db_text"),
    m!("db_unixodbc"),
    m!("debugger"),
    m!("dialog"),
    m!("dialog_ng"),
    m!("dialplan"),
    m!("dispatcher"),
    m!("diversion"),
    m!("dlgs"),
    m!("dmq"),
    m!("dmq_usrloc"),
    m!("domain"),
    m!("domainpolicy"),
    m!("drouting"),
    m!("enum"),
    m!("evapi"),
    m!("evrexec"),
    m!("exec"),
    m!("file_out"),
    m!("gcrypt"),
    m!("geoip"),
    m!("geoip2"),
    m!("gflags"),
    m!("group"),
    m!("gzcompress"),
    m!("h350"),
    m!("htable"),
    m!("http_async_client"),
    m!("http_client"),
    m!("imc"),
    m!("ims_auth"),
    m!("ims_charging"),
    m!("ims_dialog"),
    m!("ims_icscf"),
    m!("ims_ipsec_pcscf"),
    m!("ims_isc"),
    m!("ims_ocs"),
    m!("ims_qos"),
    m!("ims_registrar_pcscf"),
    m!("ims_registrar_scscf"),
    m!("ims_usrloc_pcscf"),
    m!("ims_usrloc_scscf"),
    m!("ipops"),
    m!("jansson"),
    m!("janssonrpcc"),
    m!("json"),
    m!("jsonrpcc"),
    m!("jwt"),
    m!("kazoo"),
    m!("keepalive"),
    m!("kemix", Active, NONE),
    m!("lcr"),
    m!("ldap"),
    m!("log_custom"),
    m!("log_systemd"),
    m!("lost"),
    m!("lrkproxy"),
    m!("lwsc"),
    m!("mangler"),
    m!("matrix"),
    m!("mediaproxy"),
    m!("memcached"),
    m!("mi_datagram"),
    m!("mi_xmlrpc"),
    m!("misc_radius"),
    m!("mohqueue"),
    m!("mqtt"),
    m!("mqueue"),
    m!("mtree"),
    m!("nat_traversal"),
    m!("ndb_cassandra"),
    m!("ndb_mongodb"),
    m!("ndb_redis"),
    m!("nosip"),
    m!("nsq"),
    m!("outbound"),
    m!("p_usrloc"),
    m!("path"),
    m!("pdb"),
    m!("pdt"),
    m!("peering"),
    m!("pike"),
    m!("pipelimit"),
    m!("prefix_route"),
    m!("presence_conference"),
    m!("presence_dialoginfo"),
    m!("presence_mwi"),
    m!("presence_profile"),
    m!("presence_reginfo"),
    m!("presence_xml"),
    m!("print"),
    m!("print_lib"),
    m!("pua"),
    m!("pua_bla"),
    m!("pua_dialoginfo"),
    m!("pua_json"),
    m!("pua_reginfo"),
    m!("pua_rpc"),
    m!("pua_usrloc"),
    m!("pua_xmpp"),
    m!("pv_headers"),
    m!("qos"),
    m!("ratelimit"),
    m!("regex"),
    m!("rls"),
    m!("rtimer"),
    m!("rtjson"),
    m!("rtpengine"),
    m!("rtpproxy-ng"),
    m!("ruxc"),
    m!("sca"),
    m!("sctp"),
    m!("sdpops"),
    m!("seas"),
    m!("secfilter"),
    m!("sipcapture"),
    m!("sipdump"),
    m!("sipjson"),
    m!("sipt"),
    m!("siptrace"),
    m!("slack"),
    m!("sms"),
    m!("smsops"),
    m!("snmpstats"),
    m!("speeddial"),
    m!("sqlops"),
    m!("ss7ops"),
    m!("statistics"),
    m!("statsc"),
    m!("statsd"),
    m!("stirshaken"),
    m!("stun"),
    m!("sst"),
    m!("sworker"),
    m!("tcpops"),
    m!("timer"),
    m!("tls"),
    m!("tls_wolfssl"),
    m!("tmrec"),
    m!("topoh"),
    m!("topos"),
    m!("topos_redis"),
    m!("tsilo"),
    m!("uac"),
    m!("uac_redirect"),
    m!("uid_auth_db"),
    m!("uid_avp_db"),
    m!("uid_domain"),
    m!("uid_gflags"),
    m!("uid_uri_db"),
    m!("uri"),
    m!("userblocklist"),
    m!("userblacklist"),
    m!("utils"),
    m!("uuid"),
    m!("websocket"),
    m!("xcap_client"),
    m!("xcap_server"),
    m!("xhttp"),
    m!("xhttp_pi"),
    m!("xhttp_prom"),
    m!("xhttp_rpc"),
    m!("xmlops"),
    m!("xmlrpc"),
    m!("xmpp"),
    m!("xprint"),
];

/// Module name aliases (old or alternative names → canonical).
const ALIASES: &[(&str, &str)] = &[("app_python", "app_python3"), ("app_python3s", "app_python3")];

/// Canonical module name (resolves aliases such as `app_python`).
pub fn canonical_name(name: &str) -> &str {
    ALIASES.iter().find(|(a, _)| *a == name).map(|(_, c)| *c).unwrap_or(name)
}

/// The module name in a `loadmodule` argument: `"tm"`, `"tm.so"`,
/// `"/usr/lib/.../modules/tm.so"` → `tm`.
pub fn name_from_spec(spec: &str) -> String {
    let base = spec.trim().rsplit('/').next().unwrap_or(spec);
    base.strip_suffix(".so").unwrap_or(base).to_string()
}

/// Look up a module by (possibly aliased) name.
pub fn lookup(name: &str) -> Option<&'static ModuleDef> {
    let c = canonical_name(name);
    MODULES.iter().find(|m| m.name == c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(name_from_spec("tm"), "tm");
        assert_eq!(name_from_spec("tm.so"), "tm");
        assert_eq!(name_from_spec("/usr/lib/x86_64-linux-gnu/kamailio/modules/tm.so"), "tm");
        assert_eq!(lookup("app_python").unwrap().name, "app_python3");
        assert!(lookup("no_such_module").is_none());
        let mut seen = std::collections::HashSet::new();
        for m in MODULES {
            assert!(seen.insert(m.name), "duplicate {}", m.name);
            let mut ps = std::collections::HashSet::new();
            for p in m.params {
                assert!(ps.insert(p.name), "duplicate param {}.{}", m.name, p.name);
            }
        }
    }

    #[test]
    fn param_types() {
        let reg = lookup("registrar").unwrap();
        assert_eq!(reg.check_param("default_expires", &Value::Str("3600".into())), Ok(Value::Int(3600)));
        assert!(reg.check_param("default_expires", &Value::Str("abc".into())).is_err());
        assert!(reg.check_param("no_such", &Value::Int(1)).is_err());
        assert_eq!(reg.check_param("received_avp", &Value::Str("$avp(x)".into())), Ok(Value::Str("$avp(x)".into())));
        let acc = lookup("acc").unwrap();
        assert!(acc.check_param("anything_goes", &Value::Int(1)).is_ok());
        assert!(acc.check_param("log_flag", &Value::Str("x".into())).is_err());
    }
}
