/*
 * switchboard's Perl glue: the few things only C can do against perl's
 * headers (macros). Everything else — what each Kamailio::* sub does —
 * is Rust (engines/perl/src/dispatch.rs), reached through one generic
 * XSUB that passes its arguments to sb_rust_dispatch().
 *
 * Rules that keep Rust and Perl's longjmps apart:
 *  - Rust never calls croak: it returns an error and this file croaks
 *    after the Rust frame is gone;
 *  - every call into Perl uses G_EVAL, so a die never unwinds into Rust.
 */
#include <EXTERN.h>
#include <perl.h>
#include <XSUB.h>
#include <stdlib.h>
#include <string.h>

EXTERN_C void boot_DynaLoader(pTHX_ CV *cv);

/* A value passed between Rust and Perl. */
typedef struct {
    int kind;          /* 0 undef, 1 integer, 2 string, 3 object */
    long long i;       /* kind 1 */
    const char *s;     /* kind 2: the string; kind 3: the object's class */
    size_t len;
    long long handle;  /* kind 3: the integer inside the object */
} sb_val;

/* Results of one dispatch, built by Rust through sb_ret_*(). */
typedef struct {
    AV *values;
    SV *error;
} sb_ret;

/* Implemented in Rust. Returns nothing; results go through `ret`. */
extern void sb_rust_dispatch(int op, int want_list, int argc, const sb_val *args, sb_ret *ret);

void sb_ret_int(sb_ret *r, long long i) { dTHX; av_push(r->values, newSViv((IV)i)); }
void sb_ret_str(sb_ret *r, const char *s, size_t len) { dTHX; av_push(r->values, newSVpvn_utf8(s, len, 0)); }
void sb_ret_undef(sb_ret *r) { dTHX; av_push(r->values, newSV(0)); }
void sb_ret_error(sb_ret *r, const char *s, size_t len) {
    dTHX;
    if (!r->error) r->error = newSVpvn(s, len);
}

/* An object: a reference to a scalar holding `handle` (an integer) or, if
 * s is not NULL, that string, blessed into `klass`. */
static SV *make_obj(pTHX_ const char *klass, long long handle, const char *s, size_t len) {
    SV *inner = s ? newSVpvn(s, len) : newSViv((IV)handle);
    SV *ref = newRV_noinc(inner);
    sv_bless(ref, gv_stashpv(klass, GV_ADD));
    return ref;
}

void sb_ret_obj(sb_ret *r, const char *klass, long long handle, const char *s, size_t len) {
    dTHX;
    av_push(r->values, make_obj(aTHX_ klass, handle, s, len));
}

/* The one XSUB behind every Kamailio::* and KSR::* sub: its op number is
 * kept in the CV. */
XS(sb_xs) {
    dXSARGS;
    int op = XSANY.any_i32;
    int want_list = GIMME_V == G_LIST;
    sb_val stackvals[8];
    sb_val *vals = items <= 8 ? stackvals : (sb_val *)calloc((size_t)items, sizeof(sb_val));
    sb_ret r;
    I32 i, n;
    for (i = 0; i < items; i++) {
        SV *sv = ST(i);
        sb_val *v = &vals[i];
        memset(v, 0, sizeof(*v));
        if (SvROK(sv)) {
            SV *in = SvRV(sv);
            v->kind = 3;
            v->s = sv_isobject(sv) ? HvNAME(SvSTASH(in)) : "";
            v->len = strlen(v->s);
            if (SvIOK(in)) {
                v->handle = (long long)SvIV(in);
            } else if (SvPOK(in)) {
                /* string objects (Kamailio::URI): the text as handle 0 */
                STRLEN l;
                v->kind = 2;
                v->s = SvPV(in, l);
                v->len = l;
            }
        } else if (!SvOK(sv)) {
            v->kind = 0;
        } else if (SvIOK(sv) && !SvPOK(sv)) {
            v->kind = 1;
            v->i = (long long)SvIV(sv);
        } else {
            STRLEN l;
            v->kind = 2;
            v->s = SvPV(sv, l);
            v->len = l;
        }
    }
    r.values = newAV();
    r.error = NULL;
    sb_rust_dispatch(op, want_list, (int)items, vals, &r);
    if (vals != stackvals) free(vals);
    if (r.error) {
        SvREFCNT_dec((SV *)r.values);
        croak_sv(sv_2mortal(r.error));
    }
    n = (I32)(av_len(r.values) + 1);
    SP -= items;
    if (!want_list && n > 1) n = 1;
    EXTEND(SP, n);
    for (i = 0; i < n; i++) {
        SV **e = av_fetch(r.values, i, 0);
        PUSHs(sv_2mortal(e ? SvREFCNT_inc(*e) : newSV(0)));
    }
    SvREFCNT_dec((SV *)r.values);
    XSRETURN(n);
}

static void xs_init(pTHX) {
    newXS("DynaLoader::boot_DynaLoader", boot_DynaLoader, __FILE__);
}

void sb_perl_sys_init(void) {
    static int done = 0;
    static char arg0[] = "switchboard";
    static char *argv_[] = {arg0, NULL};
    static char *env_[] = {NULL};
    int argc = 1;
    char **argv = argv_, **env = env_;
    if (done) return;
    done = 1;
    PERL_SYS_INIT3(&argc, &argv, &env);
}

/* A new interpreter that ran `-e 0` with `argv` (include paths); NULL on
 * failure. It is the current context on return. */
PerlInterpreter *sb_perl_new(int argc, char **argv) {
    PerlInterpreter *my_perl = perl_alloc();
    if (!my_perl) return NULL;
    PERL_SET_CONTEXT(my_perl);
    perl_construct(my_perl);
    /* Free everything on destruct: interpreters are rebuilt every
     * reset_cycles calls and must not leak. */
    PL_perl_destruct_level = 1;
    PL_exit_flags |= PERL_EXIT_DESTRUCT_END;
    if (perl_parse(my_perl, xs_init, argc, argv, NULL) != 0 || perl_run(my_perl) != 0) {
        perl_destruct(my_perl);
        perl_free(my_perl);
        return NULL;
    }
    return my_perl;
}

void sb_perl_set_context(PerlInterpreter *p) { PERL_SET_CONTEXT(p); }

void sb_perl_free(PerlInterpreter *my_perl) {
    PERL_SET_CONTEXT(my_perl);
    perl_destruct(my_perl);
    perl_free(my_perl);
}

/* Define `name` as an XSUB with op number `op`. */
void sb_perl_define(PerlInterpreter *my_perl, const char *name, int op) {
    CV *cv;
    PERL_SET_CONTEXT(my_perl);
    cv = newXS(name, sb_xs, __FILE__);
    CvXSUBANY(cv).any_i32 = op;
}

/* The text of $@ if set (malloc'd, for Rust to free with sb_free), else NULL. */
static char *take_errsv(pTHX) {
    SV *err = ERRSV;
    if (SvTRUE(err)) {
        STRLEN l;
        const char *s = SvPV(err, l);
        char *out = (char *)malloc(l + 1);
        memcpy(out, s, l);
        out[l] = 0;
        sv_setpvs(err, "");
        return out;
    }
    return NULL;
}

void sb_free(char *p) { free(p); }

/* eval `code`; NULL or the error text. */
char *sb_perl_eval(PerlInterpreter *my_perl, const char *code) {
    dSP;
    PERL_SET_CONTEXT(my_perl);
    ENTER;
    SAVETMPS;
    eval_pv(code, FALSE);
    SPAGAIN;
    FREETMPS;
    LEAVE;
    return take_errsv(aTHX);
}

/* Is `name` a defined sub? */
int sb_perl_has_sub(PerlInterpreter *my_perl, const char *name) {
    PERL_SET_CONTEXT(my_perl);
    return get_cv(name, 0) != NULL;
}

/* Call sub `name` in scalar context with `args` (objects become blessed
 * references). Returns NULL and the result's integer value in *ret (and
 * whether it was defined in *defined; -1: there is no such sub), or the
 * error text. */
char *sb_perl_call(PerlInterpreter *my_perl, const char *name, int argc, const sb_val *args, long long *ret, int *defined) {
    dSP;
    int count, i;
    char *err;
    CV *cv;
    PERL_SET_CONTEXT(my_perl);
    cv = get_cv(name, 0);
    if (!cv) {
        *ret = 0;
        *defined = -1;
        return NULL;
    }
    ENTER;
    SAVETMPS;
    PUSHMARK(SP);
    for (i = 0; i < argc; i++) {
        const sb_val *v = &args[i];
        switch (v->kind) {
        case 1: XPUSHs(sv_2mortal(newSViv((IV)v->i))); break;
        case 2: XPUSHs(sv_2mortal(newSVpvn(v->s, v->len))); break;
        case 3: XPUSHs(sv_2mortal(make_obj(aTHX_ v->s, v->handle, NULL, 0))); break;
        default: XPUSHs(&PL_sv_undef);
        }
    }
    PUTBACK;
    count = call_sv((SV *)cv, G_SCALAR | G_EVAL);
    SPAGAIN;
    *ret = 0;
    *defined = 0;
    if (count == 1) {
        SV *r = POPs;
        if (SvOK(r)) {
            *defined = 1;
            *ret = (long long)SvIV(r);
        }
    }
    PUTBACK;
    FREETMPS;
    LEAVE;
    err = take_errsv(aTHX);
    return err;
}
