/* Ahead-of-time entry points: the launch checks of compiler/launch/ driven
 * by the signature table `tkc build` compiles into the object (rt.h), with
 * the same order and the same messages, then the call through rt_call.
 * Kernels built ahead of time are never rank-generic and have at most one
 * type parameter (pipeline_lowerable), which keeps this small. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/rt.h"
#include "support/tensor.h"

/* A decoded signature: where each record starts, and what binding learned. */
typedef struct Sig {
    const int64_t *w;
    const char    *str;
    const char    *name, *tparam;
    uint32_t       np, no, nd;
    const int64_t **param, **output;   /* record starts */
    const int64_t *requires_at, *checks_at, *insts_at;   /* each at its count */
    const char   **dim_names;
    /* binding */
    int64_t       *dims;
    DType          tbound;             /* the type parameter's dtype; DT_ERROR while unbound */
    const char    *tsrc;               /* the argument that bound it */
    DType         *out_dtypes;
    int32_t       *out_rank;
    int64_t      (*out_shape)[TK_MAX_RANK];
    char          *err;
    size_t         nerr;
} Sig;

static bool fail(Sig *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static bool fail(Sig *s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(s->err, s->nerr, fmt, ap);
    va_end(ap);
    return false;
}

static const char *str_at(const Sig *s, int64_t off) { return s->str + off; }

/* Skips an expression (its length word and code). */
static const int64_t *skip_expr(const int64_t *p) { return p + 1 + p[0]; }

/* Postfix evaluation with sym_eval's rules: floor division and modulo, by
 * zero gives 0, overflow (or an unknown value) fails. */
static int64_t eval(const Sig *s, const int64_t *iscalars, const int64_t *p, bool *ok)
{
    int64_t st[RT_MAX_STACK], n = p[0], sp = 0, x, y, r = 0;
    const int64_t *c = p + 1;
    *ok = n > 0;
    for (int64_t i = 0; i < n && *ok; i++) {
        int64_t op = c[i];
        if (op == RT_X_CONST || op == RT_X_DIM || op == RT_X_SCALAR) {
            int64_t v = c[++i];
            if (sp == RT_MAX_STACK)
                return *ok = false, 0;
            st[sp++] = op == RT_X_CONST ? v : op == RT_X_DIM ? s->dims[v] : iscalars[v];
            continue;
        }
        if (op == RT_X_UNKNOWN || sp < 2)
            return *ok = false, 0;
        y = st[--sp], x = st[sp - 1];
        switch (op) {
        case RT_X_ADD: *ok = !__builtin_add_overflow(x, y, &r); break;
        case RT_X_MUL: *ok = !__builtin_mul_overflow(x, y, &r); break;
        case RT_X_DIV:
            if (y == 0)
                r = 0;
            else if (x == INT64_MIN && y == -1)
                *ok = false;
            else
                r = x / y - (x % y != 0 && ((x < 0) != (y < 0)));
            break;
        case RT_X_MOD:
            r = y == 0 || y == -1 ? 0 : x % y;
            if (r != 0 && ((r < 0) != (y < 0)))
                r += y;
            break;
        case RT_X_MIN: r = x < y ? x : y; break;
        case RT_X_MAX: r = x > y ? x : y; break;
        default: *ok = false; break;
        }
        st[sp - 1] = r;
    }
    *ok = *ok && sp == 1;
    return *ok ? st[0] : 0;
}

/* ---- decoding --------------------------------------------------------- */

static const int64_t *skip_param(const int64_t *p) { return p + 5 + 2 * p[4]; }

static const int64_t *skip_output(const int64_t *p)
{
    int64_t rank = p[2];
    p += 3;
    for (int64_t a = 0; a < rank; a++) {
        p = skip_expr(p);
        p += 1;            /* text */
        p += 1 + p[0];     /* dims used */
    }
    return p;
}

static bool decode(Sig *s, const RtKernel *k, char *err, size_t nerr)
{
    const int64_t *w = k->sig;
    memset(s, 0, sizeof *s);
    s->err = err, s->nerr = nerr;
    s->w = w, s->str = k->strings;
    if (w[0] != RT_SIG_MAGIC) {
        snprintf(err, nerr, "kernel object and libtk_rt do not match (rebuild the object with this TK's tkc build)");
        return false;
    }
    s->name = str_at(s, w[1]);
    s->np = (uint32_t)w[2], s->no = (uint32_t)w[3], s->nd = (uint32_t)w[4];
    s->tparam = w[5] >= 0 ? str_at(s, w[5]) : NULL;
    s->tbound = DT_ERROR;
    s->dim_names = calloc(s->nd + 1, sizeof *s->dim_names);
    s->param = calloc(s->np + 1, sizeof *s->param);
    s->output = calloc(s->no + 1, sizeof *s->output);
    s->dims = calloc(s->nd + 1, sizeof *s->dims);
    s->out_dtypes = calloc(s->no + 1, sizeof *s->out_dtypes);
    s->out_rank = calloc(s->no + 1, sizeof *s->out_rank);
    s->out_shape = calloc(s->no + 1, sizeof *s->out_shape);
    if (!s->dim_names || !s->param || !s->output || !s->dims || !s->out_dtypes || !s->out_rank || !s->out_shape)
        return fail(s, "%s: out of memory", s->name);
    const int64_t *p = w + 6;
    for (uint32_t d = 0; d < s->nd; d++)
        s->dim_names[d] = str_at(s, *p++);
    for (uint32_t i = 0; i < s->np; i++)
        s->param[i] = p, p = skip_param(p);
    for (uint32_t o = 0; o < s->no; o++)
        s->output[o] = p, p = skip_output(p);
    s->requires_at = p;
    for (int64_t i = 0, n = *p++; i < n; i++) {   /* op, lhs, rhs, text, dims used, scalars used */
        p = skip_expr(skip_expr(p + 1)) + 1;
        p += 1 + p[0];
        p += 1 + p[0];
    }
    s->checks_at = p;
    for (int64_t i = 0, n = *p++; i < n; i++) {   /* lo, hi, extent, axis, access, tensor, scalars, extents */
        p = skip_expr(skip_expr(skip_expr(p))) + 3;
        p += 1 + p[0];
        for (int64_t e = 0, ne = *p++; e < ne; e++)
            p = skip_expr(p);
    }
    s->insts_at = p;
    return true;
}

static void release(Sig *s)
{
    free(s->dim_names), free(s->param), free(s->output), free(s->dims);
    free(s->out_dtypes), free(s->out_rank), free(s->out_shape);
}

/* ---- binding (compiler/launch/launch.c, same messages) ------------------ */

#define PNAME(i) str_at(s, s->param[i][0])

static DType resolve(const Sig *s, int64_t dtype) { return dtype >= 0 ? (DType)dtype : s->tbound; }

static bool bind_type(Sig *s, DType t, const char *who)
{
    if (s->tbound == DT_ERROR) {
        s->tbound = t;
        s->tsrc = who;
        return true;
    }
    if (s->tbound != t)
        return fail(s, "%s: type %s is %s in %s but %s in %s", s->name, s->tparam, dtype_name(s->tbound), s->tsrc,
                    dtype_name(t), who);
    return true;
}

static char *shape_text(int32_t n, const int64_t *v, char *buf, size_t len)
{
    size_t at = (size_t)snprintf(buf, len, "[");
    for (int32_t i = 0; i < n && at < len; i++)
        at += (size_t)snprintf(buf + at, len - at, "%s%lld", i ? ", " : "", (long long)v[i]);
    if (at < len)
        snprintf(buf + at, len - at, "]");
    return buf;
}

static bool bind_tensor(Sig *s, uint32_t pi, const DLTensor *t)
{
    const int64_t *p = s->param[pi];
    const char *name = str_at(s, p[0]), *decl = str_at(s, p[1]);
    int64_t rank = p[4];
    char why[160];
    if (!tensor_validate(t, why, sizeof why))
        return fail(s, "%s: %s: %s", s->name, name, why);
    DType got = tensor_dtype_from_dl(t->dtype);
    if (p[3] < 0) {
        if (got == DT_U8 && t->dtype.code == kDLUInt && s->tbound == DT_BOOL)
            got = DT_BOOL;
        if (!bind_type(s, got, name))
            return false;
    } else if (!tensor_dl_matches(t->dtype, (DType)p[3])) {
        return fail(s, "%s: %s is %s, expected %s", s->name, name, tensor_dtype_name(got), dtype_name((DType)p[3]));
    }
    if (t->ndim != rank)
        return fail(s, "%s: %s has rank %d, expected %u (%s)", s->name, name, t->ndim, (unsigned)rank, decl);
    for (int64_t a = 0; a < rank; a++) {
        int64_t kind = p[5 + 2 * a], v = p[6 + 2 * a];
        if (kind == RT_AXIS_CONST && t->shape[a] != v)
            return fail(s, "%s: dimension %u of %s is %lld, expected %lld (%s)", s->name, (unsigned)a, name,
                        (long long)t->shape[a], (long long)v, decl);
        if (kind == RT_AXIS_BIND)
            s->dims[v] = t->shape[a];
        if (kind == RT_AXIS_SAME && s->dims[v] != t->shape[a]) {
            /* the dim's binding tensor: the first one that binds it */
            const char *binder = "?";
            for (uint32_t q = 0; q < s->np; q++)
                for (int64_t b = 0; b < s->param[q][4] && s->param[q][2]; b++)
                    if (s->param[q][5 + 2 * b] == RT_AXIS_BIND && s->param[q][6 + 2 * b] == v)
                        binder = PNAME(q);
            return fail(s, "%s: dimension %s is %lld in %s but %lld in %s", s->name, s->dim_names[v],
                        (long long)s->dims[v], binder, (long long)t->shape[a], name);
        }
    }
    return true;
}

/* "H = 2, k = 3": the dims, then (with_scalars) the integer scalars,
 * listed at p (counts first). An output's message skips a dim whose name
 * is already in the text, as compiler/launch/launch.c's dims_used does. */
static const int64_t *values_used(const Sig *s, const int64_t *p, bool with_scalars, const int64_t *iscalars,
                                  char *buf, size_t len)
{
    size_t at = strlen(buf);
    int64_t n = *p++;
    for (int64_t i = 0; i < n; i++, p++)
        if (at < len && (with_scalars || !strstr(buf, s->dim_names[*p])))
            at += (size_t)snprintf(buf + at, len - at, "%s%s = %lld", at ? ", " : "", s->dim_names[*p],
                                   (long long)s->dims[*p]);
    if (!with_scalars)
        return p;
    n = *p++;
    for (int64_t i = 0; i < n; i++, p++)
        if (at < len)
            at += (size_t)snprintf(buf + at, len - at, "%s%s = %lld", at ? ", " : "", PNAME(*p),
                                   (long long)iscalars[*p]);
    return p;
}

static bool check_requires(Sig *s, const int64_t *iscalars)
{
    const int64_t *p = s->requires_at;
    int64_t n = *p++;
    for (int64_t i = 0; i < n; i++) {
        int64_t op = *p++;
        const int64_t *lhs = p, *rhs = skip_expr(lhs);
        p = skip_expr(rhs);
        const char *text = str_at(s, *p++);
        bool ok_l, ok_r, holds = false;
        int64_t l = eval(s, iscalars, lhs, &ok_l), v = eval(s, iscalars, rhs, &ok_r);
        if (ok_l && ok_r) {
            switch (op) {
            case RT_CMP_EQ: holds = l == v; break;
            case RT_CMP_LT: holds = l < v; break;
            case RT_CMP_LE: holds = l <= v; break;
            case RT_CMP_GT: holds = l > v; break;
            default: holds = l >= v; break;
            }
        }
        char with[200] = "";
        p = values_used(s, p, true, iscalars, with, sizeof with);
        if (!holds)
            return fail(s, "%s: requires %s, but %s%s", s->name, text, with,
                        ok_l && ok_r ? "" : " (it cannot be evaluated: division by zero or overflow)");
    }
    return true;
}

static bool output_shapes(Sig *s, const int64_t *iscalars)
{
    for (uint32_t o = 0; o < s->no; o++) {
        const int64_t *p = s->output[o];
        const char *name = str_at(s, p[0]);
        s->out_dtypes[o] = resolve(s, p[1]);
        s->out_rank[o] = (int32_t)p[2];
        p += 3;
        for (int32_t a = 0; a < s->out_rank[o]; a++) {
            bool ok;
            int64_t v = eval(s, iscalars, p, &ok);
            p = skip_expr(p);
            const char *text = str_at(s, *p++);
            char with[160] = "";
            p = values_used(s, p, false, iscalars, with, sizeof with);
            if (!ok)
                return fail(s, "%s: output %s: dimension %u (%s with %s) cannot be computed (overflow)", s->name,
                            name, (unsigned)a, text, with);
            if (v < 0)
                return fail(s, "%s: output %s would have dimension %u of size %lld (%s with %s)", s->name, name,
                            (unsigned)a, (long long)v, text, with);
            s->out_shape[o][a] = v;
        }
        size_t nbytes;
        if (!tensor_nbytes(DT_F64, s->out_rank[o], s->out_shape[o], &nbytes))
            return fail(s, "%s: output %s would be too large", s->name, name);
    }
    return true;
}

/* launch_bind: tensors, then scalars, the requires clause, output shapes. */
static bool bind(Sig *s, const DLTensor *const *tensors, const int64_t *iscalars)
{
    for (uint32_t i = 0; i < s->np; i++) {
        if (!s->param[i][2])
            continue;
        if (!tensors[i])
            return fail(s, "%s: input %s is missing", s->name, PNAME(i));
        if (!bind_tensor(s, i, tensors[i]))
            return false;
    }
    return check_requires(s, iscalars) && output_shapes(s, iscalars);
}

static bool check_outputs(Sig *s, const DLTensor *const *outs)
{
    char why[160], s1[160], s2[160];
    for (uint32_t o = 0; o < s->no; o++) {
        const char *name = str_at(s, s->output[o][0]);
        const DLTensor *t = outs[o];
        if (!t)
            return fail(s, "%s: output %s is missing", s->name, name);
        if (!tensor_validate(t, why, sizeof why))
            return fail(s, "%s: output %s: %s", s->name, name, why);
        DType got = tensor_dtype_from_dl(t->dtype);
        bool generic = s->output[o][1] < 0;
        if (s->out_dtypes[o] == DT_ERROR) {
            if (!bind_type(s, got, name))
                return false;
            s->out_dtypes[o] = got;
        } else if (generic && !tensor_dl_matches(t->dtype, s->out_dtypes[o])) {
            if (!bind_type(s, got, name))
                return false;
        } else if (!tensor_dl_matches(t->dtype, s->out_dtypes[o])) {
            return fail(s, "%s: output %s is %s, expected %s", s->name, name, tensor_dtype_name(got),
                        dtype_name(s->out_dtypes[o]));
        }
        if (t->ndim != s->out_rank[o] ||
            (t->ndim && memcmp(t->shape, s->out_shape[o], sizeof(int64_t) * (size_t)t->ndim)))
            return fail(s, "%s: output %s has shape %s, expected %s", s->name, name,
                        shape_text(t->ndim, t->shape, s1, sizeof s1),
                        shape_text(s->out_rank[o], s->out_shape[o], s2, sizeof s2));
    }
    return true;
}

/* launch_run_checks: accesses whose range depends on integer scalars. */
static bool run_checks(Sig *s, const int64_t *iscalars)
{
    const int64_t *p = s->checks_at;
    int64_t n = *p++;
    for (int64_t i = 0; i < n; i++) {
        const int64_t *lo_e = p, *hi_e = skip_expr(lo_e), *n_e = skip_expr(hi_e);
        p = skip_expr(n_e);
        int64_t axis = *p++;
        const char *access = str_at(s, *p++), *tensor = str_at(s, *p++);
        const int64_t *scalars = p;
        p += 1 + p[0];
        bool empty = false;
        for (int64_t e = 0, ne = *p++; e < ne; e++) {
            bool ok_e;
            int64_t ext = eval(s, iscalars, p, &ok_e);
            empty |= ok_e && ext <= 0;
            p = skip_expr(p);
        }
        bool ok_lo, ok_hi, ok_n;
        int64_t lo = eval(s, iscalars, lo_e, &ok_lo), hi = eval(s, iscalars, hi_e, &ok_hi);
        int64_t ext = eval(s, iscalars, n_e, &ok_n);
        if (!ok_n || ((!ok_lo || lo >= 0) && (!ok_hi || hi <= ext - 1)) || empty)
            continue;
        char with[200] = "", lo_s[32] = "-inf", hi_s[32] = "+inf";
        size_t at = 0;
        for (int64_t q = 0; q < scalars[0] && at < sizeof with; q++)
            at += (size_t)snprintf(with + at, sizeof with - at, "%s%s = %lld", at ? ", " : "", PNAME(scalars[1 + q]),
                                   (long long)iscalars[scalars[1 + q]]);
        if (ok_lo)
            snprintf(lo_s, sizeof lo_s, "%lld", (long long)lo);
        if (ok_hi)
            snprintf(hi_s, sizeof hi_s, "%lld", (long long)hi);
        return fail(s, "%s: index %u of %s ranges over [%s, %s] but %s has size %lld%s%s%s", s->name, (unsigned)axis,
                  access, lo_s, hi_s, tensor, (long long)ext, at ? " (" : "", with, at ? ")" : "");
    }
    return true;
}

/* The instantiation for the bound type parameter. */
static const RtInst *pick(Sig *s, const RtKernel *k)
{
    const int64_t *insts = s->insts_at;
    int64_t n = *insts++;
    char built[160] = "";
    size_t at = 0;
    for (int64_t i = 0; i < n; i++) {
        if (insts[i] < 0 || (DType)insts[i] == s->tbound)
            return &k->insts[i];
        if (at < sizeof built)
            at += (size_t)snprintf(built + at, sizeof built - at, "%s%s", i ? ", " : "", dtype_name((DType)insts[i]));
    }
    fail(s, "%s: not built for %s = %s (built for %s; add it to tkc build --dtype %s=...)", s->name, s->tparam,
         dtype_name(s->tbound), built, s->tparam);
    return NULL;
}

int tk_rt_launch(const RtKernel *k, const DLTensor *const *tensors, const int64_t *iscalars, const double *fscalars)
{
    size_t nerr;
    char *err = rt_error_buffer(&nerr);
    err[0] = 0;
    Sig s;
    int status = TK_RT_INVALID;
    if (!decode(&s, k, err, nerr))
        goto done;
    if (!bind(&s, tensors, iscalars) || !check_outputs(&s, tensors + s.np) || !run_checks(&s, iscalars))
        goto done;
    const RtInst *inst = pick(&s, k);
    if (!inst)
        goto done;
    const char **names = calloc(s.np + s.no + 1, sizeof *names);
    if (!names) {
        status = tk_rt_set_error(TK_RT_NO_MEMORY, "%s: out of memory", s.name);
        goto done;
    }
    for (uint32_t i = 0; i < s.np; i++)
        names[i] = str_at(&s, s.param[i][0]);
    for (uint32_t o = 0; o < s.no; o++)
        names[s.np + o] = str_at(&s, s.output[o][0]);
    RtCall c = {.kernel = s.name, .nargs = s.np + s.no, .ninputs = s.np, .tensors = tensors, .names = names,
                .iscalars = iscalars, .fscalars = fscalars, .dims = s.dims, .entry = inst->entry,
                .errors = inst->errors};
    status = rt_call(&c, err, nerr);
    if (status == TK_RT_OK)
        err[0] = 0;
    free(names);
done:
    release(&s);
    return status;
}

int tk_rt_shapes(const RtKernel *k, const DLTensor *const *tensors, const int64_t *iscalars, const double *fscalars,
                 int64_t *const *out_shapes)
{
    (void)fscalars;
    size_t nerr;
    char *err = rt_error_buffer(&nerr);
    err[0] = 0;
    Sig s;
    int status = TK_RT_INVALID;
    if (decode(&s, k, err, nerr) && bind(&s, tensors, iscalars)) {
        for (uint32_t o = 0; o < s.no; o++)
            if (out_shapes[o])
                memcpy(out_shapes[o], s.out_shape[o], sizeof(int64_t) * (size_t)s.out_rank[o]);
        status = TK_RT_OK;
    }
    release(&s);
    return status;
}
