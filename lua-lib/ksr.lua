---@meta
-- KSR as switchboard exports it to Lua scripts (cfgengine "lua").
-- Generated from the export table by switchboard_lua::annotations::generate();
-- do not edit: run `UPDATE_KSR_LUA=1 cargo test -p switchboard-lua` instead.
-- KSR.<module> exists only when the cfg loads the module.

---@class KSR
KSR = {}

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
function KSR.is_INVITE() end

---@return boolean
function KSR.is_OPTIONS() end

---@return boolean
function KSR.is_REGISTER() end

--- cfg name: isflagset
---@param p1 integer
---@return boolean
function KSR.isflagset(p1) end

---@param p1 string
---@return integer
function KSR.notice(p1) end

--- cfg name: resetflag
---@param p1 integer
---@return integer
function KSR.resetflag(p1) end

---@return integer
function KSR.set_drop() end

--- cfg name: setflag
---@param p1 integer
---@return integer
function KSR.setflag(p1) end

---@param p1 string
---@return integer
function KSR.warn(p1) end

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
