//! The Python sample (samples/python: kamailio.cfg + proxy.py) as a real
//! proxy and registrar, over UDP and over TCP: the shared sample scenarios
//! (tests/support/scenarios.rs).

mod support;

sample_scenarios!("samples/python/kamailio.cfg");
