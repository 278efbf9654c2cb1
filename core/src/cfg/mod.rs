//! kamailio.cfg loading: preprocessor, lexer, global parameters,
//! loadmodule/modparam, routing blocks.
