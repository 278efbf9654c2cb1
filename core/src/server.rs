//! The server: glue between transports, the SIP parser and routing.
