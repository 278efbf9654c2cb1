//! switchboard command line: parse the flags, load the cfg, run the server.
//!
//! Flags follow kamailio's where they apply. switchboard always runs in the
//! foreground, so `-D` is accepted and means nothing.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::{ArgAction, Parser};
use switchboard_core::cfg::{self, LoadOptions};
use switchboard_core::engine::EngineFactory;
use switchboard_core::log::{self, LogSettings};
use switchboard_core::server::Server;
use switchboard_core::transport::ListenAddr;

#[derive(Parser, Debug)]
#[command(
    name = "switchboard",
    version,
    about = "SIP proxy and registrar that runs Kamailio configs and scripts",
    disable_version_flag = true
)]
struct Cli {
    /// Configuration file.
    #[arg(short = 'f', value_name = "FILE", default_value = "/etc/switchboard/kamailio.cfg")]
    file: PathBuf,
    /// Check the configuration file and exit.
    #[arg(short = 'c')]
    check: bool,
    /// Print the configuration after preprocessing (defines, includes) and exit.
    #[arg(long = "cfg-print")]
    cfg_print: bool,
    /// Log to stderr (log_stderror=yes).
    #[arg(short = 'E')]
    log_stderr: bool,
    /// Accepted for kamailio compatibility: switchboard never daemonizes.
    #[arg(short = 'D', action = ArgAction::Count)]
    no_daemon: u8,
    /// Listen on [proto:]addr[:port][/advaddr[:port]]; repeatable. Replaces the cfg's listen entries.
    #[arg(short = 'l', value_name = "ADDR")]
    listen: Vec<String>,
    /// Add a preprocessor define: NAME or NAME=VALUE; repeatable.
    #[arg(short = 'A', value_name = "DEFINE")]
    defines: Vec<String>,
    /// Worker threads per UDP listener (children).
    #[arg(short = 'n', value_name = "CHILDREN")]
    children: Option<u32>,
    /// Raise the debug level by one per -d, starting from 0.
    #[arg(short = 'd', action = ArgAction::Count)]
    debug_steps: u8,
    /// Set the debug level (Kamailio numbers: -1 error … 3 debug).
    #[arg(long = "debug", value_name = "N", allow_negative_numbers = true)]
    debug: Option<i32>,
    /// Scheduler slice to request for the server's threads, in µs (Linux
    /// 6.12+; the kernel clamps to 100 µs … 100 ms). 0 keeps the kernel's
    /// default. See core/src/sched.rs.
    #[arg(long = "sched-slice", value_name = "USEC", default_value_t = 100)]
    sched_slice: u32,
    /// Print the version and exit.
    #[arg(short = 'V', short_alias = 'v', long = "version", action = ArgAction::Version)]
    version: (),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let opts = LoadOptions { defines: cli.defines.iter().map(|d| split_define(d)).collect() };

    if cli.cfg_print {
        return match cfg::preprocess_to_string(&cli.file, &opts) {
            Ok(text) => {
                print!("{text}");
                ExitCode::SUCCESS
            }
            Err(e) => fail(&e.to_string()),
        };
    }

    let mut config = match cfg::load(&cli.file, &opts) {
        Ok(c) => c,
        Err(e) => return fail(&e.to_string()),
    };
    if let Err(e) = apply_cli(&cli, &mut config) {
        return fail(&e);
    }
    // Pick (and load) the engine before `-c` returns, so that `-c` also
    // catches script errors.
    let engine = match engine_for(&config) {
        Ok(e) => e,
        Err(e) => return fail(&e),
    };

    if cli.check {
        for n in &config.notices {
            eprintln!("notice: {n}");
        }
        eprintln!("config file ok, exiting...");
        return ExitCode::SUCCESS;
    }

    let g = &config.globals;
    let log_settings = LogSettings {
        debug: g.debug,
        stderr: g.log_stderror,
        facility: g.log_facility.clone(),
        name: g.log_name.clone().unwrap_or_else(|| "switchboard".into()),
        prefix: g.log_prefix.clone(),
    };
    let _log = match log::init(&log_settings) {
        Ok(h) => h,
        Err(e) => return fail(&e),
    };
    for n in &config.notices {
        tracing::info!("{n}");
    }

    match &engine {
        Some(f) => tracing::info!("routing engine: {}", f.name()),
        None => tracing::warn!("the cfg has no routing blocks: every request is answered 500"),
    }
    if cli.sched_slice > 0 {
        use switchboard_core::sched::{request_slice, Slice};
        match request_slice(cli.sched_slice) {
            Ok(Slice::Applied) => tracing::debug!("scheduler slice {} µs", cli.sched_slice),
            Ok(Slice::OtherPolicy) => tracing::info!("not a normal-class process: scheduler slice left alone"),
            Ok(Slice::Unsupported) => tracing::info!("this kernel keeps its own scheduler slice (needs Linux 6.12+)"),
            Err(e) => tracing::warn!("cannot request a scheduler slice: {e}"),
        }
    }
    let server = match Server::start(&config, engine) {
        Ok(s) => s,
        Err(e) => {
            tracing::error!("{e}");
            return fail(&e);
        }
    };
    tracing::info!("switchboard {} started with {}", env!("CARGO_PKG_VERSION"), config.path.display());
    server.wait_for_signal();
    server.shutdown();
    ExitCode::SUCCESS
}

/// The engine `cfgengine` asks for: `lua` loads the app_lua script,
/// `python` the app_python3 one (and fail the start if it does not
/// load); native/default/unset compiles the cfg's routing blocks (none at
/// all: no engine, requests get 500).
fn engine_for(config: &cfg::Config) -> Result<Option<Arc<dyn EngineFactory>>, String> {
    // app_perl serves perl_exec in native routing blocks (and is the
    // script of Perl KEMI, which sets it up itself).
    if config.is_loaded("app_perl") && config.globals.cfgengine.as_deref() != Some("perl") {
        switchboard_perl::setup(config)?;
    }
    match config.globals.cfgengine.as_deref() {
        Some("perl") => {
            let f = switchboard_perl::PerlKemiFactory::from_config(config)?;
            Ok(Some(Arc::new(f)))
        }
        None | Some("native") | Some("default") if config.routes.is_empty() => Ok(None),
        None | Some("native") | Some("default") => {
            let f = switchboard_native::NativeFactory::from_config(config).map_err(|e| e.to_string())?;
            Ok(Some(Arc::new(f)))
        }
        Some("lua") => {
            let f = switchboard_lua::LuaFactory::from_config(config)?;
            Ok(Some(Arc::new(f)))
        }
        Some("python") | Some("python3") => {
            let f = switchboard_python::PythonFactory::from_config(config)?;
            Ok(Some(Arc::new(f)))
        }
        Some(other) => Err(format!(
            "{}: cfgengine \"{other}\": engine {other} not available yet",
            config.path.display()
        )),
    }
}

/// The command line overrides the cfg.
fn apply_cli(cli: &Cli, config: &mut cfg::Config) -> Result<(), String> {
    let g = &mut config.globals;
    if !cli.listen.is_empty() {
        g.listen = cli
            .listen
            .iter()
            .map(|l| ListenAddr::parse(l).map_err(|e| format!("-l {l}: {e}")))
            .collect::<Result<_, _>>()?;
    }
    if let Some(n) = cli.children {
        g.children = n;
    }
    if let Some(d) = cli.debug {
        g.debug = d;
    } else if cli.debug_steps > 0 {
        g.debug = i32::from(cli.debug_steps);
    }
    if cli.log_stderr {
        g.log_stderror = true;
    }
    Ok(())
}

fn split_define(d: &str) -> (String, Option<String>) {
    match d.split_once('=') {
        Some((name, value)) => (name.to_string(), Some(value.to_string())),
        None => (d.to_string(), None),
    }
}

fn fail(msg: &str) -> ExitCode {
    eprintln!("switchboard: {msg}");
    ExitCode::FAILURE
}
