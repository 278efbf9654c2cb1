//! Logging set-up (tracing): stderr or syslog, Kamailio debug levels.
//!
//! Kamailio's `debug` is a number: -5 alert … -1 error, 0 warning, 1 notice,
//! 2 info, 3 debug. tracing has five levels, so notice and info share INFO
//! and everything above 3 is TRACE. The level can be changed while running
//! (the control interface will use [`LogHandle::set_debug`]).

use tracing::level_filters::LevelFilter;
use tracing_subscriber::{fmt, prelude::*, reload, Registry};

/// What the cfg and the command line say about logging.
#[derive(Debug, Clone)]
pub struct LogSettings {
    /// Kamailio `debug` value.
    pub debug: i32,
    /// `log_stderror=yes` or `-E`: log to stderr, else to syslog.
    pub stderr: bool,
    /// `log_facility`, e.g. `LOG_LOCAL0`.
    pub facility: String,
    /// Syslog identity (`log_name`), default "switchboard".
    pub name: String,
    /// `log_prefix`, written before every message when set.
    pub prefix: Option<String>,
}

impl Default for LogSettings {
    fn default() -> Self {
        LogSettings {
            debug: 0,
            stderr: true,
            facility: "LOG_DAEMON".into(),
            name: "switchboard".into(),
            prefix: None,
        }
    }
}

/// Lets the running server change the log level.
pub struct LogHandle {
    filter: reload::Handle<LevelFilter, Registry>,
}

impl LogHandle {
    pub fn set_debug(&self, debug: i32) {
        if let Err(e) = self.filter.modify(|f| *f = level_for_debug(debug)) {
            tracing::warn!("cannot change the log level: {e}");
        }
    }
}

/// The tracing level that shows what Kamailio's `debug=N` shows.
pub fn level_for_debug(debug: i32) -> LevelFilter {
    match debug {
        i32::MIN..=-1 => LevelFilter::ERROR,
        0 => LevelFilter::WARN,
        1 | 2 => LevelFilter::INFO,
        3 => LevelFilter::DEBUG,
        _ => LevelFilter::TRACE,
    }
}

/// Map a Kamailio `log_facility` name (`LOG_LOCAL0`, `local0`, `LOG_DAEMON`, …).
pub fn parse_facility(name: &str) -> Result<syslog_tracing::Facility, String> {
    use syslog_tracing::Facility as F;
    let upper = name.trim().to_ascii_uppercase();
    let bare = upper.strip_prefix("LOG_").unwrap_or(&upper);
    Ok(match bare {
        "USER" => F::User,
        "MAIL" => F::Mail,
        "DAEMON" => F::Daemon,
        "AUTH" => F::Auth,
        "LPR" => F::Lpr,
        "NEWS" => F::News,
        "UUCP" => F::Uucp,
        "CRON" => F::Cron,
        "FTP" => F::Ftp,
        "LOCAL0" => F::Local0,
        "LOCAL1" => F::Local1,
        "LOCAL2" => F::Local2,
        "LOCAL3" => F::Local3,
        "LOCAL4" => F::Local4,
        "LOCAL5" => F::Local5,
        "LOCAL6" => F::Local6,
        "LOCAL7" => F::Local7,
        _ => return Err(format!("unknown log_facility '{name}'")),
    })
}

/// Install the global subscriber. Call once, after the cfg is loaded.
pub fn init(settings: &LogSettings) -> Result<LogHandle, String> {
    let (filter, handle) = reload::Layer::new(level_for_debug(settings.debug));
    let registry = tracing_subscriber::registry().with(filter);
    let prefix = settings.prefix.clone().unwrap_or_default();
    let result = if settings.stderr {
        let layer = fmt::layer()
            .with_writer(std::io::stderr)
            .with_target(false)
            .with_thread_names(true)
            .with_ansi(false);
        if prefix.is_empty() {
            registry.with(layer).try_init()
        } else {
            registry.with(layer.event_format(Prefixed(prefix))).try_init()
        }
    } else {
        let facility = parse_facility(&settings.facility)?;
        let ident = std::ffi::CString::new(settings.name.clone())
            .map_err(|_| "log_name contains a NUL byte".to_string())?;
        let syslog = syslog_tracing::Syslog::new(
            ident,
            syslog_tracing::Options::LOG_PID,
            facility,
        )
        .ok_or("syslog is already open")?;
        let layer = fmt::layer()
            .with_writer(syslog)
            .with_target(false)
            .with_ansi(false)
            .without_time();
        if prefix.is_empty() {
            registry.with(layer).try_init()
        } else {
            registry.with(layer.event_format(Prefixed(prefix))).try_init()
        }
    };
    result.map_err(|e| format!("cannot install the logger: {e}"))?;
    Ok(LogHandle { filter: handle })
}

/// `log_prefix`: a fixed string before each line, then the level and message.
struct Prefixed(String);

impl<S, N> fmt::FormatEvent<S, N> for Prefixed
where
    S: tracing::Subscriber + for<'a> tracing_subscriber::registry::LookupSpan<'a>,
    N: for<'a> fmt::FormatFields<'a> + 'static,
{
    fn format_event(
        &self,
        ctx: &fmt::FmtContext<'_, S, N>,
        mut writer: fmt::format::Writer<'_>,
        event: &tracing::Event<'_>,
    ) -> std::fmt::Result {
        write!(writer, "{}{}: ", self.0, event.metadata().level())?;
        ctx.field_format().format_fields(writer.by_ref(), event)?;
        writeln!(writer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kamailio_levels_map_to_tracing() {
        assert_eq!(level_for_debug(-3), LevelFilter::ERROR);
        assert_eq!(level_for_debug(0), LevelFilter::WARN);
        assert_eq!(level_for_debug(2), LevelFilter::INFO);
        assert_eq!(level_for_debug(3), LevelFilter::DEBUG);
        assert_eq!(level_for_debug(9), LevelFilter::TRACE);
    }

    #[test]
    fn facilities() {
        assert!(parse_facility("LOG_LOCAL0").is_ok());
        assert!(parse_facility("local7").is_ok());
        assert!(parse_facility("LOG_NOPE").is_err());
    }
}
