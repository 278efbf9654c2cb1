use switchboard_core::kemi::testing::{self, ScriptDir, INVITE};
use switchboard_core::route::Stop;

use super::*;
use std::borrow::Cow;

/// A temporary directory with a cfg loading app_lua and the given script.
fn fixture(script: &str) -> ScriptDir {
    fixture_with_cfg(script, "")
}

fn fixture_with_cfg(script: &str, extra_cfg: &str) -> ScriptDir {
    ScriptDir::new(
        "script.lua",
        script,
        &format!("loadmodule \"app_lua.so\"\nmodparam(\"app_lua\", \"load\", \"script.lua\")\n{extra_cfg}\ncfgengine \"lua\""),
    )
}

trait Fixture {
    fn factory(&self) -> Result<LuaFactory, String>;
    fn engine(&self) -> LuaEngine;
}

impl Fixture for ScriptDir {
    fn factory(&self) -> Result<LuaFactory, String> {
        LuaFactory::from_config(&self.config())
    }

    fn engine(&self) -> LuaEngine {
        self.factory().unwrap().build().unwrap()
    }
}

/// Run `cb` of `engine` on an INVITE; returns the result and the ctx's
/// flags and stop.
fn run(engine: &LuaEngine, cb: Callback<'_>) -> (Result<i32, ScriptError>, u64, Stop) {
    testing::run(engine, cb, INVITE)
}

fn global_int(e: &LuaEngine, name: &str) -> Option<i64> {
    e.lua.globals().get::<Option<i64>>(name).unwrap()
}

// --- argument conversion ---

/// `convert` of one Lua value, as an owned result.
fn conv(lua: &Lua, p: Param, v: Value, pos: usize) -> Result<Conv<'static>, String> {
    let mut out = None;
    // SAFETY: the value is on the stack (index -1) while it is converted.
    unsafe {
        lua.exec_raw::<()>(v, |l| {
            out = Some(convert(l, -1, p, pos).map(|c| match c {
                Conv::Int(i) => Conv::Int(i),
                Conv::Str(s) => Conv::Str(Cow::Owned(s.into_owned())),
            }));
            mlua::ffi::lua_settop(l, 0);
        })
        .unwrap();
    }
    out.unwrap()
}

#[test]
fn int_params_take_numbers_and_numeric_strings() {
    let lua = Lua::new();
    let s = |t: &str| Value::String(lua.create_string(t).unwrap());
    let int = |v: Value| conv(&lua, Param::Int, v, 1);
    assert_eq!(int(Value::Integer(7)), Ok(Conv::Int(7)));
    assert_eq!(int(Value::Number(3.9)), Ok(Conv::Int(3)));
    assert_eq!(int(Value::Number(-3.9)), Ok(Conv::Int(-3)));
    assert_eq!(int(s("42")), Ok(Conv::Int(42)));
    assert_eq!(int(s(" 486 ")), Ok(Conv::Int(486)));
    assert_eq!(int(s("4.5")), Ok(Conv::Int(4)));
    assert_eq!(int(Value::Boolean(true)), Ok(Conv::Int(1)));
    let e = conv(&lua, Param::Int, s("abc"), 2).unwrap_err();
    assert!(e.contains("#2") && e.contains("abc"), "{e}");
    let e = int(Value::Nil).unwrap_err();
    assert!(e.contains("nil"), "{e}");
    assert!(int(Value::Number(f64::NAN)).is_err());
}

#[test]
fn str_params_take_strings_and_formatted_numbers() {
    let lua = Lua::new();
    let s = |t: &str| Value::String(lua.create_string(t).unwrap());
    let st = |v: Value| conv(&lua, Param::Str, v, 1);
    assert_eq!(st(s("sip:x@y")), Ok(Conv::Str("sip:x@y".into())));
    assert_eq!(st(Value::Integer(404)), Ok(Conv::Str("404".into())));
    assert_eq!(st(Value::Number(404.0)), Ok(Conv::Str("404".into())));
    assert_eq!(st(Value::Number(1.5)), Ok(Conv::Str("1.5".into())));
    assert!(st(Value::Nil).unwrap_err().contains("string"));
    assert!(st(Value::Table(lua.create_table().unwrap())).is_err());
}

#[test]
fn wrong_arg_count_is_reported() {
    let fx = fixture("function ksr_request_route() end\n");
    let e = fx.engine();
    let err = e.lua.load("return pcall(KSR.setflag)").call::<(bool, String)>(()).unwrap();
    assert!(!err.0 && err.1.contains("expects 1 argument, got 0"), "{err:?}");
    let err = e.lua.load("return pcall(KSR.is_INVITE, 1)").call::<(bool, String)>(()).unwrap();
    assert!(!err.0 && err.1.contains("expects 0 arguments, got 1"), "{err:?}");
}

// --- the KSR table ---

fn groups(e: &LuaEngine) -> Vec<String> {
    let ksr: Table = e.lua.globals().get("KSR").unwrap();
    ksr.pairs::<String, Value>()
        .filter_map(|p| p.ok())
        .filter(|(_, v)| matches!(v, Value::Table(_)))
        .map(|(k, _)| k)
        .collect()
}

#[test]
fn ksr_has_core_functions_and_x() {
    let fx = fixture("function ksr_request_route() end\n");
    let e = fx.engine();
    let ok: bool = e
        .lua
        .load("return type(KSR.info) == 'function' and type(KSR.x.exit) == 'function' and type(KSR.x.drop) == 'function' and type(KSR.x.modf) == 'function' and type(KSR.setflag) == 'function'")
        .eval()
        .unwrap();
    assert!(ok);
}

#[test]
fn every_ksr_group_is_an_enabled_export_group() {
    let fx = fixture("function ksr_request_route() end\n");
    let config = fx.config();
    let enabled = exports::enabled(&config);
    let e = fx.engine();
    let gs = groups(&e);
    assert!(gs.contains(&"x".to_string()));
    for g in &gs {
        assert!(enabled.iter().any(|x| x.module == g), "KSR.{g} has no enabled export");
    }
    // And every enabled export is there.
    for x in &enabled {
        let expr = format!("return type(KSR{}{}.{}) == 'function'", if x.module.is_empty() { "" } else { "." }, x.module, x.name);
        assert!(e.lua.load(&expr).eval::<bool>().unwrap(), "{} missing", x.qualified_name());
    }
    // A group whose module the cfg does not load is absent.
    for x in exports::all() {
        if let Some(m) = exports::required_module(x.module) {
            if !config.is_loaded(m) {
                assert!(!gs.contains(&x.module.to_string()), "KSR.{} present without {m}", x.module);
            }
        }
    }
    let kx_absent: bool = e.lua.load("return KSR.kx == nil and KSR.tm == nil").eval().unwrap();
    assert!(kx_absent);
}

// --- loading ---

#[test]
fn syntax_error_names_file_and_line() {
    let fx = fixture("function ksr_request_route()\n  local x = \nend\n");
    let e = fx.factory().unwrap_err();
    assert!(e.contains(&format!("{}:3:", fx.script())), "{e}");
}

#[test]
fn missing_request_route_fails() {
    let fx = fixture("function other() end\n");
    let e = fx.factory().unwrap_err();
    assert!(e.contains("ksr_request_route"), "{e}");
}

#[test]
fn missing_script_or_module_fails_naming_the_cfg() {
    let fx = fixture("function ksr_request_route() end\n");
    std::fs::remove_file(fx.path().join("script.lua")).unwrap();
    let e = fx.factory().unwrap_err();
    assert!(e.contains("kamailio.cfg") && e.contains("script.lua"), "{e}");

    std::fs::write(fx.path().join("kamailio.cfg"), "#!KAMAILIO\ncfgengine \"lua\"\n").unwrap();
    let e = fx.factory().unwrap_err();
    assert!(e.contains("kamailio.cfg") && e.contains("app_lua"), "{e}");
}

#[test]
fn ksr_call_at_load_time_is_an_error() {
    let fx = fixture("KSR.info('hello')\nfunction ksr_request_route() end\n");
    let e = fx.factory().unwrap_err();
    assert!(e.contains("KSR.info called outside a route"), "{e}");
    assert!(e.contains(&format!("{}:1:", fx.script())), "{e}");
}

// --- running ---

#[test]
fn flags_within_one_callback() {
    let fx = fixture(
        "function ksr_request_route()\n  KSR.setflag(3)\n  if KSR.isflagset(3) then seen = 1 end\n  if not KSR.isflagset('4') then notfour = 1 end\n  if KSR.is_INVITE() and not KSR.is_BYE() then invite = 1 end\nend\n",
    );
    let e = fx.engine();
    let (r, flags, stop) = run(&e, Callback::Request);
    assert_eq!(r.unwrap(), 1);
    assert_eq!(flags, 1 << 3);
    assert_eq!(stop, Stop::No);
    assert_eq!(global_int(&e, "seen"), Some(1));
    assert_eq!(global_int(&e, "notfour"), Some(1));
    assert_eq!(global_int(&e, "invite"), Some(1));
}

/// KSR functions are C closures: they work from a coroutine too, errors
/// raised there come back through `coroutine.resume`, and an exit inside
/// one still ends the callback.
#[test]
fn ksr_calls_from_a_coroutine() {
    let fx = fixture(
        "function ksr_request_route()\n  local co = coroutine.wrap(function() KSR.setflag(5); return KSR.isflagset(5) end)\n  if co() then seen = 1 end\n\
         local ok, err = coroutine.resume(coroutine.create(function() KSR.setflag('x') end))\n\
         if not ok and string.find(err, 'argument #1', 1, true) then caught = 1 end\n\
         coroutine.wrap(function() KSR.x.exit() end)()\n  after = 1\nend\n",
    );
    let e = fx.engine();
    let (r, flags, stop) = run(&e, Callback::Request);
    assert_eq!(r.unwrap(), 0, "exit in the coroutine ends the callback");
    assert_eq!(flags, 1 << 5);
    assert_eq!(stop, Stop::Exit);
    assert_eq!(global_int(&e, "seen"), Some(1));
    assert_eq!(global_int(&e, "caught"), Some(1));
    assert_eq!(global_int(&e, "after"), None);
}

#[test]
fn return_value_is_the_code() {
    let fx = fixture(
        "function ksr_request_route() return 5 end\nfunction f2() return -2.7 end\nfunction f3() return false end\n",
    );
    let e = fx.engine();
    assert_eq!(run(&e, Callback::Request).0.unwrap(), 5);
    assert_eq!(run(&e, Callback::Named("f2")).0.unwrap(), -2);
    assert_eq!(run(&e, Callback::Named("f3")).0.unwrap(), -1);
    // Missing callbacks are code 1 and not "had".
    assert_eq!(run(&e, Callback::Named("nope")).0.unwrap(), 1);
    assert!(!e.has(Callback::Named("nope")));
    assert!(e.has(Callback::Named("f2")));
    assert!(!e.has(Callback::Reply));
}

#[test]
fn exit_unwinds_the_callback() {
    let fx = fixture(
        "function ksr_request_route()\n  before = 1\n  KSR.x.exit()\n  after = 1\nend\n\
         function caught()\n  pcall(KSR.x.exit)\n  KSR.setflag(1)\n  after2 = 1\nend\n\
         function dropper()\n  KSR.x.drop()\n  after3 = 1\nend\n\
         function setdrop()\n  KSR.set_drop()\n  after4 = 1\n  KSR.x.exit()\nend\n",
    );
    let e = fx.engine();
    let (r, _, stop) = run(&e, Callback::Request);
    assert_eq!(r.unwrap(), 0);
    assert_eq!(stop, Stop::Exit);
    assert_eq!(global_int(&e, "before"), Some(1));
    assert_eq!(global_int(&e, "after"), None);

    // A pcall cannot swallow an exit: the next KSR call unwinds again.
    let (r, flags, _) = run(&e, Callback::Named("caught"));
    assert_eq!(r.unwrap(), 0);
    assert_eq!(flags, 0);
    assert_eq!(global_int(&e, "after2"), None);

    let (r, _, stop) = run(&e, Callback::Named("dropper"));
    assert_eq!(r.unwrap(), 0);
    assert_eq!(stop, Stop::Drop);
    assert_eq!(global_int(&e, "after3"), None);

    // set_drop lets the script go on; a later exit keeps the drop.
    let (r, _, stop) = run(&e, Callback::Named("setdrop"));
    assert_eq!(r.unwrap(), 0);
    assert_eq!(stop, Stop::Drop);
    assert_eq!(global_int(&e, "after4"), Some(1));

    // The next callback starts afresh.
    let fx2 = fixture("function ksr_request_route() KSR.setflag(2) end\n");
    let e2 = fx2.engine();
    assert_eq!(run(&e2, Callback::Request).1, 1 << 2);
}

#[test]
fn runtime_error_carries_file_and_line() {
    let fx = fixture(
        "local function inner()\n  error('boom')\nend\nfunction ksr_request_route()\n  inner()\nend\n\
         function badarg()\n  KSR.setflag()\nend\nfunction badarg2()\n  KSR.setflag('x')\nend\n\
         function nilcall()\n  local t = nil\n  return t.x\nend\n\
         function badexit()\n  KSR.x.exit('now')\nend\n",
    );
    let e = fx.engine();
    let script = fx.script();
    let msg = run(&e, Callback::Request).0.unwrap_err().message;
    assert!(msg.starts_with(&format!("{script}:2: boom")), "{msg}");
    assert!(msg.contains(&format!("{script}:5:")), "traceback: {msg}");
    assert!(!msg.contains('\n'), "{msg}");

    let msg = run(&e, Callback::Named("badarg")).0.unwrap_err().message;
    assert!(msg.contains(&format!("{script}:8: KSR.setflag: expects 1 argument, got 0")), "{msg}");
    let msg = run(&e, Callback::Named("badarg2")).0.unwrap_err().message;
    assert!(msg.contains(&format!("{script}:11: KSR.setflag: argument #1")), "{msg}");
    let msg = run(&e, Callback::Named("nilcall")).0.unwrap_err().message;
    assert!(msg.contains(&format!("{script}:15:")), "{msg}");
    // through the exit wrapper: still the script's line
    let msg = run(&e, Callback::Named("badexit")).0.unwrap_err().message;
    assert!(msg.contains(&format!("{script}:18: KSR.x.exit: expects 0 arguments, got 1")), "{msg}");
}

#[test]
fn os_exit_is_an_error_not_an_exit() {
    let fx = fixture("function ksr_request_route()\n  os.exit(1)\nend\n");
    let e = fx.engine();
    let msg = run(&e, Callback::Request).0.unwrap_err().message;
    assert!(msg.contains(&format!("{}:2: os.exit() is disabled", fx.script())), "{msg}");
    // Still usable.
    assert!(run(&e, Callback::Request).0.is_err());
}

#[test]
fn event_callback_gets_the_event_name() {
    let fx = fixture_with_cfg(
        "function ksr_request_route() end\nfunction ev(name) last_event = name end\n",
        "kemi.event_route_callback=\"ev\"\nkemi.reply_route_callback=\"none\"",
    );
    let e = fx.engine();
    assert!(e.has(Callback::Event("core:worker-one-init")));
    run(&e, Callback::Event("core:worker-one-init")).0.unwrap();
    let v: String = e.lua.globals().get("last_event").unwrap();
    assert_eq!(v, "core:worker-one-init");

    // Without the param there is no event callback.
    let fx2 = fixture("function ksr_request_route() end\nfunction ksr_reply_route() end\n");
    let e2 = fx2.engine();
    assert!(!e2.has(Callback::Event("x")));
    assert!(e2.has(Callback::Reply));
}

#[test]
fn reply_callback_can_be_disabled() {
    let fx = fixture_with_cfg(
        "function ksr_request_route() end\nfunction ksr_reply_route() replied = 1 end\n",
        "kemi.reply_route_callback=\"none\"",
    );
    let e = fx.engine();
    assert!(!e.has(Callback::Reply));
    assert_eq!(run(&e, Callback::Reply).0.unwrap(), 1);
    assert_eq!(global_int(&e, "replied"), None);
}

#[test]
fn modf_calls_by_native_name() {
    let fx = fixture(
        "function ksr_request_route()\n  rc = KSR.x.modf('setflag', '6')\n  rc2 = KSR.x.modf('isflagset', 6)\nend\n\
         function missing()\n  KSR.x.modf('no_such_fn', 'a')\nend\n",
    );
    let e = fx.engine();
    let (r, flags, _) = run(&e, Callback::Request);
    r.unwrap();
    assert_eq!(flags, 1 << 6);
    assert_eq!(global_int(&e, "rc"), Some(1));
    assert_eq!(global_int(&e, "rc2"), Some(1));
    let msg = run(&e, Callback::Named("missing")).0.unwrap_err().message;
    assert!(msg.contains("no_such_fn"), "{msg}");
}

#[test]
fn erroring_every_time_does_not_grow_memory() {
    let fx = fixture(
        "function ksr_request_route()\n  local t = {}\n  for i = 1, 50 do t[i] = string.rep('x', 100) end\n  error('always ' .. #t)\nend\n",
    );
    let e = fx.engine();
    for _ in 0..200 {
        assert!(run(&e, Callback::Request).0.is_err());
    }
    e.lua.gc_collect().unwrap();
    let base = e.lua.used_memory();
    for _ in 0..3000 {
        assert!(run(&e, Callback::Request).0.is_err());
    }
    e.lua.gc_collect().unwrap();
    let after = e.lua.used_memory();
    assert!(after < base + 64 * 1024, "Lua memory grew from {base} to {after}");
}

#[test]
fn script_can_require_a_helper_beside_it() {
    let fx = fixture("local h = require('helper')\nfunction ksr_request_route() value = h.v end\n");
    std::fs::write(fx.path().join("helper.lua"), "return { v = 9 }\n").unwrap();
    let e = fx.engine();
    run(&e, Callback::Request).0.unwrap();
    assert_eq!(global_int(&e, "value"), Some(9));
}

// --- annotations ---

#[test]
fn lua_lib_annotations_match_the_export_table() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../lua-lib/ksr.lua");
    let want = annotations::generate();
    if std::env::var_os("UPDATE_KSR_LUA").is_some() {
        std::fs::write(&path, &want).unwrap();
    }
    let have = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        have == want,
        "{} is out of date with the export table: run UPDATE_KSR_LUA=1 cargo test -p switchboard-lua",
        path.display()
    );
    // It is valid Lua.
    Lua::new().load(&want).exec().unwrap();
}
