# switchboard sample: registrar + stateful proxy in KEMI Python
# (app_python3 style).
#
# Loaded by samples/python/kamailio.cfg (modparam("app_python3", "load", ...)).
# mod_init() returns the object whose methods are the callbacks; each
# worker calls child_init(rank) on its own copy. The cfg's #!define
# values reach the script through $def(NAME).
#
# KSR.* functions return codes (> 0 success, < 0 failure) except the
# yes/no tests (KSR.is_INVITE(), KSR.isflagset(), ...), which return
# booleans. As in Kamailio's examples, a helper route returns -255 to say
# "stop here"; KSR.x.exit() ends the whole callback from anywhere.
# Type stubs for editors and mypy: python-lib/KSR.pyi.

import KSR as KSR

VOICEMAIL_USER = "voicemail"


def mod_init():
    return kamailio()


class kamailio:
    def __init__(self):
        self.rank = None

    def child_init(self, rank):
        self.rank = rank
        KSR.dbg("proxy.py ready in worker %d\n" % rank)
        return 0

    # Every SIP request starts here.
    def ksr_request_route(self, msg):
        self.ksr_route_sanity(msg)

        # CANCEL: relay it to the branches of its INVITE transaction, if any.
        if KSR.is_CANCEL():
            if KSR.tm.t_check_trans() > 0:
                self.ksr_route_relay(msg)
            return 1

        # Retransmissions are absorbed by the transaction layer.
        if not KSR.is_ACK():
            if hasattr(KSR, "tmx") and KSR.tmx.t_precheck_trans() > 0:
                KSR.tm.t_check_trans()
                return 1
            if KSR.tm.t_check_trans() == 0:
                return 1

        if self.ksr_route_withindlg(msg) == -255:
            return 1

        # Out of dialog from here on. Stay in the path of new dialogs.
        if KSR.is_INVITE():
            KSR.rr.record_route()

        if KSR.is_REGISTER():
            self.ksr_route_registrar(msg)
            return 1

        if KSR.pv.is_null("$rU"):
            # Requests for the proxy itself: answer OPTIONS, refuse the rest.
            if KSR.is_OPTIONS():
                KSR.sl.sl_send_reply(200, "Keepalive")
            else:
                KSR.sl.sl_send_reply(484, "Address Incomplete")
            return 1

        self.ksr_route_location(msg)
        return 1

    # Max-Forwards and message sanity: a bad request ends the script here.
    def ksr_route_sanity(self, msg):
        if KSR.maxfwd.process_maxfwd(10) < 0:
            KSR.sl.sl_send_reply(483, "Too Many Hops")
            KSR.x.exit()
        # 1511: ruri, required headers, CSeq value/method, Content-Length,
        # Expires, Proxy-Require; 7: ruri, from and to URIs.
        if KSR.sanity.sanity_check(1511, 7) < 0:
            KSR.err("malformed SIP request from %s:%s\n" % (KSR.pv.get("$si"), KSR.pv.get("$sp")))
            KSR.x.exit()

    # Requests inside a dialog follow the Route headers we added.
    def ksr_route_withindlg(self, msg):
        if KSR.siputils.has_totag() < 0:
            return 1
        if KSR.rr.loose_route() > 0:
            self.ksr_route_relay(msg)
            return -255
        if KSR.is_ACK():
            # ACK for a negative reply (hop-by-hop) or a stray ACK.
            if KSR.tm.t_check_trans() > 0:
                self.ksr_route_relay(msg)
            return -255
        KSR.sl.sl_send_reply(404, "Not here")
        return -255

    # REGISTER: store the bindings (save() sends the reply).
    def ksr_route_registrar(self, msg):
        if KSR.registrar.save("location", 0) < 0:
            KSR.sl.sl_reply_error()
        return -255

    # Find the callee's contacts; fork to all of them.
    def ksr_route_location(self, msg):
        rc = KSR.registrar.lookup("location")
        if rc < 0:
            KSR.tm.t_newtran()
            if rc == -1 or rc == -3:
                KSR.sl.send_reply(404, "Not Found")
            elif rc == -2:
                KSR.sl.send_reply(405, "Method Not Allowed")
            return -255
        if KSR.is_INVITE():
            KSR.tm.t_on_failure("ksr_failure_manage")
        self.ksr_route_relay(msg)
        return -255

    # Stateful relay; a local error reply when it cannot be sent.
    def ksr_route_relay(self, msg):
        if KSR.tm.t_relay() < 0:
            KSR.sl.sl_reply_error()
        return -255

    # Failure route (armed by t_on_failure): all branches failed.
    def ksr_failure_manage(self, msg):
        if KSR.tm.t_is_canceled() > 0:
            return 1
        # Busy or no answer: one more try, at the voicemail server.
        if KSR.tm.t_check_status("486|408") > 0 and KSR.pv.get("$rU") != VOICEMAIL_USER:
            host = KSR.pv.get("$def(VOICEMAIL_HOST)") or "127.0.0.1:5090"
            KSR.info("call to %s failed with %s: trying voicemail at %s\n"
                     % (KSR.pv.get("$rU"), KSR.pv.get("$T_reply_code"), host))
            KSR.pv.sets("$ru", "sip:%s@%s" % (VOICEMAIL_USER, host))
            KSR.pv.unset("$du")
            self.ksr_route_relay(msg)
        return 1

    # Replies received for relayed requests (optional).
    def ksr_reply_route(self, msg):
        return 1
