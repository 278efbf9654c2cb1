# KSR as switchboard exports it to Python scripts (cfgengine "python").
# Generated from the export table by switchboard_python::stubs::generate();
# do not edit: run `UPDATE_KSR_PYI=1 cargo test -p switchboard-python` instead.
# KSR.<module> exists only when the cfg loads the module (test with hasattr).
# Int parameters also take numeric strings, str parameters numbers.

from typing import NoReturn, Optional, Union


def add_local_rport() -> int:
    """cfg name: add_local_rport"""

def append_branch() -> int:
    """cfg name: append_branch"""

def append_branch_uri(p1: str) -> int:
    """cfg name: append_branch"""

def append_branch_uri_q(p1: str, p2: str) -> int:
    """cfg name: append_branch"""

def crit(p1: str) -> int: ...

def dbg(p1: str) -> int: ...

def drop() -> NoReturn: ...

def err(p1: str) -> int: ...

def force_rport() -> int:
    """cfg name: force_rport"""

def forward() -> int:
    """cfg name: forward"""

def info(p1: str) -> int: ...

def is_ACK() -> bool: ...

def is_BYE() -> bool: ...

def is_CANCEL() -> bool: ...

def is_INFO() -> bool: ...

def is_INVITE() -> bool: ...

def is_IPv4() -> bool: ...

def is_IPv6() -> bool: ...

def is_KDMQ() -> bool: ...

def is_MESSAGE() -> bool: ...

def is_NOTIFY() -> bool: ...

def is_OPTIONS() -> bool: ...

def is_PRACK() -> bool: ...

def is_PUBLISH() -> bool: ...

def is_REFER() -> bool: ...

def is_REGISTER() -> bool: ...

def is_SCTP() -> bool: ...

def is_SUBSCRIBE() -> bool: ...

def is_TCP() -> bool: ...

def is_TLS() -> bool: ...

def is_UDP() -> bool: ...

def is_UPDATE() -> bool: ...

def is_WS() -> bool: ...

def is_WSS() -> bool: ...

def is_WSX() -> bool: ...

def is_method(p1: str) -> bool:
    """cfg name: is_method"""

def is_method_in(p1: str) -> bool: ...

def is_myself(p1: str) -> bool:
    """cfg name: is_myself"""

def is_myself_duri() -> bool: ...

def is_myself_furi() -> bool: ...

def is_myself_ruri() -> bool: ...

def is_myself_srcip() -> bool: ...

def is_myself_turi() -> bool: ...

def isbflagset(p1: int) -> bool:
    """cfg name: isbflagset"""

def isbiflagset(p1: int, p2: int) -> bool:
    """cfg name: isbflagset"""

def isdsturiset() -> bool:
    """cfg name: isdsturiset"""

def isflagset(p1: int) -> bool:
    """cfg name: isflagset"""

def log(p1: str, p2: str) -> int: ...

def notice(p1: str) -> int: ...

def prefix(p1: str) -> int:
    """cfg name: prefix"""

def resetbflag(p1: int) -> int:
    """cfg name: resetbflag"""

def resetbiflag(p1: int, p2: int) -> int:
    """cfg name: resetbflag"""

def resetdsturi() -> int:
    """cfg name: resetdsturi"""

def resetflag(p1: int) -> int:
    """cfg name: resetflag"""

def revert_uri() -> int:
    """cfg name: revert_uri"""

def rewritehost(p1: str) -> int:
    """cfg name: rewritehost, sethost, seth"""

def rewritehostport(p1: str) -> int:
    """cfg name: rewritehostport, sethostport, sethp"""

def rewritehostporttrans(p1: str) -> int:
    """cfg name: rewritehostporttrans, sethostporttrans, sethpt"""

def rewriteport(p1: str) -> int:
    """cfg name: rewriteport, setport, setp"""

def rewriteuri(p1: str) -> int:
    """cfg name: rewriteuri, seturi"""

def rewriteuser(p1: str) -> int:
    """cfg name: rewriteuser, setuser, setu"""

def rewriteuserpass(p1: str) -> int:
    """cfg name: rewriteuserpass, setuserpass, setup"""

def set_drop() -> int: ...

def set_reply_no_connect() -> int:
    """cfg name: set_reply_no_connect"""

def setbflag(p1: int) -> int:
    """cfg name: setbflag"""

def setbiflag(p1: int, p2: int) -> int:
    """cfg name: setbflag"""

def setdsturi(p1: str) -> int:
    """cfg name: setdsturi"""

def setflag(p1: int) -> int:
    """cfg name: setflag"""

def strip(p1: int) -> int:
    """cfg name: strip"""

def strip_tail(p1: int) -> int:
    """cfg name: strip_tail"""

def warn(p1: str) -> int: ...


class _app_perl:

    @staticmethod
    def exec(p1: str) -> int:
        """cfg name: perl_exec"""

    @staticmethod
    def exec_simple(p1: str) -> int:
        """cfg name: perl_exec_simple"""

    @staticmethod
    def exec_simplex(p1: str, p2: str) -> int:
        """cfg name: perl_exec_simple"""

    @staticmethod
    def execx(p1: str, p2: str) -> int:
        """cfg name: perl_exec"""


app_perl: _app_perl


class _corex:

    @staticmethod
    def has_ruri_user() -> int:
        """cfg name: has_ruri_user"""

    @staticmethod
    def has_user_agent() -> int:
        """cfg name: has_user_agent"""


corex: _corex


class _hdr:

    @staticmethod
    def append(p1: str) -> int: ...

    @staticmethod
    def append_after(p1: str, p2: str) -> int: ...

    @staticmethod
    def get(p1: str) -> Optional[str]: ...

    @staticmethod
    def insert(p1: str) -> int: ...

    @staticmethod
    def insert_before(p1: str, p2: str) -> int: ...

    @staticmethod
    def is_present(p1: str) -> int: ...

    @staticmethod
    def remove(p1: str) -> int: ...

    @staticmethod
    def rmappend(p1: str, p2: str) -> int: ...

    @staticmethod
    def rminsert(p1: str, p2: str) -> int: ...


hdr: _hdr


class _kx:

    @staticmethod
    def get_body() -> Optional[str]: ...

    @staticmethod
    def get_bodylen() -> int: ...

    @staticmethod
    def get_callid() -> Optional[str]: ...

    @staticmethod
    def get_def(p1: str) -> Optional[str]: ...

    @staticmethod
    def get_defn(p1: str) -> int: ...

    @staticmethod
    def get_duri() -> Optional[str]: ...

    @staticmethod
    def get_fhost() -> Optional[str]: ...

    @staticmethod
    def get_furi() -> Optional[str]: ...

    @staticmethod
    def get_fuser() -> Optional[str]: ...

    @staticmethod
    def get_method() -> Optional[str]: ...

    @staticmethod
    def get_msglen() -> int: ...

    @staticmethod
    def get_ouri() -> Optional[str]: ...

    @staticmethod
    def get_proto() -> Optional[str]: ...

    @staticmethod
    def get_rcvip() -> Optional[str]: ...

    @staticmethod
    def get_rcvport() -> int: ...

    @staticmethod
    def get_rhost() -> Optional[str]: ...

    @staticmethod
    def get_ruri() -> Optional[str]: ...

    @staticmethod
    def get_ruser() -> Optional[str]: ...

    @staticmethod
    def get_srcip() -> Optional[str]: ...

    @staticmethod
    def get_srcport() -> int: ...

    @staticmethod
    def get_status() -> int: ...

    @staticmethod
    def get_thost() -> Optional[str]: ...

    @staticmethod
    def get_timestamp() -> int: ...

    @staticmethod
    def get_turi() -> Optional[str]: ...

    @staticmethod
    def get_tuser() -> Optional[str]: ...

    @staticmethod
    def get_ua() -> Optional[str]: ...

    @staticmethod
    def gete_body() -> Optional[str]: ...

    @staticmethod
    def gete_duri() -> Optional[str]: ...

    @staticmethod
    def gete_fhost() -> Optional[str]: ...

    @staticmethod
    def gete_furi() -> Optional[str]: ...

    @staticmethod
    def gete_fuser() -> Optional[str]: ...

    @staticmethod
    def gete_rhost() -> Optional[str]: ...

    @staticmethod
    def gete_ruri() -> Optional[str]: ...

    @staticmethod
    def gete_ruser() -> Optional[str]: ...

    @staticmethod
    def gete_thost() -> Optional[str]: ...

    @staticmethod
    def gete_turi() -> Optional[str]: ...

    @staticmethod
    def gete_tuser() -> Optional[str]: ...

    @staticmethod
    def gete_ua() -> Optional[str]: ...

    @staticmethod
    def getw_fhost() -> Optional[str]: ...

    @staticmethod
    def getw_fuser() -> Optional[str]: ...

    @staticmethod
    def getw_rhost() -> Optional[str]: ...

    @staticmethod
    def getw_ruser() -> Optional[str]: ...

    @staticmethod
    def getw_thost() -> Optional[str]: ...

    @staticmethod
    def getw_tuser() -> Optional[str]: ...

    @staticmethod
    def getw_ua() -> Optional[str]: ...

    @staticmethod
    def ifdef(p1: str) -> int: ...

    @staticmethod
    def ifndef(p1: str) -> int: ...


kx: _kx


class _maxfwd:

    @staticmethod
    def is_maxfwd_lt(p1: int) -> int:
        """cfg name: is_maxfwd_lt"""

    @staticmethod
    def process_maxfwd(p1: int) -> int:
        """cfg name: process_maxfwd, mf_process_maxfwd_header"""


maxfwd: _maxfwd


class _pv:

    @staticmethod
    def get(p1: str) -> Union[int, str, None]: ...

    @staticmethod
    def gete(p1: str) -> Optional[str]: ...

    @staticmethod
    def getvn(p1: str, p2: int) -> Union[int, str, None]: ...

    @staticmethod
    def getvs(p1: str, p2: str) -> Optional[str]: ...

    @staticmethod
    def getw(p1: str) -> Optional[str]: ...

    @staticmethod
    def is_null(p1: str) -> bool: ...

    @staticmethod
    def isset(p1: str) -> bool:
        """cfg name: pv_isset"""

    @staticmethod
    def seti(p1: str, p2: int) -> int: ...

    @staticmethod
    def sets(p1: str, p2: str) -> int: ...

    @staticmethod
    def unset(p1: str) -> int:
        """cfg name: pv_unset"""


pv: _pv


class _registrar:

    @staticmethod
    def lookup(p1: str) -> int:
        """cfg name: lookup"""

    @staticmethod
    def lookup_uri(p1: str, p2: str) -> int:
        """cfg name: lookup"""

    @staticmethod
    def registered(p1: str) -> int:
        """cfg name: registered"""

    @staticmethod
    def registered_uri(p1: str, p2: str) -> int:
        """cfg name: registered"""

    @staticmethod
    def save(p1: str, p2: int) -> int:
        """cfg name: save"""

    @staticmethod
    def save_table(p1: str) -> int:
        """cfg name: save"""

    @staticmethod
    def save_uri(p1: str, p2: int, p3: str) -> int:
        """cfg name: save"""

    @staticmethod
    def unregister(p1: str, p2: str) -> int:
        """cfg name: unregister"""

    @staticmethod
    def unregister_ruid(p1: str, p2: str, p3: str) -> int:
        """cfg name: unregister"""


registrar: _registrar


class _rr:

    @staticmethod
    def add_rr_param(p1: str) -> int:
        """cfg name: add_rr_param"""

    @staticmethod
    def check_route_param(p1: str) -> int:
        """cfg name: check_route_param"""

    @staticmethod
    def is_direction(p1: str) -> int:
        """cfg name: is_direction"""

    @staticmethod
    def loose_route() -> int:
        """cfg name: loose_route"""

    @staticmethod
    def record_route() -> int:
        """cfg name: record_route"""

    @staticmethod
    def record_route_params(p1: str) -> int:
        """cfg name: record_route"""

    @staticmethod
    def record_route_preset(p1: str, p2: str) -> int:
        """cfg name: record_route_preset"""

    @staticmethod
    def record_route_preset_one(p1: str) -> int:
        """cfg name: record_route_preset"""


rr: _rr


class _sanity:

    @staticmethod
    def sanity_check(p1: int, p2: int) -> int:
        """cfg name: sanity_check"""

    @staticmethod
    def sanity_check_defaults() -> int:
        """cfg name: sanity_check"""

    @staticmethod
    def sanity_check_msg(p1: int) -> int:
        """cfg name: sanity_check"""

    @staticmethod
    def sanity_reply() -> int:
        """cfg name: sanity_reply"""


sanity: _sanity


class _siputils:

    @staticmethod
    def add_uri_param(p1: str) -> int:
        """cfg name: add_uri_param"""

    @staticmethod
    def cmp_aor(p1: str, p2: str) -> int:
        """cfg name: cmp_aor"""

    @staticmethod
    def cmp_uri(p1: str, p2: str) -> int:
        """cfg name: cmp_uri"""

    @staticmethod
    def has_totag() -> int:
        """cfg name: has_totag"""

    @staticmethod
    def is_e164(p1: str) -> int:
        """cfg name: is_e164"""

    @staticmethod
    def is_first_hop() -> int:
        """cfg name: is_first_hop"""

    @staticmethod
    def is_numeric(p1: str) -> int:
        """cfg name: is_numeric"""

    @staticmethod
    def is_reply() -> int:
        """cfg name: is_reply"""

    @staticmethod
    def is_request() -> int:
        """cfg name: is_request"""

    @staticmethod
    def is_tel_number(p1: str) -> int:
        """cfg name: is_tel_number"""

    @staticmethod
    def is_uri_user_e164(p1: str) -> int:
        """cfg name: is_uri_user_e164"""

    @staticmethod
    def uri_param(p1: str) -> int:
        """cfg name: uri_param"""

    @staticmethod
    def uri_param_value(p1: str, p2: str) -> int:
        """cfg name: uri_param"""


siputils: _siputils


class _sl:

    @staticmethod
    def send_reply(p1: int, p2: str) -> int:
        """cfg name: send_reply"""

    @staticmethod
    def sl_reply_error() -> int:
        """cfg name: sl_reply_error"""

    @staticmethod
    def sl_send_reply(p1: int, p2: str) -> int:
        """cfg name: sl_send_reply"""


sl: _sl


class _textops:

    @staticmethod
    def append_hf(p1: str) -> int:
        """cfg name: append_hf"""

    @staticmethod
    def append_hf_hdr(p1: str, p2: str) -> int:
        """cfg name: append_hf"""

    @staticmethod
    def append_to_reply(p1: str) -> int:
        """cfg name: append_to_reply"""

    @staticmethod
    def has_body() -> int:
        """cfg name: has_body"""

    @staticmethod
    def has_body_type(p1: str) -> int:
        """cfg name: has_body"""

    @staticmethod
    def insert_hf(p1: str) -> int:
        """cfg name: insert_hf"""

    @staticmethod
    def insert_hf_hdr(p1: str, p2: str) -> int:
        """cfg name: insert_hf"""

    @staticmethod
    def is_present_hf(p1: str) -> int:
        """cfg name: is_present_hf"""

    @staticmethod
    def remove_hf(p1: str) -> int:
        """cfg name: remove_hf"""

    @staticmethod
    def search(p1: str) -> int:
        """cfg name: search"""

    @staticmethod
    def search_body(p1: str) -> int:
        """cfg name: search_body"""

    @staticmethod
    def subst(p1: str) -> int:
        """cfg name: subst"""

    @staticmethod
    def subst_uri(p1: str) -> int:
        """cfg name: subst_uri"""

    @staticmethod
    def subst_user(p1: str) -> int:
        """cfg name: subst_user"""


textops: _textops


class _tm:

    @staticmethod
    def t_any_replied() -> int:
        """cfg name: t_any_replied"""

    @staticmethod
    def t_any_timeout() -> int:
        """cfg name: t_any_timeout"""

    @staticmethod
    def t_branch_replied() -> int:
        """cfg name: t_branch_replied"""

    @staticmethod
    def t_branch_timeout() -> int:
        """cfg name: t_branch_timeout"""

    @staticmethod
    def t_check_status(p1: str) -> int:
        """cfg name: t_check_status"""

    @staticmethod
    def t_check_trans() -> int:
        """cfg name: t_check_trans"""

    @staticmethod
    def t_is_canceled() -> int:
        """cfg name: t_is_canceled"""

    @staticmethod
    def t_is_set(p1: str) -> int:
        """cfg name: t_is_set"""

    @staticmethod
    def t_newtran() -> int:
        """cfg name: t_newtran"""

    @staticmethod
    def t_on_branch(p1: str) -> int:
        """cfg name: t_on_branch"""

    @staticmethod
    def t_on_branch_failure(p1: str) -> int:
        """cfg name: t_on_branch_failure"""

    @staticmethod
    def t_on_failure(p1: str) -> int:
        """cfg name: t_on_failure"""

    @staticmethod
    def t_on_reply(p1: str) -> int:
        """cfg name: t_on_reply"""

    @staticmethod
    def t_relay() -> int:
        """cfg name: t_relay"""

    @staticmethod
    def t_relay_to_proto_addr(p1: str, p2: str, p3: int) -> int: ...

    @staticmethod
    def t_relay_to_proxy(p1: str) -> int:
        """cfg name: t_relay_to"""

    @staticmethod
    def t_relay_to_tcp(p1: str, p2: int) -> int:
        """cfg name: t_relay_to_tcp"""

    @staticmethod
    def t_relay_to_udp(p1: str, p2: int) -> int:
        """cfg name: t_relay_to_udp"""

    @staticmethod
    def t_release() -> int:
        """cfg name: t_release"""

    @staticmethod
    def t_reply(p1: int, p2: str) -> int:
        """cfg name: t_reply"""

    @staticmethod
    def t_reset_fr() -> int:
        """cfg name: t_reset_fr"""

    @staticmethod
    def t_send_reply(p1: int, p2: str) -> int:
        """cfg name: t_send_reply"""

    @staticmethod
    def t_set_fr(p1: int, p2: int) -> int:
        """cfg name: t_set_fr"""

    @staticmethod
    def t_set_fr_inv(p1: int) -> int:
        """cfg name: t_set_fr"""

    @staticmethod
    def t_uac_send(p1: str, p2: str, p3: str, p4: str, p5: str, p6: str) -> int:
        """cfg name: t_uac_send"""


tm: _tm


class _tmx:

    @staticmethod
    def t_is_branch_route() -> int:
        """cfg name: t_is_branch_route"""

    @staticmethod
    def t_is_failure_route() -> int:
        """cfg name: t_is_failure_route"""

    @staticmethod
    def t_is_reply_route() -> int:
        """cfg name: t_is_reply_route"""

    @staticmethod
    def t_is_request_route() -> int:
        """cfg name: t_is_request_route"""

    @staticmethod
    def t_precheck_trans() -> int:
        """cfg name: t_precheck_trans"""


tmx: _tmx


class _x:

    @staticmethod
    def drop() -> NoReturn: ...

    @staticmethod
    def exit() -> NoReturn: ...

    @staticmethod
    def modf(name: str, *args: Union[str, int]) -> int:
        """Call a function by its native cfg name, e.g. KSR.x.modf("sl_send_reply", "200", "OK")."""


x: _x


class _xlog:

    @staticmethod
    def xalert(p1: str) -> int:
        """cfg name: xalert"""

    @staticmethod
    def xbug(p1: str) -> int:
        """cfg name: xbug"""

    @staticmethod
    def xcrit(p1: str) -> int:
        """cfg name: xcrit"""

    @staticmethod
    def xdbg(p1: str) -> int:
        """cfg name: xdbg"""

    @staticmethod
    def xerr(p1: str) -> int:
        """cfg name: xerr"""

    @staticmethod
    def xinfo(p1: str) -> int:
        """cfg name: xinfo"""

    @staticmethod
    def xlog(p1: str, p2: str) -> int:
        """cfg name: xlog"""

    @staticmethod
    def xlog_err(p1: str) -> int:
        """cfg name: xlog"""

    @staticmethod
    def xnotice(p1: str) -> int:
        """cfg name: xnotice"""

    @staticmethod
    def xwarn(p1: str) -> int:
        """cfg name: xwarn"""


xlog: _xlog
