//! Switchboard::Shared (perl-lib/Switchboard/Shared.pm over the engine's
//! process-wide store) through Perl: a tied hash's operations, atomic
//! add from several worker threads (each with its own interpreter) with
//! no lost update, references refused, and values kept across an
//! interpreter reset. Own test binary: reset_cycles is process-wide.

use switchboard_core::route::RouteCtx;
use switchboard_perl::testkit::{avp, exec, setup_app_perl};

const SCRIPT: &str = r#"
use strict;
use warnings;
use Switchboard::Shared;

tie our %h, 'Switchboard::Shared', 'test';
our $fresh = 1;   # 1 in a newly built interpreter

sub put { Kamailio::AVP::add($_[0], defined $_[1] ? $_[1] : 'undef'); }

sub hash_ops {
    %h = ();
    $h{a} = 'one';
    $h{b} = 2;
    $h{u} = undef;
    tie my %other, 'Switchboard::Shared', 'test';   # another view, same data
    tie my %elsewhere, 'Switchboard::Shared', 'other-namespace';
    put('fetch_a', $other{a});
    put('fetch_b', $other{b} + 40);
    put('fetch_u', $other{u});
    put('exists_u', exists $other{u} ? 'yes' : 'no');
    put('exists_z', exists $other{z} ? 'yes' : 'no');
    put('missing', $other{z});
    put('keys', join(',', keys %other));
    put('values', join(',', map { $_ // 'undef' } values %other));
    my @each;
    while (my ($k, $v) = each %other) { push @each, "$k=" . ($v // 'undef'); }
    put('each', join(',', @each));
    put('scalar', scalar(%other));
    put('elsewhere', scalar(keys %elsewhere));
    put('deleted', delete $h{a});
    put('after_delete', join(',', keys %h));
    put('add', Switchboard::Shared::add('test', 'b', 5));
    put('add_default', Switchboard::Shared::add('test', 'new'));
    put('add_neg', Switchboard::Shared::add('test', 'new', -3));
    put('b_now', $h{b});
    for my $bad ([], {}, \"text", sub { 1 }) {
        eval { $h{ref} = $bad; 1 } and die "a reference was stored";
        put('ref_' . ref($bad), $@ =~ /only plain scalars/ ? 'refused' : "other error: $@");
    }
    put('ref_stored', exists $h{ref} ? 'yes' : 'no');
    eval { Switchboard::Shared::add('test', 'c', 1.5); 1 } and die "a fraction was added";
    put('add_fraction', $@ =~ /must be an integer/ ? 'refused' : "other error: $@");
    $h{text} = 'abc';
    eval { Switchboard::Shared::add('test', 'text', 1); 1 } and die "added to text";
    put('add_text', $@ =~ /not an integer/ ? 'refused' : "other error: $@");
    eval { tie my %x, 'Switchboard::Shared'; 1 } and die "tied without a namespace";
    put('no_namespace', $@ =~ /usage: tie/ ? 'refused' : "other error: $@");
    %h = ();
    put('cleared', scalar(keys %h));
    return 1;
}

sub bump {
    Switchboard::Shared::add('test', 'counter', 1) for 1 .. 200;
    $h{plain_last} = $h{plain_last};   # a store from every thread: no crash
    return 1;
}

sub counter { put('counter', $h{counter}); return 1; }

sub remember { $fresh = 0; $h{kept} = 'across resets'; return 1; }

sub recall {
    put('fresh', $fresh);
    put('kept', $h{kept});
    return 1;
}
"#;

const OPTIONS: &str = "OPTIONS sip:bob@example.com SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.7;branch=z9hG4bKs\r\n\
From: <sip:a@example.com>;tag=1\r\nTo: <sip:bob@example.com>\r\nCall-ID: s1\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n";

fn run(func: &str, names: &[&str]) -> Vec<String> {
    exec("perl_exec", &[func], OPTIONS, |code, ctx: &mut RouteCtx<'_>| {
        assert_eq!(code, 1, "{func} returned {code}");
        names.iter().map(|n| avp(ctx, n)).collect()
    })
}

#[test]
fn shared_hash_atomic_add_refs_and_resets() {
    setup_app_perl(SCRIPT, "");

    let names = [
        "fetch_a", "fetch_b", "fetch_u", "exists_u", "exists_z", "missing", "keys", "values", "each", "scalar", "elsewhere", "deleted",
        "after_delete", "add", "add_default", "add_neg", "b_now", "ref_ARRAY", "ref_HASH", "ref_SCALAR", "ref_CODE", "ref_stored",
        "add_fraction", "add_text", "no_namespace", "cleared",
    ];
    let got = run("hash_ops", &names);
    let want = [
        "one", "42", "undef", "yes", "no", "undef", "a,b,u", "one,2,undef", "a=one,b=2,u=undef", "3", "0", "one", "b,u", "7", "1", "-2", "7",
        "refused", "refused", "refused", "refused", "no", "refused", "refused", "refused", "0",
    ];
    let pairs: Vec<(&str, &str)> = names.iter().copied().zip(got.iter().map(String::as_str)).collect();
    let expected: Vec<(&str, &str)> = names.iter().copied().zip(want).collect();
    assert_eq!(pairs, expected);

    // Four worker threads, an interpreter each, 200 atomic adds each.
    let threads: Vec<_> = (0..4).map(|_| std::thread::spawn(|| run("bump", &[]))).collect();
    for t in threads {
        t.join().unwrap();
    }
    assert_eq!(run("counter", &["counter"]), ["800"], "no update lost between interpreters");

    // A reset builds a new interpreter: its globals start over, the
    // shared data stays.
    run("remember", &[]);
    assert_eq!(run("recall", &["fresh", "kept"]), ["0", "across resets"]);
    switchboard_perl::set_reset_cycles(1);
    run("recall", &[]); // this call ends the interpreter
    assert_eq!(run("recall", &["fresh", "kept"]), ["1", "across resets"]);
    assert!(switchboard_perl::resets_on_this_thread() >= 1);
}
