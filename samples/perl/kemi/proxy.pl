# switchboard sample: registrar + stateful proxy in Perl KEMI — the same
# logic as samples/lua/proxy.lua, with KSR:: functions generated from
# switchboard's export table (loaded by kamailio.cfg: cfgengine "perl",
# modparam("app_perl", "filename", "proxy.pl")).
#
# KSR functions return codes (> 0 success, < 0 failure); the yes/no tests
# (KSR::is_INVITE(), KSR::isflagset(), ...) return 1 or 0. KSR::x::exit()
# ends the callback.

use strict;
use warnings;

my $VOICEMAIL_USER = "voicemail";

# Every SIP request starts here.
sub ksr_request_route {
    sanity_checks();

    # CANCEL: relay it to the branches of its INVITE transaction, if any.
    if (KSR::is_CANCEL()) {
        relay() if KSR::tm::t_check_trans() > 0;
        return 1;
    }

    # Retransmissions are absorbed by the transaction layer.
    if (!KSR::is_ACK()) {
        if (defined &KSR::tmx::t_precheck_trans && KSR::tmx::t_precheck_trans() > 0) {
            KSR::tm::t_check_trans();
            KSR::x::exit();
        }
        KSR::x::exit() if KSR::tm::t_check_trans() == 0;
    }

    within_dialog();

    KSR::rr::record_route() if KSR::is_INVITE();
    registrar() if KSR::is_REGISTER();

    if (KSR::pv::is_null('$rU')) {
        if (KSR::is_OPTIONS()) {
            KSR::sl::sl_send_reply(200, "Keepalive");
        } else {
            KSR::sl::sl_send_reply(484, "Address Incomplete");
        }
        KSR::x::exit();
    }

    location();
    return 1;
}

# Hop count and well-formedness.
sub sanity_checks {
    if (KSR::maxfwd::process_maxfwd(10) < 0) {
        KSR::sl::sl_send_reply(483, "Too Many Hops");
        KSR::x::exit();
    }
    if (KSR::sanity::sanity_check(1511, 7) < 0) {
        KSR::err("malformed SIP request from " . KSR::pv::get('$si') . ":" . KSR::pv::get('$sp') . "\n");
        KSR::x::exit();
    }
}

# In-dialog requests follow the Route set.
sub within_dialog {
    return if KSR::siputils::has_totag() < 0;
    if (KSR::rr::loose_route() > 0) {
        relay();
        KSR::x::exit();
    }
    if (KSR::is_ACK()) {
        relay() if KSR::tm::t_check_trans() > 0;
        KSR::x::exit();
    }
    KSR::sl::sl_send_reply(404, "Not here");
    KSR::x::exit();
}

sub registrar {
    KSR::sl::sl_reply_error() if KSR::registrar::save("location", 0) < 0;
    KSR::x::exit();
}

# Fork to every registered contact of the callee.
sub location {
    my $rc = KSR::registrar::lookup("location");
    if ($rc < 0) {
        KSR::tm::t_newtran();
        if ($rc == -1 || $rc == -3) {
            KSR::sl::send_reply(404, "Not Found");
        } elsif ($rc == -2) {
            KSR::sl::send_reply(405, "Method Not Allowed");
        }
        KSR::x::exit();
    }
    KSR::tm::t_on_failure("ksr_failure_manage") if KSR::is_INVITE();
    relay();
    KSR::x::exit();
}

sub relay {
    KSR::sl::sl_reply_error() if KSR::tm::t_relay() < 0;
    KSR::x::exit();
}

# Busy or no answer: try voicemail once.
sub ksr_failure_manage {
    return 1 if KSR::tm::t_is_canceled() > 0;
    my $user = KSR::pv::get('$rU') // "";
    if (KSR::tm::t_check_status("486|408") > 0 && $user ne $VOICEMAIL_USER) {
        my $host = KSR::pv::get('$def(VOICEMAIL_HOST)') // "127.0.0.1:5090";
        KSR::info("call to $user failed with " . KSR::pv::get('$T_reply_code') . ": trying voicemail at $host\n");
        KSR::pv::sets('$ru', "sip:$VOICEMAIL_USER\@$host");
        KSR::pv::unset('$du');
        relay();
    }
    return 1;
}

sub ksr_reply_route {
    return 1;
}

1;
