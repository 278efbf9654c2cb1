//! app_perl through the export table's perl_exec on a real interpreter:
//! every Kamailio::Message / URI / AVP method, getHeader in list and
//! scalar context, AUTOLOAD → moduleFunction, die / warn / exit, and a
//! stale `$m`. (reset_cycles and Perl KEMI have their own test binaries:
//! they change process-wide settings.)

use std::sync::Once;

use switchboard_core::exports::Ret;
use switchboard_core::route::{RouteCtx, Value};

const SCRIPT: &str = r#"
use strict;
use warnings;
use Kamailio qw(log);
use POSIX qw(floor);   # an XS module: DynaLoader works in the embedded perl

our $kept;

sub put { Kamailio::AVP::add($_[0], defined $_[1] ? $_[1] : 'undef'); }

sub request_methods {
    my $m = shift;
    put('type', $m->getType());
    put('version', $m->getVersion());
    put('ruri', $m->getRURI());
    put('method', $m->getMethod());
    my @vias = $m->getHeader('Via');
    put('vias', scalar(@vias));
    put('via_first', scalar($m->getHeader('Via')));
    put('names', join(',', $m->getHeaderNames()));
    put('full', $m->getFullHeader());
    put('body', $m->getBody());
    put('message', $m->getMessage());
    # The wrong message type: logged, undef, no die.
    put('status', $m->getStatus());
    put('reason', $m->getReason());
    put('pv', $m->pseudoVar('$rU at $rd'));
    put('missing', scalar($m->getHeader('X-None')));
    return 1;
}

sub reply_methods {
    my $m = shift;
    put('type', $m->getType());
    put('status', $m->getStatus());
    put('reason', $m->getReason());
    # The wrong message type: logged, undef (-1 for rewrite_ruri), no die.
    put('ruri', $m->getRURI());
    put('method', $m->getMethod());
    put('parsed', $m->getParsedRURI());
    put('rewrite', $m->rewrite_ruri('sip:x@example.com'));
    return 2;
}

sub uri_methods {
    my $m = shift;
    my $u = $m->getParsedRURI();
    put('class', ref $u);
    for my $f (qw(user host passwd port params headers transport transport_val lr lr_val
                  user_param user_param_val maddr maddr_val ttl ttl_val method method_val r2 r2_val)) {
        put("u_$f", $u->$f());
    }
    return 1;
}

sub uri_params_present {
    my $m = shift;
    $m->rewrite_ruri('sip:a@h.example;maddr=10.0.0.1;ttl=5;method=INVITE;r2=on');
    my $u = $m->getParsedRURI();
    for my $f (qw(maddr maddr_val ttl ttl_val method method_val r2 r2_val)) {
        put("p_$f", $u->$f());
    }
    return 1;
}

sub avps {
    put('add_int', Kamailio::AVP::add(10, 10));
    put('add_str', Kamailio::AVP::add("10", "ten"));
    put('add_undef_name', Kamailio::AVP::add(undef, "v"));
    put('add_undef_val', Kamailio::AVP::add("u", undef));
    put('add_ref_name', Kamailio::AVP::add([1], "v"));
    put('add_ref_val', Kamailio::AVP::add("r", {}));
    put('u_after', Kamailio::AVP::get("u"));
    put('r_after', Kamailio::AVP::get("r"));
    put('int_avp', Kamailio::AVP::get(10));
    put('str_avp', Kamailio::AVP::get("10"));
    put('destroyed', Kamailio::AVP::destroy(10));
    put('after', Kamailio::AVP::get(10));
    put('destroyed_none', Kamailio::AVP::destroy(10));
    put('destroyed_undef', Kamailio::AVP::destroy(undef));
    return 1;
}

sub flags {
    my $m = shift;
    $m->setFlag(3);
    put('green', $m->isFlagSet(3));
    $m->setFlag(4);
    $m->resetFlag(4);
    put('red', $m->isFlagSet(4));
    return 1;
}

sub functions {
    my $m = shift;
    put('mf', $m->moduleFunction('append_hf', "X-Perl: yes\r\n"));
    put('autoload', $m->is_method('INVITE'));
    put('autoload_no', $m->is_method('BYE'));
    eval { $m->no_such_function('x') };
    put('unknown_err', $@);
    put('rewrite', $m->rewrite_ruri('sip:carol@example.net'));
    $m->append_branch('sip:dave@example.org', '0.5');
    $m->append_branch();
    log(2, "functions done\n");
    return 5;
}

sub dies { die "something broke\n"; }
sub warns { warn "careful\n"; return 3; }
sub exits { exit(1); }
sub returns_undef { return undef; }
sub posix { put('floor', floor(7.9)); return 1; }
sub simple { put('simple_args', join('|', map { ref($_) || $_ } @_)); return 4; }
sub three_params {
    my $m = shift;
    # save(table, flags, uri): 2 = no reply; the AoR is the third parameter.
    put('save3', $m->moduleFunction('save', 'location', 2, 'sip:carol@example.net'));
    put('reg_carol', $m->moduleFunction('registered', 'location', 'sip:carol@example.net'));
    put('reg_to', $m->moduleFunction('registered', 'location', 'sip:alice@example.org'));
    # unregister(table, uri, ruid) through AUTOLOAD: an unknown ruid removes nothing.
    put('unreg3', $m->unregister('location', 'sip:carol@example.net', 'no-such-ruid'));
    put('reg_after3', $m->registered('location', 'sip:carol@example.net'));
    put('unreg2', $m->unregister('location', 'sip:carol@example.net'));
    put('reg_after2', $m->registered('location', 'sip:carol@example.net'));
    return 1;
}
sub evals {
    my $r = 0;
    eval { die "alarm\n" };
    $r += 1 if $@ eq "alarm\n";
    eval { die "no newline" };
    $r += 10 if $@ =~ /^no newline at \S+ line \d+\.\n\z/;
    eval { eval { die "inner\n" }; die $@ if $@ eq "inner\n" };
    $r += 100 if $@ eq "inner\n";
    eval "die qq(string eval\\n)";
    $r += 1000 if $@ eq "string eval\n";
    return $r;
}
sub warns_nl { warn "look here\n"; return 1; }
sub warns_placed { warn "placed"; return 1; }
sub keep { $kept = shift; return 1; }
sub use_kept { eval { $kept->getMethod() }; put('stale', $@); return 1; }
"#;

static SETUP: Once = Once::new();

fn setup() {
    SETUP.call_once(|| {
        // usrloc/registrar: exports with three parameters for moduleFunction.
        crate::testkit::setup_app_perl(SCRIPT, "loadmodule \"usrloc.so\"\nloadmodule \"registrar.so\"");
    });
}

const INVITE: &str = "INVITE sip:bob:pw@example.com:5070;transport=tcp;lr;user=phone?X-H=1 SIP/2.0\r\n\
Via: SIP/2.0/UDP 192.0.2.7:5099;branch=z9hG4bK776asdhds;rport\r\n\
Via: SIP/2.0/UDP 10.0.0.1;branch=z9hG4bKold\r\n\
Max-Forwards: 70\r\n\
To: <sip:bob@example.com>\r\n\
From: Alice <sip:alice@example.org>;tag=1928301774\r\n\
Call-ID: a84b4c76e66710\r\n\
CSeq: 314159 INVITE\r\n\
Content-Type: text/plain\r\n\
Content-Length: 5\r\n\r\nhello";

const REGISTER: &str = "REGISTER sip:example.org SIP/2.0\r\n\
Via: SIP/2.0/UDP 192.0.2.7:5099;branch=z9hG4bKreg1;rport\r\n\
Max-Forwards: 70\r\n\
To: <sip:alice@example.org>\r\n\
From: <sip:alice@example.org>;tag=r1\r\n\
Call-ID: reg1@192.0.2.7\r\n\
CSeq: 1 REGISTER\r\n\
Contact: <sip:alice@192.0.2.7:5099>;expires=600\r\n\
Content-Length: 0\r\n\r\n";

const REPLY: &str = "SIP/2.0 486 Busy Here\r\n\
Via: SIP/2.0/UDP 192.0.2.7:5099;branch=z9hG4bK776asdhds\r\n\
To: <sip:bob@example.com>;tag=a6c85cf\r\n\
From: Alice <sip:alice@example.org>;tag=1928301774\r\n\
Call-ID: a84b4c76e66710\r\n\
CSeq: 314159 INVITE\r\n\
Content-Length: 0\r\n\r\n";

fn exec<T>(native: &str, args: &[&str], msg: &str, check: impl FnOnce(i64, &mut RouteCtx<'_>) -> T) -> T {
    setup();
    crate::testkit::exec(native, args, msg, check)
}

use crate::testkit::{avp, capture_log};

/// The line of SCRIPT holding `text` (1-based, as Perl counts).
fn script_line(text: &str) -> usize {
    SCRIPT.lines().position(|l| l.contains(text)).unwrap() + 1
}

/// The captured lines at ERROR level naming `what`.
fn errors_naming<'a>(log: &'a [String], what: &str) -> Vec<&'a String> {
    log.iter().filter(|l| l.starts_with("ERROR ") && l.contains(what)).collect()
}


#[test]
fn message_methods_on_a_request() {
    let (_, log) = capture_log(|| exec("perl_exec", &["request_methods"], INVITE, |code, ctx| {
        assert_eq!(code, 1);
        assert_eq!(avp(ctx, "type"), "1");
        assert_eq!(avp(ctx, "version"), "SIP/2.0");
        assert_eq!(avp(ctx, "ruri"), "sip:bob:pw@example.com:5070;transport=tcp;lr;user=phone?X-H=1");
        assert_eq!(avp(ctx, "method"), "INVITE");
        // list context: both Via headers; scalar context: the first.
        assert_eq!(avp(ctx, "vias"), "2");
        assert_eq!(avp(ctx, "via_first"), "SIP/2.0/UDP 192.0.2.7:5099;branch=z9hG4bK776asdhds;rport");
        assert_eq!(avp(ctx, "names"), "Via,Via,Max-Forwards,To,From,Call-ID,CSeq,Content-Type,Content-Length");
        // The start line and the headers, up to the last header's CRLF.
        let head_end = INVITE.find("\r\n\r\n").unwrap() + 2;
        assert_eq!(avp(ctx, "full"), INVITE[..head_end]);
        assert_eq!(avp(ctx, "body"), "hello");
        assert!(avp(ctx, "message").starts_with("INVITE sip:bob") && avp(ctx, "message").ends_with("hello"));
        assert_eq!(avp(ctx, "status"), "undef");
        assert_eq!(avp(ctx, "reason"), "undef");
        assert_eq!(avp(ctx, "pv"), "bob at example.com");
        assert_eq!(avp(ctx, "missing"), "undef");
    }));
    // getStatus / getReason on a request: an error in the log, no die.
    for m in ["getStatus", "getReason"] {
        assert_eq!(errors_naming(&log, m).len(), 1, "{m}: {log:?}");
    }
}

#[test]
fn message_methods_on_a_reply() {
    let (_, log) = capture_log(|| exec("perl_exec", &["reply_methods"], REPLY, |code, ctx| {
        assert_eq!(code, 2);
        assert_eq!(avp(ctx, "type"), "2");
        assert_eq!(avp(ctx, "status"), "486");
        assert_eq!(avp(ctx, "reason"), "Busy Here");
        assert_eq!(avp(ctx, "ruri"), "undef");
        assert_eq!(avp(ctx, "method"), "undef");
        assert_eq!(avp(ctx, "parsed"), "undef");
        assert_eq!(avp(ctx, "rewrite"), "-1");
        assert_eq!(ctx.msg.status(), Some(486));
    }));
    for m in ["getRURI", "getMethod", "getParsedRURI", "rewrite_ruri"] {
        assert_eq!(errors_naming(&log, m).len(), 1, "{m}: {log:?}");
    }
}

#[test]
fn module_function_with_three_parameters() {
    exec("perl_exec", &["three_params"], REGISTER, |code, ctx| {
        assert_eq!(code, 1);
        assert_eq!(avp(ctx, "save3"), "1");
        assert_eq!(avp(ctx, "reg_carol"), "1", "saved under the AoR given as the third parameter");
        assert_eq!(avp(ctx, "reg_to"), "-1", "not under the To URI");
        assert_eq!(avp(ctx, "unreg3"), "-1", "the ruid (third parameter) matched no binding");
        assert_eq!(avp(ctx, "reg_after3"), "1");
        assert_eq!(avp(ctx, "unreg2"), "1");
        assert_eq!(avp(ctx, "reg_after2"), "-1");
    });
}

#[test]
fn die_inside_the_scripts_own_eval_keeps_its_message() {
    let (_, log) = capture_log(|| exec("perl_exec", &["evals"], INVITE, |code, _| assert_eq!(code, 1111)));
    assert!(errors_naming(&log, "evals").is_empty(), "{log:?}");
    // A die that ends the call is still logged with its place.
    let (_, log) = capture_log(|| exec("perl_exec", &["dies"], INVITE, |code, _| assert_eq!(code, -1)));
    let line = format!("(at {} line {})", crate::testkit::setup_app_perl_dir().join("t.pl").display(), script_line("something broke"));
    let died = errors_naming(&log, "something broke");
    assert!(died.len() == 1 && died[0].contains(&line), "{line}: {log:?}");
}

#[test]
fn warn_is_logged_with_the_scripts_file_and_line() {
    let file = crate::testkit::setup_app_perl_dir().join("t.pl").display().to_string();
    let (_, log) = capture_log(|| exec("perl_exec", &["warns_nl"], INVITE, |code, _| assert_eq!(code, 1)));
    let want = format!("look here at {file} line {}.", script_line("look here"));
    assert!(log.iter().any(|l| l.starts_with("WARN ") && l.contains("perl warning") && l.contains(&want)), "{want}: {log:?}");
    // A warning Perl placed itself is not placed twice.
    let (_, log) = capture_log(|| exec("perl_exec", &["warns_placed"], INVITE, |code, _| assert_eq!(code, 1)));
    let want = format!("placed at {file} line {}.", script_line("warn \"placed"));
    let w: Vec<_> = log.iter().filter(|l| l.contains("perl warning")).collect();
    assert!(w.len() == 1 && w[0].ends_with(&want), "{want}: {log:?}");
}

#[test]
fn parsed_ruri() {
    exec("perl_exec", &["uri_methods"], INVITE, |_, ctx| {
        let want = [
            ("class", "Kamailio::URI"),
            ("u_user", "bob"),
            ("u_passwd", "pw"),
            ("u_host", "example.com"),
            ("u_port", "5070"),
            ("u_params", "transport=tcp;lr;user=phone"),
            ("u_headers", "X-H=1"),
            ("u_transport", "transport=tcp"),
            ("u_transport_val", "tcp"),
            ("u_lr", "lr"),
            ("u_lr_val", ""),
            ("u_user_param", "user=phone"),
            ("u_user_param_val", "phone"),
            ("u_maddr", "undef"),
            ("u_ttl_val", "undef"),
            ("u_method", "undef"),
            ("u_r2", "undef"),
        ];
        for (k, v) in want {
            assert_eq!(avp(ctx, k), v, "{k}");
        }
    });
}

#[test]
fn parsed_ruri_params_maddr_ttl_method_r2() {
    exec("perl_exec", &["uri_params_present"], INVITE, |_, ctx| {
        let want = [
            ("p_maddr", "maddr=10.0.0.1"),
            ("p_maddr_val", "10.0.0.1"),
            ("p_ttl", "ttl=5"),
            ("p_ttl_val", "5"),
            ("p_method", "method=INVITE"),
            ("p_method_val", "INVITE"),
            ("p_r2", "r2=on"),
            ("p_r2_val", "on"),
        ];
        for (k, v) in want {
            assert_eq!(avp(ctx, k), v, "{k}");
        }
    });
}

#[test]
fn avps_keep_numbers_and_strings_apart() {
    exec("perl_exec", &["avps"], INVITE, |_, ctx| {
        assert_eq!(avp(ctx, "int_avp"), "10");
        assert_eq!(avp(ctx, "str_avp"), "ten");
        assert_eq!(avp(ctx, "add_int"), "0");
        assert_eq!(avp(ctx, "add_str"), "0");
        assert_eq!(avp(ctx, "add_undef_name"), "0");
        assert_eq!(avp(ctx, "add_undef_val"), "0");
        assert_eq!(avp(ctx, "u_after"), "undef", "an undef value adds nothing");
        assert_eq!(avp(ctx, "add_ref_name"), "-1");
        assert_eq!(avp(ctx, "add_ref_val"), "-1");
        assert_eq!(avp(ctx, "r_after"), "undef");
        assert_eq!(avp(ctx, "destroyed"), "1");
        assert_eq!(avp(ctx, "after"), "undef");
        assert_eq!(avp(ctx, "destroyed_none"), "0");
        assert_eq!(avp(ctx, "destroyed_undef"), "0");
        assert_eq!(ctx.avps.get("10"), Some(&Value::Str("ten".into())));
    });
}

#[test]
fn flags() {
    exec("perl_exec", &["flags"], INVITE, |_, ctx| {
        assert_eq!(avp(ctx, "green"), "1");
        assert_eq!(avp(ctx, "red"), "0", "a Perl false");
        assert!(ctx.is_flag_set(3) && !ctx.is_flag_set(4));
    });
}

#[test]
fn module_functions_autoload_rewrite_and_branches() {
    exec("perl_exec", &["functions"], INVITE, |code, ctx| {
        assert_eq!(code, 5);
        assert_eq!(avp(ctx, "mf"), "1");
        assert_eq!(avp(ctx, "autoload"), "1");
        assert_eq!(avp(ctx, "autoload_no"), "-1");
        assert!(avp(ctx, "unknown_err").contains("no function no_such_function() with 1 parameter"), "{}", avp(ctx, "unknown_err"));
        assert_eq!(avp(ctx, "rewrite"), "0");
        assert_eq!(ctx.ruri(), "sip:carol@example.net");
        assert_eq!(ctx.branches.len(), 2);
        assert_eq!(ctx.branches[0].uri, "sip:dave@example.org");
        assert_eq!(ctx.branches[0].q, Some(500));
        assert_eq!(ctx.branches[1].uri, "sip:carol@example.net");
    });
}

#[test]
fn die_warn_and_exit_return_codes_and_the_interpreter_goes_on() {
    exec("perl_exec", &["dies"], INVITE, |code, _| assert_eq!(code, -1));
    exec("perl_exec", &["warns"], INVITE, |code, _| assert_eq!(code, 3));
    exec("perl_exec", &["exits"], INVITE, |code, _| assert_eq!(code, -1, "exit() is disabled"));
    exec("perl_exec", &["no_such_sub"], INVITE, |code, _| assert_eq!(code, -1));
    exec("perl_exec", &["returns_undef"], INVITE, |code, _| assert_eq!(code, 0, "as Kamailio: undef is 0"));
    exec("perl_exec", &["request_methods"], INVITE, |code, _| assert_eq!(code, 1));
}

#[test]
fn perl_exec_simple_passes_only_the_parameter() {
    exec("perl_exec_simple", &["simple", "p1"], INVITE, |code, ctx| {
        assert_eq!(code, 4);
        assert_eq!(avp(ctx, "simple_args"), "p1");
    });
    exec("perl_exec", &["simple", "p2"], INVITE, |_, ctx| {
        assert_eq!(avp(ctx, "simple_args"), "Kamailio::Message|p2");
    });
}

#[test]
fn a_kept_message_is_stale_in_a_later_call() {
    exec("perl_exec", &["keep"], INVITE, |code, _| assert_eq!(code, 1));
    exec("perl_exec", &["use_kept"], INVITE, |_, ctx| {
        assert!(avp(ctx, "stale").contains("no longer valid"), "{}", avp(ctx, "stale"));
    });
}

#[test]
fn ret_kind_of_perl_exec() {
    // The export returns the Perl value as an Int code.
    exec("perl_exec", &["warns"], INVITE, |code, _| assert_eq!(Ret::Int(code), Ret::Int(3)));
}

#[test]
fn xs_modules_load_through_dynaloader() {
    exec("perl_exec", &["posix"], INVITE, |code, ctx| {
        assert_eq!(code, 1);
        assert_eq!(avp(ctx, "floor"), "7");
    });
}
