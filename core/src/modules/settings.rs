//! Module parameters the functions of this crate read, parsed once from
//! the cfg's `modparam` lines when the server starts (`Shared::modcfg`).
//! A field per parameter that changes behaviour; defaults are those of
//! the Kamailio module documentation.

use crate::cfg::{Config, Value};

/// Parsed module settings.
#[derive(Debug, Clone)]
pub struct ModCfg {
    /// maxfwd `max_limit` (default 70).
    pub maxfwd_max_limit: u32,
    /// sanity `default_checks` (default 3047).
    pub sanity_default_checks: u32,
    /// sanity `uri_checks` (default 7).
    pub sanity_uri_checks: u32,
    /// sanity `proxy_require`: the extensions we accept in Proxy-Require
    /// (lower-case; default none).
    pub sanity_proxy_require: Vec<String>,
    /// sanity `autodrop` (default on): a failed check stops the script.
    pub sanity_autodrop: bool,
    /// sanity `noreply` (default off): do not send the error reply.
    pub sanity_noreply: bool,
    /// The cfg's preprocessor defines at the end of the file
    /// (`KSR.kx.ifdef`).
    pub defines: Vec<(String, Option<String>)>,
}

impl Default for ModCfg {
    fn default() -> ModCfg {
        ModCfg {
            maxfwd_max_limit: 70,
            sanity_default_checks: crate::modules::sanity::DEFAULT_CHECKS,
            sanity_uri_checks: crate::modules::sanity::DEFAULT_URI_CHECKS,
            sanity_proxy_require: Vec::new(),
            sanity_autodrop: true,
            sanity_noreply: false,
            defines: Vec::new(),
        }
    }
}

fn int(config: &Config, module: &str, name: &str) -> Option<i64> {
    match config.modparam(module, name)? {
        Value::Int(i) => Some(*i),
        Value::Str(s) => s.trim().parse().ok(),
        #[allow(unreachable_patterns)]
        _ => None,
    }
}

fn string(config: &Config, module: &str, name: &str) -> Option<String> {
    match config.modparam(module, name)? {
        Value::Str(s) | Value::Ident(s) => Some(s.clone()),
        Value::Int(i) => Some(i.to_string()),
        #[allow(unreachable_patterns)]
        _ => None,
    }
}

impl ModCfg {
    pub fn from_config(config: &Config) -> ModCfg {
        let mut m = ModCfg::default();
        if let Some(v) = int(config, "maxfwd", "max_limit") {
            m.maxfwd_max_limit = v.clamp(0, 255) as u32;
        }
        if let Some(v) = int(config, "sanity", "default_checks") {
            m.sanity_default_checks = v.max(0) as u32;
        }
        if let Some(v) = int(config, "sanity", "uri_checks") {
            m.sanity_uri_checks = v.max(0) as u32;
        }
        if let Some(v) = string(config, "sanity", "proxy_require") {
            m.sanity_proxy_require = v
                .split(',')
                .map(|t| t.trim().to_ascii_lowercase())
                .filter(|t| !t.is_empty())
                .collect();
        }
        if let Some(v) = int(config, "sanity", "autodrop") {
            m.sanity_autodrop = v != 0;
        }
        if let Some(v) = int(config, "sanity", "noreply") {
            m.sanity_noreply = v != 0;
        }
        m.defines = config.defines.clone();
        m
    }

    pub fn is_defined(&self, name: &str) -> bool {
        self.defines.iter().any(|(n, _)| n == name)
    }
}
