//! Logging set-up (tracing): stderr or syslog, Kamailio debug levels.
