//! The native sample (samples/native/kamailio.cfg: the Lua sample's logic
//! in the cfg's own routing language) as a real proxy and registrar, over
//! UDP and over TCP: the shared sample scenarios (tests/support/scenarios.rs).

mod support;

sample_scenarios!("samples/native/kamailio.cfg");
