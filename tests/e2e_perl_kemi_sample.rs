//! The Perl KEMI sample (samples/perl/kemi: kamailio.cfg + proxy.pl, the
//! Lua sample's logic with KSR:: in Perl) as a real proxy and registrar,
//! over UDP and over TCP: the shared sample scenarios
//! (tests/support/scenarios.rs).

mod support;

sample_scenarios!("samples/perl/kemi/kamailio.cfg");
