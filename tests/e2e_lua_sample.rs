//! The Lua sample (samples/lua: kamailio.cfg + proxy.lua) as a real proxy
//! and registrar, over UDP and over TCP: the shared sample scenarios
//! (tests/support/scenarios.rs).

mod support;

sample_scenarios!("samples/lua/kamailio.cfg");
