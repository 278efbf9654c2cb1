//! corex: `has_ruri_user`, `has_user_agent`.

use crate::exports::{export, Arg, Export, Ret};
use crate::route::RouteCtx;
use crate::sip::{HeaderName, Uri};

fn has_ruri_user(ctx: &mut RouteCtx<'_>, _: &[Arg<'_>]) -> Ret {
    (ctx.msg.is_request() && Uri::parse(ctx.ruri()).ok().and_then(|u| u.user()).is_some_and(|u| !u.is_empty())).into()
}
fn has_user_agent(ctx: &mut RouteCtx<'_>, _: &[Arg<'_>]) -> Ret {
    ctx.msg.header(HeaderName::UserAgent).is_some().into()
}

pub static EXPORTS: &[Export] = &[
    export!("corex", "has_ruri_user", ["has_ruri_user"], [], has_ruri_user),
    export!("corex", "has_user_agent", ["has_user_agent"], [], has_user_agent),
];

#[cfg(test)]
mod tests {
    use crate::exports::Ret;
    use crate::modules::testutil::{call, with_ctx, INVITE};

    #[test]
    fn ruri_user_and_ua() {
        with_ctx(INVITE, |ctx| {
            assert_eq!(call(ctx, "corex", "has_ruri_user", &[]), Ret::Int(1));
            assert_eq!(call(ctx, "corex", "has_user_agent", &[]), Ret::Int(1));
        });
        let m = INVITE.replace("INVITE sip:bob@", "INVITE sip:").replace("User-Agent: TestUA/1.0\n", "");
        with_ctx(&m, |ctx| {
            assert_eq!(call(ctx, "corex", "has_ruri_user", &[]), Ret::Int(-1));
            assert_eq!(call(ctx, "corex", "has_user_agent", &[]), Ret::Int(-1));
            assert_eq!(call(ctx, "", "rewriteuser", &[crate::exports::Arg::Str("carol")]), Ret::Int(1));
            assert_eq!(call(ctx, "corex", "has_ruri_user", &[]), Ret::Int(1));
        });
    }
}
