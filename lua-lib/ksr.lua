---@meta
-- KSR as switchboard exports it to Lua scripts (cfgengine "lua").
-- Generated from the export table by switchboard_lua::annotations::generate();
-- do not edit: run `UPDATE_KSR_LUA=1 cargo test -p switchboard-lua` instead.
-- KSR.<module> exists only when the cfg loads the module.

---@class KSR
KSR = {}

--- cfg name: add_local_rport
---@return integer
function KSR.add_local_rport() end

--- cfg name: append_branch
---@return integer
function KSR.append_branch() end

--- cfg name: append_branch
---@param p1 string
---@return integer
function KSR.append_branch_uri(p1) end

--- cfg name: append_branch
---@param p1 string
---@param p2 string
---@return integer
function KSR.append_branch_uri_q(p1, p2) end

---@param p1 string
---@return integer
function KSR.crit(p1) end

---@param p1 string
---@return integer
function KSR.dbg(p1) end

---@return integer
function KSR.drop() end

---@param p1 string
---@return integer
function KSR.err(p1) end

--- cfg name: force_rport
---@return integer
function KSR.force_rport() end

--- cfg name: forward
---@return integer
function KSR.forward() end

---@param p1 string
---@return integer
function KSR.info(p1) end

---@return boolean
function KSR.is_ACK() end

---@return boolean
function KSR.is_BYE() end

---@return boolean
function KSR.is_CANCEL() end

---@return boolean
function KSR.is_INFO() end

---@return boolean
function KSR.is_INVITE() end

---@return boolean
function KSR.is_IPv4() end

---@return boolean
function KSR.is_IPv6() end

---@return boolean
function KSR.is_KDMQ() end

---@return boolean
function KSR.is_MESSAGE() end

---@return boolean
function KSR.is_NOTIFY() end

---@return boolean
function KSR.is_OPTIONS() end

---@return boolean
function KSR.is_PRACK() end

---@return boolean
function KSR.is_PUBLISH() end

---@return boolean
function KSR.is_REFER() end

---@return boolean
function KSR.is_REGISTER() end

---@return boolean
function KSR.is_SCTP() end

---@return boolean
function KSR.is_SUBSCRIBE() end

---@return boolean
function KSR.is_TCP() end

---@return boolean
function KSR.is_TLS() end

---@return boolean
function KSR.is_UDP() end

---@return boolean
function KSR.is_UPDATE() end

---@return boolean
function KSR.is_WS() end

---@return boolean
function KSR.is_WSS() end

---@return boolean
function KSR.is_WSX() end

--- cfg name: is_method
---@param p1 string
---@return boolean
function KSR.is_method(p1) end

---@param p1 string
---@return boolean
function KSR.is_method_in(p1) end

--- cfg name: is_myself
---@param p1 string
---@return boolean
function KSR.is_myself(p1) end

---@return boolean
function KSR.is_myself_duri() end

---@return boolean
function KSR.is_myself_furi() end

---@return boolean
function KSR.is_myself_ruri() end

---@return boolean
function KSR.is_myself_srcip() end

---@return boolean
function KSR.is_myself_turi() end

--- cfg name: isbflagset
---@param p1 integer
---@return boolean
function KSR.isbflagset(p1) end

--- cfg name: isbflagset
---@param p1 integer
---@param p2 integer
---@return boolean
function KSR.isbiflagset(p1, p2) end

--- cfg name: isdsturiset
---@return boolean
function KSR.isdsturiset() end

--- cfg name: isflagset
---@param p1 integer
---@return boolean
function KSR.isflagset(p1) end

---@param p1 string
---@param p2 string
---@return integer
function KSR.log(p1, p2) end

---@param p1 string
---@return integer
function KSR.notice(p1) end

--- cfg name: prefix
---@param p1 string
---@return integer
function KSR.prefix(p1) end

--- cfg name: resetbflag
---@param p1 integer
---@return integer
function KSR.resetbflag(p1) end

--- cfg name: resetbflag
---@param p1 integer
---@param p2 integer
---@return integer
function KSR.resetbiflag(p1, p2) end

--- cfg name: resetdsturi
---@return integer
function KSR.resetdsturi() end

--- cfg name: resetflag
---@param p1 integer
---@return integer
function KSR.resetflag(p1) end

--- cfg name: revert_uri
---@return integer
function KSR.revert_uri() end

--- cfg name: rewritehost, sethost, seth
---@param p1 string
---@return integer
function KSR.rewritehost(p1) end

--- cfg name: rewritehostport, sethostport, sethp
---@param p1 string
---@return integer
function KSR.rewritehostport(p1) end

--- cfg name: rewritehostporttrans, sethostporttrans, sethpt
---@param p1 string
---@return integer
function KSR.rewritehostporttrans(p1) end

--- cfg name: rewriteport, setport, setp
---@param p1 string
---@return integer
function KSR.rewriteport(p1) end

--- cfg name: rewriteuri, seturi
---@param p1 string
---@return integer
function KSR.rewriteuri(p1) end

--- cfg name: rewriteuser, setuser, setu
---@param p1 string
---@return integer
function KSR.rewriteuser(p1) end

--- cfg name: rewriteuserpass, setuserpass, setup
---@param p1 string
---@return integer
function KSR.rewriteuserpass(p1) end

---@return integer
function KSR.set_drop() end

--- cfg name: set_reply_no_connect
---@return integer
function KSR.set_reply_no_connect() end

--- cfg name: setbflag
---@param p1 integer
---@return integer
function KSR.setbflag(p1) end

--- cfg name: setbflag
---@param p1 integer
---@param p2 integer
---@return integer
function KSR.setbiflag(p1, p2) end

--- cfg name: setdsturi
---@param p1 string
---@return integer
function KSR.setdsturi(p1) end

--- cfg name: setflag
---@param p1 integer
---@return integer
function KSR.setflag(p1) end

--- cfg name: strip
---@param p1 integer
---@return integer
function KSR.strip(p1) end

--- cfg name: strip_tail
---@param p1 integer
---@return integer
function KSR.strip_tail(p1) end

---@param p1 string
---@return integer
function KSR.warn(p1) end

---@class KSR.app_perl
KSR.app_perl = {}

--- cfg name: perl_exec
---@param p1 string
---@return integer
function KSR.app_perl.exec(p1) end

--- cfg name: perl_exec_simple
---@param p1 string
---@return integer
function KSR.app_perl.exec_simple(p1) end

--- cfg name: perl_exec_simple
---@param p1 string
---@param p2 string
---@return integer
function KSR.app_perl.exec_simplex(p1, p2) end

--- cfg name: perl_exec
---@param p1 string
---@param p2 string
---@return integer
function KSR.app_perl.execx(p1, p2) end

---@class KSR.corex
KSR.corex = {}

--- cfg name: has_ruri_user
---@return integer
function KSR.corex.has_ruri_user() end

--- cfg name: has_user_agent
---@return integer
function KSR.corex.has_user_agent() end

---@class KSR.hdr
KSR.hdr = {}

---@param p1 string
---@return integer
function KSR.hdr.append(p1) end

---@param p1 string
---@param p2 string
---@return integer
function KSR.hdr.append_after(p1, p2) end

---@param p1 string
---@return string|nil
function KSR.hdr.get(p1) end

---@param p1 string
---@return integer
function KSR.hdr.insert(p1) end

---@param p1 string
---@param p2 string
---@return integer
function KSR.hdr.insert_before(p1, p2) end

---@param p1 string
---@return integer
function KSR.hdr.is_present(p1) end

---@param p1 string
---@return integer
function KSR.hdr.remove(p1) end

---@param p1 string
---@param p2 string
---@return integer
function KSR.hdr.rmappend(p1, p2) end

---@param p1 string
---@param p2 string
---@return integer
function KSR.hdr.rminsert(p1, p2) end

---@class KSR.kx
KSR.kx = {}

---@return string|nil
function KSR.kx.get_body() end

---@return integer
function KSR.kx.get_bodylen() end

---@return string|nil
function KSR.kx.get_callid() end

---@param p1 string
---@return string|nil
function KSR.kx.get_def(p1) end

---@param p1 string
---@return integer
function KSR.kx.get_defn(p1) end

---@return string|nil
function KSR.kx.get_duri() end

---@return string|nil
function KSR.kx.get_fhost() end

---@return string|nil
function KSR.kx.get_furi() end

---@return string|nil
function KSR.kx.get_fuser() end

---@return string|nil
function KSR.kx.get_method() end

---@return integer
function KSR.kx.get_msglen() end

---@return string|nil
function KSR.kx.get_ouri() end

---@return string|nil
function KSR.kx.get_proto() end

---@return string|nil
function KSR.kx.get_rcvip() end

---@return integer
function KSR.kx.get_rcvport() end

---@return string|nil
function KSR.kx.get_rhost() end

---@return string|nil
function KSR.kx.get_ruri() end

---@return string|nil
function KSR.kx.get_ruser() end

---@return string|nil
function KSR.kx.get_srcip() end

---@return integer
function KSR.kx.get_srcport() end

---@return integer
function KSR.kx.get_status() end

---@return string|nil
function KSR.kx.get_thost() end

---@return integer
function KSR.kx.get_timestamp() end

---@return string|nil
function KSR.kx.get_turi() end

---@return string|nil
function KSR.kx.get_tuser() end

---@return string|nil
function KSR.kx.get_ua() end

---@return string|nil
function KSR.kx.gete_body() end

---@return string|nil
function KSR.kx.gete_duri() end

---@return string|nil
function KSR.kx.gete_fhost() end

---@return string|nil
function KSR.kx.gete_furi() end

---@return string|nil
function KSR.kx.gete_fuser() end

---@return string|nil
function KSR.kx.gete_rhost() end

---@return string|nil
function KSR.kx.gete_ruri() end

---@return string|nil
function KSR.kx.gete_ruser() end

---@return string|nil
function KSR.kx.gete_thost() end

---@return string|nil
function KSR.kx.gete_turi() end

---@return string|nil
function KSR.kx.gete_tuser() end

---@return string|nil
function KSR.kx.gete_ua() end

---@return string|nil
function KSR.kx.getw_fhost() end

---@return string|nil
function KSR.kx.getw_fuser() end

---@return string|nil
function KSR.kx.getw_rhost() end

---@return string|nil
function KSR.kx.getw_ruser() end

---@return string|nil
function KSR.kx.getw_thost() end

---@return string|nil
function KSR.kx.getw_tuser() end

---@return string|nil
function KSR.kx.getw_ua() end

---@param p1 string
---@return integer
function KSR.kx.ifdef(p1) end

---@param p1 string
---@return integer
function KSR.kx.ifndef(p1) end

---@class KSR.maxfwd
KSR.maxfwd = {}

--- cfg name: is_maxfwd_lt
---@param p1 integer
---@return integer
function KSR.maxfwd.is_maxfwd_lt(p1) end

--- cfg name: process_maxfwd, mf_process_maxfwd_header
---@param p1 integer
---@return integer
function KSR.maxfwd.process_maxfwd(p1) end

---@class KSR.pv
KSR.pv = {}

---@param p1 string
---@return integer|string|nil
function KSR.pv.get(p1) end

---@param p1 string
---@return string|nil
function KSR.pv.gete(p1) end

---@param p1 string
---@param p2 integer
---@return integer|string|nil
function KSR.pv.getvn(p1, p2) end

---@param p1 string
---@param p2 string
---@return string|nil
function KSR.pv.getvs(p1, p2) end

---@param p1 string
---@return string|nil
function KSR.pv.getw(p1) end

---@param p1 string
---@return boolean
function KSR.pv.is_null(p1) end

--- cfg name: pv_isset
---@param p1 string
---@return boolean
function KSR.pv.isset(p1) end

---@param p1 string
---@param p2 integer
---@return integer
function KSR.pv.seti(p1, p2) end

---@param p1 string
---@param p2 string
---@return integer
function KSR.pv.sets(p1, p2) end

--- cfg name: pv_unset
---@param p1 string
---@return integer
function KSR.pv.unset(p1) end

---@class KSR.registrar
KSR.registrar = {}

--- cfg name: lookup
---@param p1 string
---@return integer
function KSR.registrar.lookup(p1) end

--- cfg name: lookup
---@param p1 string
---@param p2 string
---@return integer
function KSR.registrar.lookup_uri(p1, p2) end

--- cfg name: registered
---@param p1 string
---@return integer
function KSR.registrar.registered(p1) end

--- cfg name: registered
---@param p1 string
---@param p2 string
---@return integer
function KSR.registrar.registered_uri(p1, p2) end

--- cfg name: save
---@param p1 string
---@param p2 integer
---@return integer
function KSR.registrar.save(p1, p2) end

--- cfg name: save
---@param p1 string
---@return integer
function KSR.registrar.save_table(p1) end

--- cfg name: save
---@param p1 string
---@param p2 integer
---@param p3 string
---@return integer
function KSR.registrar.save_uri(p1, p2, p3) end

--- cfg name: unregister
---@param p1 string
---@param p2 string
---@return integer
function KSR.registrar.unregister(p1, p2) end

--- cfg name: unregister
---@param p1 string
---@param p2 string
---@param p3 string
---@return integer
function KSR.registrar.unregister_ruid(p1, p2, p3) end

---@class KSR.rr
KSR.rr = {}

--- cfg name: add_rr_param
---@param p1 string
---@return integer
function KSR.rr.add_rr_param(p1) end

--- cfg name: check_route_param
---@param p1 string
---@return integer
function KSR.rr.check_route_param(p1) end

--- cfg name: is_direction
---@param p1 string
---@return integer
function KSR.rr.is_direction(p1) end

--- cfg name: loose_route
---@return integer
function KSR.rr.loose_route() end

--- cfg name: record_route
---@return integer
function KSR.rr.record_route() end

--- cfg name: record_route
---@param p1 string
---@return integer
function KSR.rr.record_route_params(p1) end

--- cfg name: record_route_preset
---@param p1 string
---@param p2 string
---@return integer
function KSR.rr.record_route_preset(p1, p2) end

--- cfg name: record_route_preset
---@param p1 string
---@return integer
function KSR.rr.record_route_preset_one(p1) end

---@class KSR.sanity
KSR.sanity = {}

--- cfg name: sanity_check
---@param p1 integer
---@param p2 integer
---@return integer
function KSR.sanity.sanity_check(p1, p2) end

--- cfg name: sanity_check
---@return integer
function KSR.sanity.sanity_check_defaults() end

--- cfg name: sanity_check
---@param p1 integer
---@return integer
function KSR.sanity.sanity_check_msg(p1) end

--- cfg name: sanity_reply
---@return integer
function KSR.sanity.sanity_reply() end

---@class KSR.siputils
KSR.siputils = {}

--- cfg name: add_uri_param
---@param p1 string
---@return integer
function KSR.siputils.add_uri_param(p1) end

--- cfg name: cmp_aor
---@param p1 string
---@param p2 string
---@return integer
function KSR.siputils.cmp_aor(p1, p2) end

--- cfg name: cmp_uri
---@param p1 string
---@param p2 string
---@return integer
function KSR.siputils.cmp_uri(p1, p2) end

--- cfg name: has_totag
---@return integer
function KSR.siputils.has_totag() end

--- cfg name: is_e164
---@param p1 string
---@return integer
function KSR.siputils.is_e164(p1) end

--- cfg name: is_first_hop
---@return integer
function KSR.siputils.is_first_hop() end

--- cfg name: is_numeric
---@param p1 string
---@return integer
function KSR.siputils.is_numeric(p1) end

--- cfg name: is_reply
---@return integer
function KSR.siputils.is_reply() end

--- cfg name: is_request
---@return integer
function KSR.siputils.is_request() end

--- cfg name: is_tel_number
---@param p1 string
---@return integer
function KSR.siputils.is_tel_number(p1) end

--- cfg name: is_uri_user_e164
---@param p1 string
---@return integer
function KSR.siputils.is_uri_user_e164(p1) end

--- cfg name: uri_param
---@param p1 string
---@return integer
function KSR.siputils.uri_param(p1) end

--- cfg name: uri_param
---@param p1 string
---@param p2 string
---@return integer
function KSR.siputils.uri_param_value(p1, p2) end

---@class KSR.sl
KSR.sl = {}

--- cfg name: send_reply
---@param p1 integer
---@param p2 string
---@return integer
function KSR.sl.send_reply(p1, p2) end

--- cfg name: sl_reply_error
---@return integer
function KSR.sl.sl_reply_error() end

--- cfg name: sl_send_reply
---@param p1 integer
---@param p2 string
---@return integer
function KSR.sl.sl_send_reply(p1, p2) end

---@class KSR.textops
KSR.textops = {}

--- cfg name: append_hf
---@param p1 string
---@return integer
function KSR.textops.append_hf(p1) end

--- cfg name: append_hf
---@param p1 string
---@param p2 string
---@return integer
function KSR.textops.append_hf_hdr(p1, p2) end

--- cfg name: append_to_reply
---@param p1 string
---@return integer
function KSR.textops.append_to_reply(p1) end

--- cfg name: has_body
---@return integer
function KSR.textops.has_body() end

--- cfg name: has_body
---@param p1 string
---@return integer
function KSR.textops.has_body_type(p1) end

--- cfg name: insert_hf
---@param p1 string
---@return integer
function KSR.textops.insert_hf(p1) end

--- cfg name: insert_hf
---@param p1 string
---@param p2 string
---@return integer
function KSR.textops.insert_hf_hdr(p1, p2) end

--- cfg name: is_present_hf
---@param p1 string
---@return integer
function KSR.textops.is_present_hf(p1) end

--- cfg name: remove_hf
---@param p1 string
---@return integer
function KSR.textops.remove_hf(p1) end

--- cfg name: search
---@param p1 string
---@return integer
function KSR.textops.search(p1) end

--- cfg name: search_body
---@param p1 string
---@return integer
function KSR.textops.search_body(p1) end

--- cfg name: subst
---@param p1 string
---@return integer
function KSR.textops.subst(p1) end

--- cfg name: subst_uri
---@param p1 string
---@return integer
function KSR.textops.subst_uri(p1) end

--- cfg name: subst_user
---@param p1 string
---@return integer
function KSR.textops.subst_user(p1) end

---@class KSR.tm
KSR.tm = {}

--- cfg name: t_any_replied
---@return integer
function KSR.tm.t_any_replied() end

--- cfg name: t_any_timeout
---@return integer
function KSR.tm.t_any_timeout() end

--- cfg name: t_branch_replied
---@return integer
function KSR.tm.t_branch_replied() end

--- cfg name: t_branch_timeout
---@return integer
function KSR.tm.t_branch_timeout() end

--- cfg name: t_check_status
---@param p1 string
---@return integer
function KSR.tm.t_check_status(p1) end

--- cfg name: t_check_trans
---@return integer
function KSR.tm.t_check_trans() end

--- cfg name: t_is_canceled
---@return integer
function KSR.tm.t_is_canceled() end

--- cfg name: t_is_set
---@param p1 string
---@return integer
function KSR.tm.t_is_set(p1) end

--- cfg name: t_newtran
---@return integer
function KSR.tm.t_newtran() end

--- cfg name: t_on_branch
---@param p1 string
---@return integer
function KSR.tm.t_on_branch(p1) end

--- cfg name: t_on_branch_failure
---@param p1 string
---@return integer
function KSR.tm.t_on_branch_failure(p1) end

--- cfg name: t_on_failure
---@param p1 string
---@return integer
function KSR.tm.t_on_failure(p1) end

--- cfg name: t_on_reply
---@param p1 string
---@return integer
function KSR.tm.t_on_reply(p1) end

--- cfg name: t_relay
---@return integer
function KSR.tm.t_relay() end

---@param p1 string
---@param p2 string
---@param p3 integer
---@return integer
function KSR.tm.t_relay_to_proto_addr(p1, p2, p3) end

--- cfg name: t_relay_to
---@param p1 string
---@return integer
function KSR.tm.t_relay_to_proxy(p1) end

--- cfg name: t_relay_to_tcp
---@param p1 string
---@param p2 integer
---@return integer
function KSR.tm.t_relay_to_tcp(p1, p2) end

--- cfg name: t_relay_to_udp
---@param p1 string
---@param p2 integer
---@return integer
function KSR.tm.t_relay_to_udp(p1, p2) end

--- cfg name: t_release
---@return integer
function KSR.tm.t_release() end

--- cfg name: t_reply
---@param p1 integer
---@param p2 string
---@return integer
function KSR.tm.t_reply(p1, p2) end

--- cfg name: t_reset_fr
---@return integer
function KSR.tm.t_reset_fr() end

--- cfg name: t_send_reply
---@param p1 integer
---@param p2 string
---@return integer
function KSR.tm.t_send_reply(p1, p2) end

--- cfg name: t_set_fr
---@param p1 integer
---@param p2 integer
---@return integer
function KSR.tm.t_set_fr(p1, p2) end

--- cfg name: t_set_fr
---@param p1 integer
---@return integer
function KSR.tm.t_set_fr_inv(p1) end

--- cfg name: t_uac_send
---@param p1 string
---@param p2 string
---@param p3 string
---@param p4 string
---@param p5 string
---@param p6 string
---@return integer
function KSR.tm.t_uac_send(p1, p2, p3, p4, p5, p6) end

---@class KSR.tmx
KSR.tmx = {}

--- cfg name: t_is_branch_route
---@return integer
function KSR.tmx.t_is_branch_route() end

--- cfg name: t_is_failure_route
---@return integer
function KSR.tmx.t_is_failure_route() end

--- cfg name: t_is_reply_route
---@return integer
function KSR.tmx.t_is_reply_route() end

--- cfg name: t_is_request_route
---@return integer
function KSR.tmx.t_is_request_route() end

--- cfg name: t_precheck_trans
---@return integer
function KSR.tmx.t_precheck_trans() end

---@class KSR.x
KSR.x = {}

---@return integer
function KSR.x.drop() end

---@return integer
function KSR.x.exit() end

--- Call a function by its native cfg name, e.g. KSR.x.modf("sl_send_reply", "200", "OK").
---@param name string
---@param ... string|integer
---@return integer
function KSR.x.modf(name, ...) end

---@class KSR.xlog
KSR.xlog = {}

--- cfg name: xalert
---@param p1 string
---@return integer
function KSR.xlog.xalert(p1) end

--- cfg name: xbug
---@param p1 string
---@return integer
function KSR.xlog.xbug(p1) end

--- cfg name: xcrit
---@param p1 string
---@return integer
function KSR.xlog.xcrit(p1) end

--- cfg name: xdbg
---@param p1 string
---@return integer
function KSR.xlog.xdbg(p1) end

--- cfg name: xerr
---@param p1 string
---@return integer
function KSR.xlog.xerr(p1) end

--- cfg name: xinfo
---@param p1 string
---@return integer
function KSR.xlog.xinfo(p1) end

--- cfg name: xlog
---@param p1 string
---@param p2 string
---@return integer
function KSR.xlog.xlog(p1, p2) end

--- cfg name: xlog
---@param p1 string
---@return integer
function KSR.xlog.xlog_err(p1) end

--- cfg name: xnotice
---@param p1 string
---@return integer
function KSR.xlog.xnotice(p1) end

--- cfg name: xwarn
---@param p1 string
---@return integer
function KSR.xlog.xwarn(p1) end
