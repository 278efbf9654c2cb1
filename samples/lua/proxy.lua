-- switchboard sample: registrar + stateful proxy in KEMI Lua.
--
-- Loaded by samples/lua/kamailio.cfg (modparam("app_lua", "load", ...)).
-- The cfg's #!define values reach the script through $def(NAME).
-- KSR.* functions return codes (> 0 success, < 0 failure) except the
-- yes/no tests (KSR.is_INVITE(), KSR.isflagset(), ...), which return
-- booleans.

local VOICEMAIL_USER = "voicemail"

-- Every SIP request starts here.
function ksr_request_route()
	sanity_checks()

	-- CANCEL: relay it to the branches of its INVITE transaction, if any.
	if KSR.is_CANCEL() then
		if KSR.tm.t_check_trans() > 0 then
			relay()
		end
		return 1
	end

	-- Retransmissions are absorbed by the transaction layer.
	if not KSR.is_ACK() then
		if KSR.tmx and KSR.tmx.t_precheck_trans() > 0 then
			KSR.tm.t_check_trans()
			KSR.x.exit()
		end
		if KSR.tm.t_check_trans() == 0 then
			KSR.x.exit()
		end
	end

	within_dialog()

	-- Out of dialog from here on. Stay in the path of new dialogs.
	if KSR.is_INVITE() then
		KSR.rr.record_route()
	end

	if KSR.is_REGISTER() then
		registrar()
	end

	if KSR.pv.is_null("$rU") then
		-- Requests for the proxy itself: answer OPTIONS, refuse the rest.
		if KSR.is_OPTIONS() then
			KSR.sl.sl_send_reply(200, "Keepalive")
		else
			KSR.sl.sl_send_reply(484, "Address Incomplete")
		end
		KSR.x.exit()
	end

	location()
end

-- Max-Forwards and message sanity.
function sanity_checks()
	if KSR.maxfwd.process_maxfwd(10) < 0 then
		KSR.sl.sl_send_reply(483, "Too Many Hops")
		KSR.x.exit()
	end
	-- 1511: ruri, required headers, CSeq value/method, Content-Length,
	-- Expires, Proxy-Require; 7: ruri, from and to URIs.
	if KSR.sanity.sanity_check(1511, 7) < 0 then
		KSR.err("malformed SIP request from " .. tostring(KSR.pv.get("$si")) .. ":"
			.. tostring(KSR.pv.get("$sp")) .. "\n")
		KSR.x.exit()
	end
end

-- Requests inside a dialog follow the Route headers we added.
function within_dialog()
	if KSR.siputils.has_totag() < 0 then
		return
	end
	if KSR.rr.loose_route() > 0 then
		relay()
		KSR.x.exit()
	end
	if KSR.is_ACK() then
		-- ACK for a negative reply (hop-by-hop) or a stray ACK.
		if KSR.tm.t_check_trans() > 0 then
			relay()
		end
		KSR.x.exit()
	end
	KSR.sl.sl_send_reply(404, "Not here")
	KSR.x.exit()
end

-- REGISTER: store the bindings (save() sends the reply).
function registrar()
	if KSR.registrar.save("location", 0) < 0 then
		KSR.sl.sl_reply_error()
	end
	KSR.x.exit()
end

-- Find the callee's contacts; fork to all of them.
function location()
	local rc = KSR.registrar.lookup("location")
	if rc < 0 then
		KSR.tm.t_newtran()
		if rc == -1 or rc == -3 then
			KSR.sl.send_reply(404, "Not Found")
		elseif rc == -2 then
			KSR.sl.send_reply(405, "Method Not Allowed")
		end
		KSR.x.exit()
	end
	if KSR.is_INVITE() then
		KSR.tm.t_on_failure("ksr_failure_manage")
	end
	relay()
	KSR.x.exit()
end

-- Stateful relay; a local error reply when it cannot be sent.
function relay()
	if KSR.tm.t_relay() < 0 then
		KSR.sl.sl_reply_error()
	end
	KSR.x.exit()
end

-- Failure route (armed by t_on_failure): all branches failed.
function ksr_failure_manage()
	if KSR.tm.t_is_canceled() > 0 then
		return 1
	end
	-- Busy or no answer: one more try, at the voicemail server.
	if KSR.tm.t_check_status("486|408") > 0 and KSR.pv.get("$rU") ~= VOICEMAIL_USER then
		local host = KSR.pv.get("$def(VOICEMAIL_HOST)") or "127.0.0.1:5090"
		KSR.info("call to " .. tostring(KSR.pv.get("$rU")) .. " failed with "
			.. tostring(KSR.pv.get("$T_reply_code")) .. ": trying voicemail at " .. host .. "\n")
		KSR.pv.sets("$ru", "sip:" .. VOICEMAIL_USER .. "@" .. host)
		KSR.pv.unset("$du")
		relay()
	end
	return 1
end

-- Replies received for relayed requests (optional).
function ksr_reply_route()
	return 1
end
