//! The parsed form of a routing block, before compilation. Every node
//! keeps the origin (file:line) its errors are reported at.

use switchboard_core::cfg::Origin;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinOp {
    Or,
    And,
    BitOr,
    BitAnd,
    BitXor,
    Shl,
    Shr,
    Eq,
    Ne,
    Match,
    NoMatch,
    /// `ieq` / `ine`: compare as integers.
    IntEq,
    IntNe,
    /// `eq` / `ne`: compare as strings.
    StrEq,
    StrNe,
    Lt,
    Gt,
    Le,
    Ge,
    Add,
    Sub,
    Mul,
    Div,
    Mod,
}

impl BinOp {
    /// Binding strength (higher binds tighter), as in Kamailio's grammar:
    /// `||` < `&&` < `|` < `&` < `^` < shifts < equality/match <
    /// relational < `+ -` < `* / %`.
    pub fn precedence(self) -> u8 {
        use BinOp::*;
        match self {
            Or => 1,
            And => 2,
            BitOr => 3,
            BitAnd => 4,
            BitXor => 5,
            Shl | Shr => 6,
            Eq | Ne | Match | NoMatch | IntEq | IntNe | StrEq | StrNe => 7,
            Lt | Gt | Le | Ge => 8,
            Add | Sub => 9,
            Mul | Div | Mod => 10,
        }
    }

    pub fn from_token(p: &str) -> Option<BinOp> {
        use BinOp::*;
        Some(match p {
            "||" => Or,
            "&&" => And,
            "|" => BitOr,
            "&" => BitAnd,
            "^" => BitXor,
            "<<" => Shl,
            ">>" => Shr,
            "==" => Eq,
            "!=" => Ne,
            "=~" => Match,
            "!~" => NoMatch,
            "ieq" => IntEq,
            "ine" => IntNe,
            "eq" => StrEq,
            "ne" => StrNe,
            "<" => Lt,
            ">" => Gt,
            "<=" => Le,
            ">=" => Ge,
            "+" => Add,
            "-" => Sub,
            "*" => Mul,
            "/" => Div,
            "%" | "mod" => Mod,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnOp {
    Not,
    Neg,
    BitNot,
    IntCast,
    StrCast,
    Defined,
    Strlen,
    Strempty,
}

/// Core keywords usable in expressions (`method == "INVITE"`, ...).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Keyword {
    Method,
    Uri,
    FromUri,
    ToUri,
    SrcIp,
    SrcPort,
    DstIp,
    DstPort,
    Proto,
    Af,
    Status,
    MsgLen,
    RetCode,
}

impl Keyword {
    pub fn from_ident(s: &str) -> Option<Keyword> {
        use Keyword::*;
        Some(match s {
            "method" => Method,
            "uri" => Uri,
            "from_uri" => FromUri,
            "to_uri" => ToUri,
            "src_ip" => SrcIp,
            "src_port" => SrcPort,
            "dst_ip" => DstIp,
            "dst_port" => DstPort,
            "proto" => Proto,
            "af" => Af,
            "status" => Status,
            "retcode" => RetCode,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum ExprKind {
    Int(i64),
    Str(String),
    /// A pseudo-variable as written (`$rU`, `$(avp(x)[*])`).
    Pv(String),
    Keyword(Keyword),
    /// `myself`.
    Myself,
    /// A bare word that is not a keyword: a flag name, an unquoted string
    /// argument, an IP address (`10.0.0.1`), `INET`, `UDP`, ...
    Word(String),
    /// `10.0.0.0/8`: only meaningful compared with src_ip/dst_ip.
    Net(String, u8),
    Call(String, Vec<Expr>),
    /// `route(NAME)` or `route($var(x))` used as a value.
    Route(Box<RouteTarget>),
    Unary(UnOp, Box<Expr>),
    Binary(BinOp, Box<Expr>, Box<Expr>),
    Selval(Box<Expr>, Box<Expr>, Box<Expr>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Expr {
    pub kind: ExprKind,
    pub origin: Origin,
}

#[derive(Debug, Clone, PartialEq)]
pub enum RouteTarget {
    /// `route(NAME)` / `route("NAME")` / `route(1)`: resolved at load.
    Name(String),
    /// `route($var(x))`, `route("R_" + $rU)`: resolved when run.
    Dynamic(Expr),
}

#[derive(Debug, Clone, PartialEq)]
pub enum CaseLabel {
    Int(i64),
    Str(String),
    /// `case /"regex":`
    Regex(String),
    Default,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Case {
    pub label: CaseLabel,
    pub origin: Origin,
    pub body: Vec<Stmt>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum StmtKind {
    /// A function call or `route(...)`, its value dropped.
    Expr(Expr),
    If(Expr, Vec<Stmt>, Option<Vec<Stmt>>),
    Switch(Expr, Vec<Case>),
    While(Expr, Vec<Stmt>),
    Return(Option<Expr>),
    Exit,
    Drop,
    Break,
    /// `$pv = expr` (`all` for `:=`, which replaces every AVP value).
    Assign { pv: String, value: Expr, all: bool },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Stmt {
    pub kind: StmtKind,
    pub origin: Origin,
}
