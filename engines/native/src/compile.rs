//! Compile parsed routing blocks to closures: every name (function, PV,
//! route, flag) is resolved here, once, so running a block looks nothing
//! up by string — except `route($var(x))`, whose target is only known
//! when it runs.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Arc;

use regex::{Regex, RegexBuilder};
use smallvec::SmallVec;
use switchboard_core::cfg::{CfgError, Config, Origin, RouteKind};
use switchboard_core::exports::{self, Arg, Export, Param, Ret, RetKind};
use switchboard_core::modules::core_fns::uri_is_myself;
use switchboard_core::modules::xlog;
use switchboard_core::pv::{Pv, Template};
use switchboard_core::route::{Avps, RouteCtx, RouteType, Stop, Value};
use switchboard_core::sip::{HeaderName, NameAddr};
use switchboard_core::transport::Protocol;

use crate::ast::*;
use crate::ops;

/// How a statement ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    Next,
    Break,
    Return(i32),
    /// exit, drop, `return(0)`, or a function that returned 0: the whole
    /// script ends (`ctx.stop` says whether it was a drop).
    Exit,
}

/// The script ended inside an expression.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stopped;

pub type X = Result<Value, Stopped>;
pub type ExprFn = Box<dyn Fn(&mut Exec<'_>, &mut RouteCtx<'_>) -> X + Send + Sync>;
pub type StmtFn = Box<dyn Fn(&mut Exec<'_>, &mut RouteCtx<'_>) -> Flow + Send + Sync>;

/// One compiled routing block.
pub struct Block {
    pub kind: RouteKind,
    pub name: Option<String>,
    pub origin: Origin,
    pub body: Vec<StmtFn>,
}

/// Every block of the cfg, compiled.
pub struct Program {
    pub blocks: Vec<Block>,
    /// Block index by kind and name (unnamed blocks under "").
    pub index: HashMap<RouteKind, HashMap<String, usize>>,
    pub max_while_loops: u32,
    pub max_recursive_level: u32,
    /// The blocks every message may run, found once (request_route,
    /// the core reply route, onsend_route).
    pub request: Option<usize>,
    pub reply: Option<usize>,
    pub onsend: Option<usize>,
}

impl Program {
    pub fn find(&self, kind: RouteKind, name: &str) -> Option<usize> {
        self.index.get(&kind)?.get(name).copied()
    }
}

/// The state of one run: the program and the route nesting depth.
pub struct Exec<'p> {
    pub prog: &'p Program,
    pub depth: u32,
}

impl Exec<'_> {
    /// Run block `idx` as a sub-route; its return code.
    pub fn call_route(&mut self, idx: usize, ctx: &mut RouteCtx<'_>) -> Result<i32, Stopped> {
        if self.depth >= self.prog.max_recursive_level {
            let b = &self.prog.blocks[idx];
            tracing::error!(target: "script", "{}: max_recursive_level ({}) reached calling route[{}]; the call returns -1",
                b.origin, self.prog.max_recursive_level, b.name.as_deref().unwrap_or(""));
            ctx.last_ret = -1;
            return Ok(-1);
        }
        self.depth += 1;
        let flow = run_body(&self.prog.blocks[idx].body, self, ctx);
        self.depth -= 1;
        let code = match flow {
            Flow::Next | Flow::Break => 1,
            Flow::Return(0) | Flow::Exit => return Err(stop(ctx)),
            Flow::Return(n) => n,
        };
        ctx.last_ret = code;
        Ok(code)
    }
}

/// Mark the script as ended (keeping a drop).
fn stop(ctx: &mut RouteCtx<'_>) -> Stopped {
    if ctx.stop == Stop::No {
        ctx.stop = Stop::Exit;
    }
    Stopped
}

pub fn run_body(body: &[StmtFn], ex: &mut Exec<'_>, ctx: &mut RouteCtx<'_>) -> Flow {
    for s in body {
        match s(ex, ctx) {
            Flow::Next => {}
            f => return f,
        }
    }
    Flow::Next
}

/// Compile every routing block of `config`.
pub fn compile(config: &Config) -> Result<Program, CfgError> {
    let mut index: HashMap<RouteKind, HashMap<String, usize>> = HashMap::new();
    for (i, b) in config.routes.iter().enumerate() {
        // The unnamed onreply_route is the core reply route.
        let kind = match (b.kind, &b.name) {
            (RouteKind::OnReply, None) => RouteKind::Reply,
            (k, _) => k,
        };
        index.entry(kind).or_default().insert(b.name.clone().unwrap_or_default(), i);
    }
    let exports = exports::enabled(config);
    let flags: HashMap<String, u32> = config.flags.iter().cloned().collect();
    // `avpflags A, B;`: bits 0, 1, ... of each AVP value's flags.
    let avpflags: HashMap<String, u32> = config.avpflags.iter().enumerate().map(|(i, n)| (n.clone(), i as u32)).collect();
    let mut blocks = Vec::with_capacity(config.routes.len());
    for b in &config.routes {
        let cx = Cx {
            exports: &exports,
            flags: &flags,
            avpflags: &avpflags,
            index: &index,
            route_bit: route_bit(b.kind, b.name.as_deref()),
        };
        let stmts = crate::parse::parse_block(&b.tokens, &b.origin)?;
        let body = cx.stmts(&stmts, false)?;
        blocks.push(Block { kind: b.kind, name: b.name.clone(), origin: b.origin.clone(), body });
    }
    let unnamed = |k: RouteKind| index.get(&k).and_then(|m| m.get("")).copied();
    let (request, reply, onsend) = (unnamed(RouteKind::Request), unnamed(RouteKind::Reply), unnamed(RouteKind::OnSend));
    Ok(Program {
        blocks,
        index,
        max_while_loops: config.globals.max_while_loops,
        max_recursive_level: config.globals.max_recursive_level,
        request,
        reply,
        onsend,
    })
}

/// Compile-time context: one block.
struct Cx<'c> {
    exports: &'c [&'static Export],
    flags: &'c HashMap<String, u32>,
    avpflags: &'c HashMap<String, u32>,
    index: &'c HashMap<RouteKind, HashMap<String, usize>>,
    /// The route type the block runs as (`Export::routes` bit); None for
    /// `route[NAME]`, which any block may call.
    route_bit: Option<u8>,
}

/// The route type a block runs as, for checking where functions may be
/// used (as Kamailio does at start).
fn route_bit(kind: RouteKind, name: Option<&str>) -> Option<u8> {
    Some(match kind {
        RouteKind::Request => RouteType::Request.bit(),
        RouteKind::Route => return None,
        RouteKind::Failure => RouteType::Failure.bit(),
        RouteKind::OnReply | RouteKind::Reply => RouteType::Reply.bit(),
        RouteKind::Branch => RouteType::Branch.bit(),
        RouteKind::OnSend => RouteType::OnSend.bit(),
        RouteKind::Event if name.is_some_and(|n| n.starts_with("tm:branch-failure")) => RouteType::BranchFailure.bit(),
        RouteKind::Event => RouteType::Event.bit(),
    })
}

fn err(o: &Origin, m: impl Into<String>) -> CfgError {
    CfgError::at(o, m)
}

/// Functions whose string argument names a routing block, and the kind
/// (and name prefix) of that block: checked at load.
fn route_param(name: &str) -> Option<(RouteKind, &'static str)> {
    Some(match name {
        "t_on_failure" => (RouteKind::Failure, ""),
        "t_on_branch" => (RouteKind::Branch, ""),
        "t_on_reply" => (RouteKind::OnReply, ""),
        "t_on_branch_failure" => (RouteKind::Event, "tm:branch-failure:"),
        _ => return None,
    })
}

/// Where an argument's value comes from.
enum ArgSrc {
    Int(i64),
    Str(String),
    /// A string argument with pseudo-variables, formatted per call.
    Tpl(Template),
    /// A `Param::Fmt` argument: handed over compiled.
    Fmt(Template),
    /// Any other expression, converted to the parameter's type.
    Expr(ExprFn, Param),
}

impl Cx<'_> {
    fn stmts(&self, list: &[Stmt], in_loop: bool) -> Result<Vec<StmtFn>, CfgError> {
        list.iter().map(|s| self.stmt(s, in_loop)).collect()
    }

    fn stmt(&self, s: &Stmt, in_loop: bool) -> Result<StmtFn, CfgError> {
        let o = s.origin.clone();
        Ok(match &s.kind {
            StmtKind::Expr(e) => {
                let f = self.expr(e)?;
                Box::new(move |ex, ctx| match f(ex, ctx) {
                    Ok(_) => Flow::Next,
                    Err(Stopped) => Flow::Exit,
                })
            }
            StmtKind::If(cond, then, els) => {
                let c = self.expr(cond)?;
                let t = self.stmts(then, in_loop)?;
                let e = match els {
                    Some(e) => self.stmts(e, in_loop)?,
                    None => Vec::new(),
                };
                Box::new(move |ex, ctx| match c(ex, ctx) {
                    Err(Stopped) => Flow::Exit,
                    Ok(v) if ops::truthy(&v) => run_body(&t, ex, ctx),
                    Ok(_) => run_body(&e, ex, ctx),
                })
            }
            StmtKind::While(cond, body) => {
                let c = self.expr(cond)?;
                let b = self.stmts(body, true)?;
                Box::new(move |ex, ctx| {
                    let max = ex.prog.max_while_loops;
                    let mut n = 0u32;
                    loop {
                        match c(ex, ctx) {
                            Err(Stopped) => return Flow::Exit,
                            Ok(v) if !ops::truthy(&v) => return Flow::Next,
                            Ok(_) => {}
                        }
                        n += 1;
                        // 0 disables the limit, as in Kamailio.
                        if max > 0 && n > max {
                            tracing::error!(target: "script", "{o}: while loop stopped after max_while_loops ({max}) iterations");
                            return Flow::Next;
                        }
                        match run_body(&b, ex, ctx) {
                            Flow::Next => {}
                            Flow::Break => return Flow::Next,
                            f => return f,
                        }
                    }
                })
            }
            StmtKind::Switch(value, cases) => self.switch(value, cases, in_loop)?,
            StmtKind::Return(v) => match v {
                None => Box::new(|_, _| Flow::Return(1)),
                Some(e) => {
                    let f = self.expr(e)?;
                    Box::new(move |ex, ctx| match f(ex, ctx) {
                        Ok(v) => Flow::Return(v.as_int() as i32),
                        Err(Stopped) => Flow::Exit,
                    })
                }
            },
            StmtKind::Exit => Box::new(|_, ctx| {
                stop(ctx);
                Flow::Exit
            }),
            StmtKind::Drop => Box::new(|_, ctx| {
                ctx.stop = Stop::Drop;
                Flow::Exit
            }),
            StmtKind::Break => {
                if !in_loop {
                    return Err(err(&o, "'break' outside a switch or while"));
                }
                Box::new(|_, _| Flow::Break)
            }
            StmtKind::Assign { pv, value, all } => {
                let mut target = Pv::parse(pv).map_err(|m| err(&o, format!("{pv}: {m}")))?;
                if !target.is_writable() {
                    return Err(err(&o, format!("{pv} is read-only: it cannot be assigned")));
                }
                if *all && matches!(target.kind, switchboard_core::pv::Kind::Avp(_)) {
                    target.index = switchboard_core::pv::Index::All;
                }
                let f = self.expr(value)?;
                Box::new(move |ex, ctx| match f(ex, ctx) {
                    Err(Stopped) => Flow::Exit,
                    Ok(v) => {
                        if let Err(m) = target.set(ctx, v) {
                            tracing::error!(target: "script", "{o}: cannot assign {}: {m}", target.text);
                        }
                        Flow::Next
                    }
                })
            }
        })
    }

    fn switch(&self, value: &Expr, cases: &[Case], in_loop: bool) -> Result<StmtFn, CfgError> {
        enum Label {
            Int(i64),
            Str(String),
            Re(Regex),
            Default,
        }
        let v = self.expr(value)?;
        let mut labels = Vec::new();
        let mut bodies = Vec::new();
        for c in cases {
            labels.push(match &c.label {
                CaseLabel::Int(i) => Label::Int(*i),
                CaseLabel::Str(s) => Label::Str(s.clone()),
                CaseLabel::Regex(r) => Label::Re(regex(r).map_err(|m| err(&c.origin, m))?),
                CaseLabel::Default => Label::Default,
            });
            // `break` inside a switch leaves the switch, even in a loop.
            bodies.push(self.stmts(&c.body, true)?);
        }
        let _ = in_loop;
        Ok(Box::new(move |ex, ctx| {
            let val = match v(ex, ctx) {
                Ok(v) => v,
                Err(Stopped) => return Flow::Exit,
            };
            let text = ops::as_str(&val);
            let hit = labels.iter().position(|l| match l {
                Label::Int(i) => val.as_int() == *i && !matches!(&val, Value::Str(s) if s.trim().parse::<i64>().is_err()),
                Label::Str(s) => text == s.as_str(),
                Label::Re(r) => r.is_match(&text),
                Label::Default => false,
            });
            let Some(start) = hit.or_else(|| labels.iter().position(|l| matches!(l, Label::Default))) else {
                return Flow::Next;
            };
            for b in &bodies[start..] {
                match run_body(b, ex, ctx) {
                    Flow::Next => {}
                    Flow::Break => return Flow::Next,
                    f => return f,
                }
            }
            Flow::Next
        }))
    }

    fn expr(&self, e: &Expr) -> Result<ExprFn, CfgError> {
        let o = &e.origin;
        Ok(match &e.kind {
            ExprKind::Int(i) => {
                let i = *i;
                Box::new(move |_, _| Ok(Value::Int(i)))
            }
            ExprKind::Str(s) => {
                let s = s.clone();
                Box::new(move |_, _| Ok(Value::Str(s.clone())))
            }
            ExprKind::Pv(name) => {
                let pv = Pv::parse(name).map_err(|m| err(o, format!("{name}: {m}")))?;
                Box::new(move |_, ctx| Ok(pv.get(ctx)))
            }
            ExprKind::Keyword(k) => keyword(*k),
            ExprKind::Myself => return Err(err(o, "'myself' can only be compared (uri == myself)")),
            ExprKind::Word(w) => {
                let v = word_value(w);
                Box::new(move |_, _| Ok(v.clone()))
            }
            ExprKind::Net(..) => return Err(err(o, "a network (address/bits) can only be compared with src_ip or dst_ip")),
            ExprKind::Call(name, args) => self.call(name, args, o)?,
            ExprKind::Route(target) => self.route_call(target, o)?,
            ExprKind::Unary(op, a) => self.unary(*op, a)?,
            ExprKind::Binary(op, a, b) => self.binary(*op, a, b)?,
            ExprKind::Selval(c, a, b) => {
                let (c, a, b) = (self.expr(c)?, self.expr(a)?, self.expr(b)?);
                Box::new(move |ex, ctx| if ops::truthy(&c(ex, ctx)?) { a(ex, ctx) } else { b(ex, ctx) })
            }
        })
    }

    fn unary(&self, op: UnOp, a: &Expr) -> Result<ExprFn, CfgError> {
        if op == UnOp::Defined && !matches!(a.kind, ExprKind::Pv(_)) {
            // Only a variable can be undefined.
            return Ok(Box::new(|_, _| Ok(Value::Int(1))));
        }
        let f = self.expr(a)?;
        Ok(match op {
            UnOp::Not => Box::new(move |ex, ctx| Ok(ops::bool_val(!ops::truthy(&f(ex, ctx)?)))),
            UnOp::Neg => Box::new(move |ex, ctx| Ok(Value::Int(f(ex, ctx)?.as_int().wrapping_neg()))),
            UnOp::BitNot => Box::new(move |ex, ctx| Ok(Value::Int(!f(ex, ctx)?.as_int()))),
            UnOp::IntCast => Box::new(move |ex, ctx| Ok(Value::Int(f(ex, ctx)?.as_int()))),
            UnOp::StrCast => Box::new(move |ex, ctx| Ok(Value::Str(ops::as_str(&f(ex, ctx)?).into_owned()))),
            UnOp::Defined => Box::new(move |ex, ctx| Ok(ops::bool_val(!f(ex, ctx)?.is_null()))),
            UnOp::Strlen => Box::new(move |ex, ctx| Ok(Value::Int(ops::as_str(&f(ex, ctx)?).len() as i64))),
            UnOp::Strempty => Box::new(move |ex, ctx| Ok(ops::bool_val(ops::as_str(&f(ex, ctx)?).is_empty()))),
        })
    }

    fn binary(&self, op: BinOp, a: &Expr, b: &Expr) -> Result<ExprFn, CfgError> {
        use BinOp::*;
        let negate = matches!(op, Ne | NoMatch | StrNe);
        // Special forms: myself, networks, method names, regexes.
        if matches!(op, Eq | Ne) {
            if let Some(f) = self.special_eq(a, b)? {
                return Ok(if negate { Box::new(move |ex, ctx| Ok(ops::bool_val(!ops::truthy(&f(ex, ctx)?)))) } else { f });
            }
        }
        let fa = self.expr(a)?;
        if matches!(op, Match | NoMatch) {
            if let ExprKind::Str(re) = &b.kind {
                let re = regex(re).map_err(|m| err(&b.origin, m))?;
                return Ok(Box::new(move |ex, ctx| {
                    let v = fa(ex, ctx)?;
                    Ok(ops::bool_val(re.is_match(&ops::as_str(&v)) != negate))
                }));
            }
            let fb = self.expr(b)?;
            let o = b.origin.clone();
            return Ok(Box::new(move |ex, ctx| {
                let v = fa(ex, ctx)?;
                let r = fb(ex, ctx)?;
                match regex(&ops::as_str(&r)) {
                    Ok(re) => Ok(ops::bool_val(re.is_match(&ops::as_str(&v)) != negate)),
                    Err(m) => {
                        tracing::error!(target: "script", "{o}: {m}");
                        Ok(Value::Int(0))
                    }
                }
            }));
        }
        if let (Eq | Ne | StrEq | StrNe, Some(c)) = (op, constant(b)) {
            // A literal on the right: compared in place, not rebuilt per run.
            let text = ops::as_str(&c).into_owned();
            return Ok(match op {
                Eq | Ne => Box::new(move |ex, ctx| Ok(ops::bool_val(ops::equal(&fa(ex, ctx)?, &c) != negate))),
                _ => Box::new(move |ex, ctx| Ok(ops::bool_val((ops::as_str(&fa(ex, ctx)?) == text.as_str()) != negate))),
            });
        }
        let fb = self.expr(b)?;
        let o = b.origin.clone();
        Ok(match op {
            And => Box::new(move |ex, ctx| Ok(ops::bool_val(ops::truthy(&fa(ex, ctx)?) && ops::truthy(&fb(ex, ctx)?)))),
            Or => Box::new(move |ex, ctx| Ok(ops::bool_val(ops::truthy(&fa(ex, ctx)?) || ops::truthy(&fb(ex, ctx)?)))),
            Eq | Ne => Box::new(move |ex, ctx| {
                let (x, y) = (fa(ex, ctx)?, fb(ex, ctx)?);
                Ok(ops::bool_val(ops::equal(&x, &y) != negate))
            }),
            StrEq | StrNe => Box::new(move |ex, ctx| {
                let (x, y) = (fa(ex, ctx)?, fb(ex, ctx)?);
                Ok(ops::bool_val((ops::as_str(&x) == ops::as_str(&y)) != negate))
            }),
            Add => Box::new(move |ex, ctx| {
                let x = fa(ex, ctx)?;
                Ok(ops::add(x, &fb(ex, ctx)?))
            }),
            _ => Box::new(move |ex, ctx| {
                let (x, y) = (fa(ex, ctx)?.as_int(), fb(ex, ctx)?.as_int());
                match ops::arith(op, x, y) {
                    Some(r) => Ok(Value::Int(r)),
                    None => {
                        tracing::error!(target: "script", "{o}: division by zero");
                        Ok(Value::Int(0))
                    }
                }
            }),
        })
    }

    /// `x == myself`, `src_ip == 10.0.0.0/8`, `src_ip == 1.2.3.4`,
    /// `method == "invite"`, `uri == "sip:..."` (the method and the URI
    /// keywords compare case-insensitively, as Kamailio's comp_str).
    fn special_eq(&self, a: &Expr, b: &Expr) -> Result<Option<ExprFn>, CfgError> {
        let (a, b) = if matches!(a.kind, ExprKind::Myself) { (b, a) } else { (a, b) };
        let ip_side = matches!(a.kind, ExprKind::Keyword(Keyword::SrcIp | Keyword::DstIp));
        match &b.kind {
            ExprKind::Myself => {
                let f = self.expr(a)?;
                return Ok(Some(if ip_side {
                    Box::new(move |ex, ctx| {
                        let ip = ops::as_str(&f(ex, ctx)?).parse::<IpAddr>().ok();
                        Ok(ops::bool_val(ip.is_some_and(|ip| ctx.shared.myself.matches_ip(ip))))
                    })
                } else {
                    Box::new(move |ex, ctx| {
                        let v = f(ex, ctx)?;
                        let s = ops::as_str(&v);
                        let mine = if s.contains(':') && uri_is_myself(ctx, &s) {
                            true
                        } else {
                            ctx.shared.myself.matches(s.trim(), None, None)
                        };
                        Ok(ops::bool_val(mine))
                    })
                }));
            }
            ExprKind::Net(net, bits) if ip_side => {
                let net: IpAddr = net.parse().map_err(|_| err(&b.origin, format!("bad network address {net}")))?;
                let bits = *bits;
                let f = self.expr(a)?;
                return Ok(Some(Box::new(move |ex, ctx| {
                    let ip = ops::as_str(&f(ex, ctx)?).parse::<IpAddr>().ok();
                    Ok(ops::bool_val(ip.is_some_and(|ip| in_net(ip, net, bits))))
                })));
            }
            ExprKind::Word(w) if ip_side && w.parse::<IpAddr>().is_ok() => {
                let want: IpAddr = w.parse().unwrap();
                let f = self.expr(a)?;
                return Ok(Some(Box::new(move |ex, ctx| {
                    let ip = ops::as_str(&f(ex, ctx)?).parse::<IpAddr>().ok();
                    Ok(ops::bool_val(ip == Some(want)))
                })));
            }
            _ => {}
        }
        if matches!(a.kind, ExprKind::Keyword(Keyword::Method | Keyword::Uri | Keyword::FromUri | Keyword::ToUri)) {
            let (fa, fb) = (self.expr(a)?, self.expr(b)?);
            return Ok(Some(Box::new(move |ex, ctx| {
                let (x, y) = (fa(ex, ctx)?, fb(ex, ctx)?);
                Ok(ops::bool_val(ops::as_str(&x).eq_ignore_ascii_case(&ops::as_str(&y))))
            })));
        }
        Ok(None)
    }

    fn route_call(&self, target: &RouteTarget, o: &Origin) -> Result<ExprFn, CfgError> {
        Ok(match target {
            RouteTarget::Name(n) => {
                let idx = self
                    .index
                    .get(&RouteKind::Route)
                    .and_then(|m| m.get(n))
                    .copied()
                    .ok_or_else(|| err(o, format!("route({n}): there is no route[{n}] block")))?;
                Box::new(move |ex, ctx| ex.call_route(idx, ctx).map(|c| ops::bool_val(c > 0)))
            }
            RouteTarget::Dynamic(e) => {
                let f = self.expr(e)?;
                let o = o.clone();
                Box::new(move |ex, ctx| {
                    let name = f(ex, ctx)?;
                    let name = ops::as_str(&name);
                    match ex.prog.find(RouteKind::Route, &name) {
                        Some(idx) => ex.call_route(idx, ctx).map(|c| ops::bool_val(c > 0)),
                        None => {
                            tracing::error!(target: "script", "{o}: route({name}): there is no route[{name}] block");
                            ctx.last_ret = -1;
                            Ok(Value::Int(0))
                        }
                    }
                })
            }
        })
    }

    fn call(&self, name: &str, args: &[Expr], o: &Origin) -> Result<ExprFn, CfgError> {
        if name == "log" {
            return self.log_call(args, o);
        }
        if matches!(name, "setavpflag" | "resetavpflag" | "isavpflagset") {
            return self.avpflag_call(name, args, o);
        }
        let candidates: Vec<&'static Export> = self.exports.iter().copied().filter(|e| e.native.contains(&name)).collect();
        if candidates.is_empty() {
            let hint = match exports::by_native(name).next() {
                Some(e) => format!(" (it needs loadmodule \"{}.so\")", exports::required_module(e.module).unwrap_or(e.module)),
                None => String::new(),
            };
            return Err(err(o, format!("unknown function '{name}'{hint}")));
        }
        let Some(e) = candidates.iter().copied().find(|e| e.params.len() == args.len()) else {
            let mut n: Vec<String> = candidates.iter().map(|e| e.params.len().to_string()).collect();
            n.sort();
            n.dedup();
            return Err(err(o, format!("{name}() takes {} parameter(s), {} given", n.join(" or "), args.len())));
        };
        if let Some(bit) = self.route_bit {
            if e.routes & bit == 0 {
                return Err(err(o, format!("{name}() cannot be used in this kind of routing block")));
            }
        }
        if let (Some((kind, prefix)), Some(Expr { kind: ExprKind::Str(r) | ExprKind::Word(r), origin })) =
            (route_param(name), args.first())
        {
            if !r.contains('$') && self.index.get(&kind).and_then(|m| m.get(&format!("{prefix}{r}"))).is_none() {
                return Err(err(origin, format!("{name}(\"{r}\"): there is no {}[{prefix}{r}] block", kind.keyword())));
            }
        }
        let srcs = e
            .params
            .iter()
            .zip(args)
            .enumerate()
            .map(|(i, (p, a))| self.arg(name, i + 1, *p, a))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(call_fn(e, srcs))
    }

    /// One argument: constants are converted now, the rest per call.
    fn arg(&self, fname: &str, pos: usize, p: Param, a: &Expr) -> Result<ArgSrc, CfgError> {
        let bad = |what: &str| err(&a.origin, format!("{fname}(): parameter {pos} must be {what}"));
        Ok(match (p, &a.kind) {
            (Param::Int, ExprKind::Int(i)) => ArgSrc::Int(*i),
            (Param::Int, ExprKind::Str(s)) => match s.trim().parse() {
                Ok(i) => ArgSrc::Int(i),
                Err(_) if !Template::parse(s).is_static() => ArgSrc::Expr(tpl_expr(Template::parse(s)), p),
                Err(_) => return Err(bad(&format!("an integer (found \"{s}\")"))),
            },
            (Param::Int, ExprKind::Word(w)) => match self.flags.get(w) {
                Some(f) => ArgSrc::Int(i64::from(*f)),
                None => return Err(bad(&format!("an integer or a declared flag name (found {w})"))),
            },
            (Param::Str, ExprKind::Str(s)) => {
                let t = Template::parse(s);
                if t.is_static() {
                    ArgSrc::Str(s.clone())
                } else {
                    ArgSrc::Tpl(t)
                }
            }
            (Param::Fmt, ExprKind::Str(s)) => ArgSrc::Fmt(Template::parse(s)),
            (Param::Str | Param::Fmt, ExprKind::Int(i)) => ArgSrc::Str(i.to_string()),
            (Param::Str | Param::Fmt, ExprKind::Word(w)) => ArgSrc::Str(w.clone()),
            _ => ArgSrc::Expr(self.expr(a)?, p),
        })
    }

    /// Core `log(text)` (at L_DBG) and `log(level, text)`.
    fn log_call(&self, args: &[Expr], o: &Origin) -> Result<ExprFn, CfgError> {
        let (level, text) = match args {
            [t] => (xlog::L_DBG, t),
            [l, t] => {
                let level = match &l.kind {
                    ExprKind::Int(i) => *i as i32,
                    ExprKind::Str(s) | ExprKind::Word(s) => {
                        xlog::parse_level(s).ok_or_else(|| err(&l.origin, format!("log(): unknown level {s}")))?
                    }
                    _ => return Err(err(&l.origin, "log(): the level must be a constant")),
                };
                (level, t)
            }
            _ => return Err(err(o, format!("log() takes 1 or 2 parameters, {} given", args.len()))),
        };
        let f = self.expr(text)?;
        Ok(Box::new(move |ex, ctx| {
            xlog::script_log(level, &ops::as_str(&f(ex, ctx)?));
            ctx.last_ret = 1;
            Ok(Value::Int(1))
        }))
    }
}

impl Cx<'_> {
    /// Core `setavpflag($avp(x), FLAG)`, `resetavpflag` and `isavpflagset`
    /// (FLAG: a name from `avpflags`, or its number): on the newest value,
    /// or `$(avp(x)[i])`. 1 done / set, -1 no such AVP / not set.
    fn avpflag_call(&self, name: &str, args: &[Expr], o: &Origin) -> Result<ExprFn, CfgError> {
        use switchboard_core::pv::{Index, Kind};
        let [avp, flag] = args else {
            return Err(err(o, format!("{name}() takes 2 parameters, {} given", args.len())));
        };
        let not_avp = || err(&avp.origin, format!("{name}(): parameter 1 must be an AVP ($avp(name))"));
        let ExprKind::Pv(text) = &avp.kind else { return Err(not_avp()) };
        let pv = Pv::parse(text).map_err(|m| err(&avp.origin, format!("{text}: {m}")))?;
        let (Kind::Avp(avp_name), index) = (pv.kind, pv.index) else { return Err(not_avp()) };
        let idx = match index {
            Index::None => 0,
            Index::At(i) if i >= 0 => i as usize,
            _ => return Err(err(&avp.origin, format!("{name}(): one AVP value, not {text}"))),
        };
        let bit = match &flag.kind {
            ExprKind::Int(i) if (0..32).contains(i) => *i as u32,
            ExprKind::Word(w) | ExprKind::Str(w) => match self.avpflags.get(w) {
                Some(b) => *b,
                None => return Err(err(&flag.origin, format!("{name}(): {w} is not declared with avpflags"))),
            },
            _ => return Err(err(&flag.origin, format!("{name}(): parameter 2 must be an avpflags name"))),
        };
        type Op = fn(&mut Avps, &str, usize, u32) -> bool;
        let op: Op = match name {
            "setavpflag" => |a, n, i, b| a.set_flag(n, i, b, true),
            "resetavpflag" => |a, n, i, b| a.set_flag(n, i, b, false),
            _ => |a, n, i, b| a.flag_is_set(n, i, b),
        };
        Ok(Box::new(move |_, ctx| {
            let done = op(&mut ctx.avps, &avp_name, idx, bit);
            let code = if done { 1 } else { -1 };
            ctx.last_ret = code;
            Ok(ops::bool_val(done))
        }))
    }
}

/// The value of a literal operand.
fn constant(e: &Expr) -> Option<Value> {
    match &e.kind {
        ExprKind::Int(i) => Some(Value::Int(*i)),
        ExprKind::Str(s) => Some(Value::Str(s.clone())),
        _ => None,
    }
}

fn tpl_expr(t: Template) -> ExprFn {
    Box::new(move |_, ctx| Ok(Value::Str(t.eval(ctx))))
}

/// The closure that calls export `e`: arguments are built on the stack,
/// the return code becomes `$rc`, and 0 ends the script (Kamailio's rule).
fn call_fn(e: &'static Export, srcs: Vec<ArgSrc>) -> ExprFn {
    Box::new(move |ex, ctx| {
        // Values computed for this call, then borrowed by the arguments.
        let mut tmp: SmallVec<[String; 4]> = SmallVec::new();
        let mut ints: SmallVec<[i64; 4]> = SmallVec::new();
        for s in &srcs {
            match s {
                ArgSrc::Tpl(t) => tmp.push(t.eval(ctx)),
                ArgSrc::Expr(f, Param::Int) => ints.push(f(ex, ctx)?.as_int()),
                ArgSrc::Expr(f, _) => tmp.push(ops::as_str(&f(ex, ctx)?).into_owned()),
                _ => {}
            }
        }
        let (mut ti, mut ii) = (0, 0);
        let args: SmallVec<[Arg<'_>; 4]> = srcs
            .iter()
            .map(|s| match s {
                ArgSrc::Int(i) => Arg::Int(*i),
                ArgSrc::Str(s) => Arg::Str(s),
                ArgSrc::Fmt(t) => Arg::Fmt(t),
                ArgSrc::Tpl(_) | ArgSrc::Expr(_, Param::Str | Param::Fmt) => {
                    ti += 1;
                    Arg::Str(&tmp[ti - 1])
                }
                ArgSrc::Expr(_, Param::Int) => {
                    ii += 1;
                    Arg::Int(ints[ii - 1])
                }
            })
            .collect();
        let (ret, _) = exports::invoke(e, ctx, &args);
        match e.ret {
            RetKind::Int | RetKind::Bool => {
                let code = ret.code();
                ctx.last_ret = code.clamp(i32::MIN as i64, i32::MAX as i64) as i32;
                if code == 0 {
                    return Err(stop(ctx));
                }
                Ok(ops::bool_val(code > 0))
            }
            RetKind::Str | RetKind::Xval => {
                ctx.last_ret = ret.code() as i32;
                Ok(match ret {
                    Ret::Int(i) => Value::Int(i),
                    Ret::Str(s) => Value::Str(s),
                    Ret::Null => Value::Null,
                })
            }
        }
    })
}

/// A value written as a bare word: protocol and address-family names are
/// the numbers `proto` and `af` give; anything else is its text.
fn word_value(w: &str) -> Value {
    match w {
        "UDP" | "udp" => Value::Int(proto_code(Protocol::Udp)),
        "TCP" | "tcp" => Value::Int(proto_code(Protocol::Tcp)),
        "TLS" | "tls" => Value::Int(proto_code(Protocol::Tls)),
        "SCTP" | "sctp" => Value::Int(proto_code(Protocol::Sctp)),
        "WS" | "ws" => Value::Int(proto_code(Protocol::Ws)),
        "WSS" | "wss" => Value::Int(proto_code(Protocol::Wss)),
        "INET" | "inet" => Value::Int(AF_INET),
        "INET6" | "inet6" => Value::Int(AF_INET6),
        _ => Value::Str(w.to_string()),
    }
}

const AF_INET: i64 = 2;
const AF_INET6: i64 = 10;

fn proto_code(p: Protocol) -> i64 {
    p.code()
}

fn keyword(k: Keyword) -> ExprFn {
    fn addr_uri(ctx: &RouteCtx<'_>, h: HeaderName) -> Value {
        match ctx.msg.header(h).map(NameAddr::parse) {
            Some(Ok(na)) => Value::Str(na.uri().as_str().to_string()),
            _ => Value::Null,
        }
    }
    match k {
        Keyword::Method => Box::new(|_, ctx| {
            Ok(match ctx.msg.method_str() {
                Some(m) => Value::Str(m.to_string()),
                None => match ctx.msg.cseq() {
                    Some(Ok(c)) => Value::Str(c.method_raw.to_string()),
                    _ => Value::Null,
                },
            })
        }),
        Keyword::Uri => Box::new(|_, ctx| Ok(if ctx.msg.is_request() { Value::Str(ctx.ruri().to_string()) } else { Value::Null })),
        Keyword::FromUri => Box::new(|_, ctx| Ok(addr_uri(ctx, HeaderName::From))),
        Keyword::ToUri => Box::new(|_, ctx| Ok(addr_uri(ctx, HeaderName::To))),
        Keyword::SrcIp => Box::new(|_, ctx| Ok(Value::Str(ctx.info.src.ip().to_string()))),
        Keyword::SrcPort => Box::new(|_, ctx| Ok(Value::Int(i64::from(ctx.info.src.port())))),
        Keyword::DstIp => Box::new(|_, ctx| Ok(Value::Str(ctx.info.local.ip().to_string()))),
        Keyword::DstPort => Box::new(|_, ctx| Ok(Value::Int(i64::from(ctx.info.local.port())))),
        Keyword::Proto => Box::new(|_, ctx| Ok(Value::Int(proto_code(ctx.info.proto)))),
        Keyword::Af => Box::new(|_, ctx| Ok(Value::Int(if ctx.info.src.is_ipv4() { AF_INET } else { AF_INET6 }))),
        Keyword::Status => Box::new(|_, ctx| {
            Ok(match ctx.msg.status() {
                Some(s) => Value::Int(i64::from(s)),
                None => ctx.last_reply_status.map_or(Value::Null, |s| Value::Int(i64::from(s))),
            })
        }),
        Keyword::MsgLen => Box::new(|_, ctx| Ok(Value::Int(ctx.msg.raw().len() as i64))),
        Keyword::RetCode => Box::new(|_, ctx| Ok(Value::Int(i64::from(ctx.last_ret)))),
    }
}

/// `=~`: POSIX extended, case-insensitive, as Kamailio compiles it.
fn regex(re: &str) -> Result<Regex, String> {
    RegexBuilder::new(re).case_insensitive(true).build().map_err(|e| format!("bad regular expression \"{re}\": {e}"))
}

pub(crate) fn in_net(ip: IpAddr, net: IpAddr, bits: u8) -> bool {
    match (ip, net) {
        (IpAddr::V4(a), IpAddr::V4(n)) => {
            let mask = if bits == 0 { 0 } else { u32::MAX << (32 - u32::from(bits.min(32))) };
            u32::from(a) & mask == u32::from(n) & mask
        }
        (IpAddr::V6(a), IpAddr::V6(n)) => {
            let mask = if bits == 0 { 0 } else { u128::MAX << (128 - u32::from(bits.min(128))) };
            u128::from(a) & mask == u128::from(n) & mask
        }
        _ => false,
    }
}

/// The compiled program, shared by every worker.
pub type Shared = Arc<Program>;
