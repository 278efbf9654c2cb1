//! Built-in modules and the parameters each declares.
