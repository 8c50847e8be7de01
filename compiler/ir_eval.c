/* A tiny tree-walking evaluator for the loop IR, used only by tests to run
 * lowered kernels on small inputs before any backend exists. Values are
 * doubles; f32 results are rounded to float after every operation, other
 * narrow float types are not (tests compare with a tolerance). */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compiler/ir.h"
#include "lang/intrinsics.h"

enum { MAX_BINDINGS = 256, MAX_BUFFERS = 256 };

typedef struct Storage {
    const IrBuffer *buf;
    double         *data;
    int64_t        *shape;
    bool            owned;
} Storage;

typedef struct Eval {
    const Func *f;
    struct { const IrVar *var; double val; } env[MAX_BINDINGS];
    uint32_t nenv;
    Storage  bufs[MAX_BUFFERS];
    uint32_t nbufs;
    char    *err;
    size_t   errsize;
    bool     ok;
} Eval;

static double fail(Eval *ev, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static double fail(Eval *ev, const char *fmt, ...)
{
    if (ev->ok && ev->err && ev->errsize) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(ev->err, ev->errsize, fmt, ap);
        va_end(ap);
    }
    ev->ok = false;
    return 0;
}

static bool bind(Eval *ev, const IrVar *v, double x)
{
    if (ev->nenv == MAX_BINDINGS) {
        fail(ev, "too many nested bindings");
        return false;
    }
    ev->env[ev->nenv].var = v;
    ev->env[ev->nenv++].val = x;
    return true;
}

static double lookup(Eval *ev, const IrVar *v)
{
    for (uint32_t i = ev->nenv; i-- > 0;)
        if (ev->env[i].var == v)
            return ev->env[i].val;
    return fail(ev, "unbound variable '%s'", v->name);
}

static Storage *storage(Eval *ev, const IrBuffer *b)
{
    for (uint32_t i = ev->nbufs; i-- > 0;)
        if (ev->bufs[i].buf == b)
            return &ev->bufs[i];
    fail(ev, "buffer '%s' is not allocated", b->name);
    return NULL;
}

static double round_to(DType ty, double x)
{
    if (ty == DT_F32)
        return (double)(float)x;
    if (dtype_is_int(ty) || ty == DT_BOOL) {
        if (isnan(x))
            return 0;
        return ty == DT_BOOL ? (x != 0) : trunc(x);
    }
    return x;
}

static double expr(Eval *ev, const Expr *e);

static int64_t size_of(const Storage *s)
{
    int64_t n = 1;
    for (uint32_t i = 0; i < s->buf->rank; i++)
        n *= s->shape[i];
    return n;
}

/* Offset of buf[idx] in its storage, or -1 after an out-of-bounds error.
 * In a flattened kernel the one index is the offset. */
static int64_t offset(Eval *ev, Storage *s, Expr **idx, uint32_t n)
{
    if (ev->f->flat && n == 1) {
        double x = expr(ev, idx[0]);
        if (!ev->ok)
            return -1;
        if (x < 0 || x >= (double)size_of(s)) {
            fail(ev, "offset of '%s' is %.0f, outside [0, %lld)", s->buf->name, x, (long long)size_of(s));
            return -1;
        }
        return (int64_t)x;
    }
    int64_t off = 0;
    for (uint32_t i = 0; i < n; i++) {
        double x = expr(ev, idx[i]);
        if (!ev->ok)
            return -1;
        if (x < 0 || x >= (double)s->shape[i]) {
            fail(ev, "index %u of '%s' is %.0f, outside [0, %lld)", i, s->buf->name, x, (long long)s->shape[i]);
            return -1;
        }
        off = off * s->shape[i] + (int64_t)x;
    }
    return off;
}

static double floor_mod(double a, double b) { return a - floor(a / b) * b; }

static double binary(Eval *ev, const Expr *e)
{
    double a = expr(ev, e->u.bin.a), b = expr(ev, e->u.bin.b);
    if (!ev->ok)
        return 0;
    bool isint = dtype_is_int(e->u.bin.a->ty);
    switch (e->u.bin.op) {
    case BOP_ADD: return a + b;
    case BOP_SUB: return a - b;
    case BOP_MUL: return a * b;
    case BOP_DIV:
        if (isint)
            return b == 0 ? fail(ev, "integer division by zero") : floor(a / b);
        return a / b;
    case BOP_MOD:
        if (isint && b == 0)
            return fail(ev, "integer modulo by zero");
        return floor_mod(a, b);
    case BOP_MIN: return a < b ? a : b;
    case BOP_MAX: return a > b ? a : b;
    case BOP_EQ: return a == b;
    case BOP_NE: return a != b;
    case BOP_LT: return a < b;
    case BOP_LE: return a <= b;
    case BOP_GT: return a > b;
    case BOP_GE: return a >= b;
    case BOP_AND: return a != 0 && b != 0;
    case BOP_OR: return a != 0 || b != 0;
    default: return fail(ev, "unknown binary operator");
    }
}

static double call(Eval *ev, const Expr *e)
{
    double v[4] = {0};
    for (uint32_t i = 0; i < e->u.call.nargs && i < 4; i++)
        v[i] = expr(ev, e->u.call.args[i]);
    switch (e->u.call.intrinsic) {
    case INTR_EXP: return exp(v[0]);
    case INTR_LOG: return log(v[0]);
    case INTR_SQRT: return sqrt(v[0]);
    case INTR_RSQRT: return 1.0 / sqrt(v[0]);
    case INTR_TANH: return tanh(v[0]);
    case INTR_ERF: return erf(v[0]);
    case INTR_SIGMOID: return 1.0 / (1.0 + exp(-v[0]));
    case INTR_FLOOR: return floor(v[0]);
    case INTR_CEIL: return ceil(v[0]);
    case INTR_ROUND: return nearbyint(v[0]);
    case INTR_TRUNC: return trunc(v[0]);
    case INTR_FMOD: return fmod(v[0], v[1]);
    case INTR_POW: return pow(v[0], v[1]);
    case INTR_ABS: return fabs(v[0]);
    case INTR_MAX: return v[0] > v[1] ? v[0] : v[1];
    case INTR_MIN: return v[0] < v[1] ? v[0] : v[1];
    case INTR_CLAMP: return v[0] < v[1] ? v[1] : v[0] > v[2] ? v[2] : v[0];
    case INTR_SELECT: return v[0] != 0 ? v[1] : v[2];
    default: return fail(ev, "unknown intrinsic");
    }
}

static double expr(Eval *ev, const Expr *e)
{
    if (!ev->ok)
        return 0;
    double r;
    switch (e->kind) {
    case EK_INT: r = (double)e->u.ival; break;
    case EK_FLOAT: r = e->u.fval; break;
    case EK_VAR: r = lookup(ev, e->u.var); break;
    case EK_UN: {
        double a = expr(ev, e->u.un.a);
        if (e->u.un.op == UOP_BITNOT)
            return fail(ev, "bit operations are not evaluated here");
        r = e->u.un.op == UOP_NEG ? -a : (a == 0);
        break;
    }
    case EK_BIN: r = binary(ev, e); break;
    case EK_SELECT:
        r = expr(ev, e->u.sel.cond) != 0 ? expr(ev, e->u.sel.t) : expr(ev, e->u.sel.f);
        break;
    case EK_CAST:
        if (e->u.cast.bits)
            return fail(ev, "bitcast is not evaluated here (doubles hold no bits)");
        r = expr(ev, e->u.cast.a);
        break;
    case EK_CALL: r = call(ev, e); break;
    case EK_LOAD: {
        if (e->u.load.pred && expr(ev, e->u.load.pred) == 0)
            return 0;
        Storage *s = storage(ev, e->u.load.buf);
        int64_t off = s ? offset(ev, s, e->u.load.idx, e->u.load.nidx) : -1;
        r = off >= 0 ? s->data[off] : 0;
        break;
    }
    case EK_LET: {
        double v = expr(ev, e->u.let.value);
        if (!bind(ev, e->u.let.var, v))
            return 0;
        r = expr(ev, e->u.let.body);
        ev->nenv--;
        break;
    }
    default: return fail(ev, "unknown expression kind");
    }
    return round_to(e->ty, r);
}

/* Element offset of the corner idx (dense, row-major) plus k on the last n
 * dimensions; -1 after an out-of-bounds error. */
static int64_t box_offset(Eval *ev, Storage *s, const double *idx, const int64_t *k, uint32_t n)
{
    uint32_t r = s->buf->rank;
    int64_t off = 0;
    for (uint32_t i = 0; i < r; i++) {
        double x = idx[i] + (i + n >= r ? (double)k[i + n - r] : 0);
        if (x < 0 || x >= (double)s->shape[i]) {
            fail(ev, "copy index %u of '%s' is %.0f, outside [0, %lld)", i, s->buf->name, x, (long long)s->shape[i]);
            return -1;
        }
        off = off * s->shape[i] + (int64_t)x;
    }
    return off;
}

enum { MAX_RANK = 16 };

static void copy(Eval *ev, const Stmt *st)
{
    Storage *d = storage(ev, st->u.copy.dst), *s = storage(ev, st->u.copy.src);
    uint32_t n = st->u.copy.n;
    if (!d || !s || n > MAX_RANK || d->buf->rank > MAX_RANK || s->buf->rank > MAX_RANK) {
        fail(ev, "bad copy");
        return;
    }
    double di[MAX_RANK], si[MAX_RANK];
    int64_t ext[MAX_RANK], k[MAX_RANK] = {0};
    for (uint32_t i = 0; i < st->u.copy.ndst; i++)
        di[i] = expr(ev, st->u.copy.dst_idx[i]);
    for (uint32_t i = 0; i < st->u.copy.nsrc; i++)
        si[i] = expr(ev, st->u.copy.src_idx[i]);
    for (uint32_t i = 0; i < n; i++) {
        ext[i] = (int64_t)expr(ev, st->u.copy.extent[i]);
        if (ext[i] <= 0)
            return;   /* an empty box copies nothing */
    }
    while (ev->ok) {
        int64_t so = box_offset(ev, s, si, k, n), dofs = box_offset(ev, d, di, k, n);
        if (so < 0 || dofs < 0)
            return;
        d->data[dofs] = s->data[so];
        uint32_t i = n;
        while (i > 0 && ++k[i - 1] == ext[i - 1])
            k[--i] = 0;
        if (i == 0)
            return;
    }
}

static void stmt(Eval *ev, const Stmt *s)
{
    if (!ev->ok || !s)
        return;
    switch (s->kind) {
    case SK_SEQ:
        for (uint32_t i = 0; i < s->u.seq.n && ev->ok; i++)
            stmt(ev, s->u.seq.v[i]);
        return;
    case SK_FOR: {
        double lo = expr(ev, s->u.for_.min), n = expr(ev, s->u.for_.extent);
        for (double i = lo; i < lo + n && ev->ok; i++) {
            if (!bind(ev, s->u.for_.var, i))
                return;
            stmt(ev, s->u.for_.body);
            ev->nenv--;
        }
        return;
    }
    case SK_IF:
        if (expr(ev, s->u.if_.cond) != 0)
            stmt(ev, s->u.if_.then_);
        else
            stmt(ev, s->u.if_.else_);
        return;
    case SK_LET:
        if (!bind(ev, s->u.let.var, expr(ev, s->u.let.value)))
            return;
        stmt(ev, s->u.let.body);
        ev->nenv--;
        return;
    case SK_STORE: {
        Storage *st = storage(ev, s->u.store.buf);
        int64_t off = st ? offset(ev, st, s->u.store.idx, s->u.store.nidx) : -1;
        double v = expr(ev, s->u.store.value);
        if (off >= 0 && ev->ok)
            st->data[off] = round_to(s->u.store.buf->ty, v);
        return;
    }
    case SK_ALLOC: {
        const IrBuffer *b = s->u.alloc.buf;
        if (ev->nbufs == MAX_BUFFERS) {
            fail(ev, "too many buffers");
            return;
        }
        int64_t *shape = calloc(b->rank + 1, sizeof *shape);
        int64_t total = 1;
        for (uint32_t i = 0; i < b->rank; i++) {
            double x = expr(ev, b->shape[i]);
            shape[i] = x > 0 ? (int64_t)x : 0;
            total *= shape[i];
        }
        double *data = calloc((size_t)total + 1, sizeof *data);
        for (int64_t i = 0; i < total; i++)
            data[i] = NAN; /* reading before writing shows up in results */
        ev->bufs[ev->nbufs++] = (Storage){b, data, shape, true};
        return;
    }
    case SK_FREE:
        for (uint32_t i = ev->nbufs; i-- > 0;)
            if (ev->bufs[i].buf == s->u.free_.buf && ev->bufs[i].owned) {
                free(ev->bufs[i].data);
                free(ev->bufs[i].shape);
                ev->bufs[i] = ev->bufs[--ev->nbufs];
                return;
            }
        fail(ev, "free of '%s', which is not allocated", s->u.free_.buf->name);
        return;
    case SK_EVAL: expr(ev, s->u.eval.e); return;
    case SK_COPY: copy(ev, s); return;
    case SK_SYNC: return;   /* one in-order evaluator: nothing to wait for */
    case SK_ASSERT:
        if (expr(ev, s->u.assert_.cond) == 0)
            fail(ev, "assert failed: %s", s->u.assert_.msg);
        return;
    default: fail(ev, "unknown statement kind"); return;
    }
}

bool ir_eval_func(const Func *f, IrEvalArg *args, char *err, size_t errsize)
{
    Eval *ev = calloc(1, sizeof *ev);
    if (!ev)
        return false;
    ev->f = f;
    ev->err = err;
    ev->errsize = errsize;
    ev->ok = true;
    if (err && errsize)
        err[0] = 0;
    for (uint32_t i = 0; i < f->ndims; i++)
        bind(ev, f->dims[i].var, (double)args[f->dims[i].arg].shape[f->dims[i].axis]);
    for (uint32_t i = 0; i < f->nargs; i++) {
        const IrArg *a = &f->args[i];
        if (!a->buf) {
            bind(ev, a->var, args[i].data[0]);
            continue;
        }
        int64_t stride = 1;
        for (uint32_t j = a->buf->rank; j-- > 0;) {
            bind(ev, a->buf->strides[j], (double)stride);
            stride *= args[i].shape[j];
        }
        ev->bufs[ev->nbufs++] = (Storage){a->buf, args[i].data, args[i].shape, false};
    }
    /* Output shapes must agree with what the kernel computes from its dims. */
    for (uint32_t i = f->ninputs; i < f->nargs && ev->ok; i++) {
        const IrBuffer *b = f->args[i].buf;
        for (uint32_t j = 0; b && j < b->rank; j++)
            if (expr(ev, b->shape[j]) != (double)args[i].shape[j])
                fail(ev, "output '%s' axis %u has size %lld, the kernel computes %.0f", b->name, j,
                     (long long)args[i].shape[j], expr(ev, b->shape[j]));
    }
    stmt(ev, f->body);
    for (uint32_t i = 0; i < ev->nbufs; i++)
        if (ev->bufs[i].owned) {
            if (ev->ok)
                fail(ev, "'%s' is never freed", ev->bufs[i].buf->name);
            free(ev->bufs[i].data);
            free(ev->bufs[i].shape);
        }
    bool ok = ev->ok;
    free(ev);
    return ok;
}
