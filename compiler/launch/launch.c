/* Launch binding: dims, ranks, dtypes and type parameters from the inputs,
 * output shapes from the output types, and the caller's output tensors. */
#include "compiler/launch/launch.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool fail(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static bool fail(char *err, size_t errlen, const char *fmt, ...)
{
    if (err && errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return false;
}

#define KN (k->ast->name)

int32_t launch_tparam(const KernelInfo *k, const char *name)
{
    for (uint32_t i = 0; i < k->ast->tparams.n; i++)
        if (!strcmp(k->ast->tparams.v[i].name, name))
            return (int32_t)i;
    return -1;
}

DType launch_resolve(const KernelInfo *k, const Binding *b, const AstType *t)
{
    if (t->dtype != DT_GENERIC)
        return t->dtype;
    int32_t i = launch_tparam(k, t->elem);
    return i >= 0 && b->tparams ? b->tparams[i] : DT_ERROR;
}

typedef struct EvalEnv {
    const KernelInfo *k;
    const Binding    *b;
    bool              unknown;
} EvalEnv;

static int64_t value_of(void *ud, const Sym *var)
{
    EvalEnv *e = ud;
    for (uint32_t i = 0; i < e->k->dims.n; i++)
        if (e->k->dims.v[i].sym == var)
            return e->b->dims[i];
    for (uint32_t i = 0; i < e->k->params.n; i++)
        if (e->k->params.v[i].scalar_sym == var)
            return e->b->iscalars[i];
    e->unknown = true;
    return 0;
}

int64_t launch_eval(const KernelInfo *k, const Binding *b, const Sym *e, bool *ok)
{
    EvalEnv env = {k, b, false};
    bool fine = true;
    int64_t v = e ? sym_eval(e, value_of, &env, &fine) : 0;
    *ok = e && fine && !env.unknown;
    return *ok ? v : 0;
}

void binding_free(Binding *b)
{
    free(b->dims);
    free(b->tparams);
    free(b->tparam_src);
    free(b->param_dtypes);
    free(b->iscalars);
    free(b->out_dtypes);
    free(b->out_rank);
    free(b->out_shape);
    memset(b, 0, sizeof *b);
}

char *launch_declared_text(const ParamInfo *p, char *buf, size_t len)
{
    const AstType *t = &p->ast->type;
    size_t at = (size_t)snprintf(buf, len, "%s", t->elem);
    if (t->is_tensor) {
        for (uint32_t i = 0; i < t->dims.n && at < len; i++) {
            at += (size_t)snprintf(buf + at, len - at, "%s", i ? ", " : "[");
            if (at < len)
                launch_expr_text(t->dims.v[i], buf + at, len - at);
            at = strlen(buf);
        }
        if (at < len)
            snprintf(buf + at, len - at, "%s", t->dims.n ? "]" : "[]"); /* f32[] is 0-d */
    }
    return buf;
}

static char *shape_text(int32_t n, const int64_t *s, char *buf, size_t len)
{
    size_t at = (size_t)snprintf(buf, len, "[");
    for (int32_t i = 0; i < n && at < len; i++)
        at += (size_t)snprintf(buf + at, len - at, "%s%lld", i ? ", " : "", (long long)s[i]);
    if (at < len)
        snprintf(buf + at, len - at, "]");
    return buf;
}

/* Binds type parameter `name` to t, or checks it agrees with its binding. */
static bool bind_type(const KernelInfo *k, Binding *b, const char *tname, DType t, const char *who,
                      char *err, size_t errlen)
{
    const char **first_who = b->tparam_src;
    int32_t i = launch_tparam(k, tname);
    if (i < 0)
        return fail(err, errlen, "%s: unknown type parameter %s", KN, tname);
    if (b->tparams[i] == DT_ERROR) {
        b->tparams[i] = t;
        first_who[i] = who;
        return true;
    }
    if (b->tparams[i] != t)
        return fail(err, errlen, "%s: type %s is %s in %s but %s in %s", KN, tname, dtype_name(b->tparams[i]),
                    first_who[i], dtype_name(t), who);
    return true;
}

static bool bind_tensor(const KernelInfo *k, Binding *b, uint32_t pi, const DLTensor *t, const char **gwho, char *err, size_t errlen)
{
    const ParamInfo *p = &k->params.v[pi];
    char why[160], decl[160], s1[160], s2[160];
    if (!tensor_validate(t, why, sizeof why))
        return fail(err, errlen, "%s: %s: %s", KN, p->name, why);
    DType got = tensor_dtype_from_dl(t->dtype);
    if (p->dtype == DT_GENERIC) {
        if (got == DT_U8 && t->dtype.code == kDLUInt && launch_resolve(k, b, &p->ast->type) == DT_BOOL)
            got = DT_BOOL;
        if (!bind_type(k, b, p->ast->type.elem, got, p->name, err, errlen))
            return false;
    } else if (!tensor_dl_matches(t->dtype, p->dtype)) {
        return fail(err, errlen, "%s: %s is %s, expected %s", KN, p->name, tensor_dtype_name(got),
                    dtype_name(p->dtype));
    } else {
        got = p->dtype;
    }
    b->param_dtypes[pi] = got;
    if (p->rank_generic) {
        if (!b->has_gshape) {
            b->has_gshape = true;
            b->grank = t->ndim;
            if (t->ndim)
                memcpy(b->gshape, t->shape, sizeof(int64_t) * (size_t)t->ndim);
            *gwho = p->name;
            return true;
        }
        if (b->grank != t->ndim || (t->ndim && memcmp(b->gshape, t->shape, sizeof(int64_t) * (size_t)t->ndim)))
            return fail(err, errlen, "%s: %s has shape %s but %s has shape %s (tensors declared [...] share one "
                        "shape)", KN, p->name, shape_text(t->ndim, t->shape, s1, sizeof s1), *gwho,
                        shape_text(b->grank, b->gshape, s2, sizeof s2));
        return true;
    }
    if ((uint32_t)t->ndim != p->rank)
        return fail(err, errlen, "%s: %s has rank %d, expected %u (%s)", KN, p->name, t->ndim, p->rank,
                    launch_declared_text(p, decl, sizeof decl));
    for (uint32_t a = 0; a < p->rank; a++) {
        int64_t c;
        if (sym_is_const(p->shape[a], &c)) {
            if (t->shape[a] != c)
                return fail(err, errlen, "%s: dimension %u of %s is %lld, expected %lld (%s)", KN, a, p->name,
                            (long long)t->shape[a], (long long)c, launch_declared_text(p, decl, sizeof decl));
            continue;
        }
        for (uint32_t d = 0; d < k->dims.n; d++) {
            const DimInfo *di = &k->dims.v[d];
            if (di->sym != p->shape[a])
                continue;
            if (di->param == pi && di->axis == a)
                b->dims[d] = t->shape[a];
            else if (b->dims[d] != t->shape[a])
                return fail(err, errlen, "%s: dimension %s is %lld in %s but %lld in %s", KN, di->name,
                            (long long)b->dims[d], k->params.v[di->param].name, (long long)t->shape[a], p->name);
        }
    }
    return true;
}

static bool bind_scalar(const KernelInfo *k, Binding *b, uint32_t pi, const TkScalarValue *v, char *err, size_t errlen)
{
    const ParamInfo *p = &k->params.v[pi];
    if (!v || v->dtype == DT_ERROR)
        return fail(err, errlen, "%s: scalar %s is missing", KN, p->name);
    if (v->dtype <= DT_ERROR || v->dtype >= DT_GENERIC)
        return fail(err, errlen, "%s: scalar %s has no valid dtype", KN, p->name);
    if (p->dtype == DT_GENERIC) {
        if (!bind_type(k, b, p->ast->type.elem, v->dtype, p->name, err, errlen))
            return false;
    } else if (v->dtype != p->dtype) {
        return fail(err, errlen, "%s: scalar %s is %s, expected %s", KN, p->name, dtype_name(v->dtype),
                    dtype_name(p->dtype));
    }
    b->param_dtypes[pi] = v->dtype;
    b->iscalars[pi] = dtype_is_float(v->dtype) ? 0 : v->u.i;
    return true;
}

bool launch_bind(const KernelInfo *k, const LaunchArgs *a, Binding *b, char *err, size_t errlen)
{
    memset(b, 0, sizeof *b);
    uint32_t nt = k->ast->tparams.n, np = k->params.n, no = k->outputs.n;
    b->dims = calloc(k->dims.n + 1, sizeof *b->dims);
    b->tparams = calloc(nt + 1, sizeof *b->tparams);
    b->param_dtypes = calloc(np + 1, sizeof *b->param_dtypes);
    b->iscalars = calloc(np + 1, sizeof *b->iscalars);
    b->out_dtypes = calloc(no + 1, sizeof *b->out_dtypes);
    b->out_rank = calloc(no + 1, sizeof *b->out_rank);
    b->out_shape = calloc(no + 1, sizeof *b->out_shape);
    b->tparam_src = calloc(nt + 1, sizeof *b->tparam_src);
    if (!b->dims || !b->tparams || !b->param_dtypes || !b->iscalars || !b->out_dtypes || !b->out_rank ||
        !b->out_shape || !b->tparam_src)
        return fail(err, errlen, "%s: out of memory", KN);
    const char *gwho = NULL;
    bool ok = true;
    /* Tensors first, so that "dimension D is 5 in x but 6 in b" names the
     * binding tensor; then scalars. */
    for (uint32_t i = 0; i < np && ok; i++) {
        const ParamInfo *p = &k->params.v[i];
        if (!p->is_tensor)
            continue;
        const DLTensor *t = a->inputs ? a->inputs[i] : NULL;
        if (!t)
            ok = fail(err, errlen, "%s: input %s is missing", KN, p->name);
        else
            ok = bind_tensor(k, b, i, t, &gwho, err, errlen);
    }
    for (uint32_t i = 0; i < np && ok; i++)
        if (!k->params.v[i].is_tensor)
            ok = bind_scalar(k, b, i, a->scalars ? &a->scalars[i] : NULL, err, errlen);
    return ok && launch_check_requires(k, b, err, errlen) && launch_output_shapes(k, b, err, errlen);
}

/* "H = 1, W = 4": the dims an expression mentions. */
static void dims_used(const KernelInfo *k, const Binding *b, const Sym *e, char *buf, size_t len)
{
    size_t at = strlen(buf);
    for (uint32_t d = 0; d < k->dims.n && at < len; d++)
        if (sym_depends_on(e, k->dims.v[d].sym) && !strstr(buf, k->dims.v[d].name))
            at += (size_t)snprintf(buf + at, len - at, "%s%s = %lld", at ? ", " : "", k->dims.v[d].name,
                                   (long long)b->dims[d]);
}

bool launch_output_shapes(const KernelInfo *k, Binding *b, char *err, size_t errlen)
{
    for (uint32_t o = 0; o < k->outputs.n; o++) {
        const ParamInfo *p = &k->outputs.v[o];
        b->out_dtypes[o] = launch_resolve(k, b, &p->ast->type);
        if (p->rank_generic) {
            b->out_rank[o] = b->grank;
            memcpy(b->out_shape[o], b->gshape, sizeof b->gshape);
            continue;
        }
        b->out_rank[o] = (int32_t)p->rank;
        for (uint32_t a = 0; a < p->rank; a++) {
            bool ok;
            int64_t v = launch_eval(k, b, p->shape[a], &ok);
            char text[160], with[160] = "";
            if (!ok || v < 0) {
                launch_expr_text(p->ast->type.dims.v[a], text, sizeof text);
                dims_used(k, b, p->shape[a], with, sizeof with);
                if (!ok)
                    return fail(err, errlen, "%s: output %s: dimension %u (%s with %s) cannot be computed "
                                "(overflow)", KN, p->name, a, text, with);
                return fail(err, errlen, "%s: output %s would have dimension %u of size %lld (%s with %s)", KN,
                            p->name, a, (long long)v, text, with);
            }
            b->out_shape[o][a] = v;
        }
        size_t nbytes;
        if (!tensor_nbytes(DT_F64, b->out_rank[o], b->out_shape[o], &nbytes))
            return fail(err, errlen, "%s: output %s would be too large", KN, p->name);
    }
    return true;
}

bool launch_check_outputs(const KernelInfo *k, const LaunchArgs *a, Binding *b, char *err, size_t errlen)
{
    char why[160], s1[160], s2[160];
    bool ok = true;
    for (uint32_t o = 0; o < k->outputs.n && ok; o++) {
        const ParamInfo *p = &k->outputs.v[o];
        const DLTensor *t = a->outputs ? a->outputs[o] : NULL;
        if (!t) {
            ok = fail(err, errlen, "%s: output %s is missing", KN, p->name);
            break;
        }
        if (!tensor_validate(t, why, sizeof why)) {
            ok = fail(err, errlen, "%s: output %s: %s", KN, p->name, why);
            break;
        }
        DType got = tensor_dtype_from_dl(t->dtype);
        if (b->out_dtypes[o] == DT_ERROR) { /* a type parameter only outputs use */
            ok = bind_type(k, b, p->ast->type.elem, got, p->name, err, errlen);
            b->out_dtypes[o] = got;
        } else if (p->dtype == DT_GENERIC && !tensor_dl_matches(t->dtype, b->out_dtypes[o])) {
            ok = bind_type(k, b, p->ast->type.elem, got, p->name, err, errlen);
        } else if (!tensor_dl_matches(t->dtype, b->out_dtypes[o])) {
            ok = fail(err, errlen, "%s: output %s is %s, expected %s", KN, p->name, tensor_dtype_name(got),
                      dtype_name(b->out_dtypes[o]));
        }
        if (ok && (t->ndim != b->out_rank[o] || /* a 0-d tensor may have no shape array */
                   (t->ndim && memcmp(t->shape, b->out_shape[o], sizeof(int64_t) * (size_t)t->ndim))))
            ok = fail(err, errlen, "%s: output %s has shape %s, expected %s", KN, p->name,
                      shape_text(t->ndim, t->shape, s1, sizeof s1),
                      shape_text(b->out_rank[o], b->out_shape[o], s2, sizeof s2));
    }
    return ok;
}

bool launch_prepare(const KernelInfo *k, const LaunchArgs *a, Binding *b, char *err, size_t errlen)
{
    return launch_bind(k, a, b, err, errlen) && launch_check_outputs(k, a, b, err, errlen) &&
           launch_run_checks(k, b, err, errlen);
}
