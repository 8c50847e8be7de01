/* Helpers for the schedule suites (header-only; each *_test.c is its own
 * executable): compile a kernel with a schedule, lower it with the schedule
 * applied, run it with the IR evaluator and compare with the reference
 * interpreter on given shapes. */
#ifndef TK_TEST_SCHED_UTIL_H
#define TK_TEST_SCHED_UTIL_H

#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compiler/interp/interp.h"
#include "common/compile.h"
#include "lang/lang.h"

/* Values of the kernel's dims and integer scalars, by name. */
typedef struct Binds {
    const char *name[8];
    int64_t     value[8];
    int         n;
} Binds;

static inline int64_t binds_get(const Binds *b, const char *name, int64_t dflt)
{
    for (int i = 0; i < b->n; i++)
        if (!strcmp(b->name[i], name))
            return b->value[i];
    return dflt;
}

typedef struct SymEnv {
    KernelInfo  *k;
    const Binds *b;
} SymEnv;

static inline int64_t sched_util_dim(void *ud, const Sym *v)
{
    SymEnv *e = ud;
    for (uint32_t i = 0; i < e->k->dims.n; i++)
        if (e->k->dims.v[i].sym == v)
            return binds_get(e->b, e->k->dims.v[i].name, 1);
    return 0;
}

/* Compiles src; NULL (with the diagnostics in *diags, caller frees) when it
 * does not check or the schedule does not apply. */
typedef struct SchedCase {
    Ctx         ctx;
    AstProgram *prog;
    KernelInfo *k;
    Func       *f;      /* scheduled */
    Func       *ref;    /* default schedule */
    Trace      *trace;
} SchedCase;

static inline char *sched_diags(Ctx *c)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    diag_render(&c->diags, m);
    fclose(m);
    return buf;
}

/* Loads and schedules; returns false and fills *err (malloc'ed) on failure. */
static inline bool sched_case_load(SchedCase *t, const char *src, const char *kernel, char **err)
{
    ctx_init(&t->ctx);
    t->prog = lang_load_string(&t->ctx, "test.tk", src, strlen(src));
    if (!t->prog || !sema_check(&t->ctx, t->prog)) {
        *err = sched_diags(&t->ctx);
        return false;
    }
    t->k = launch_find_kernel(t->prog, kernel);
    if (!t->k) {
        *err = strdup("no such kernel");
        return false;
    }
    Compiled out;
    t->f = test_compile(&t->ctx, t->k, (Pipeline){.target = test_cpu_without_passes(), .key = {DT_ERROR}}, &out);
    t->trace = out.trace;
    if (!t->f) {
        *err = sched_diags(&t->ctx);
        return false;
    }
    *err = NULL;
    return true;
}

/* Deterministic inputs in [-2, 2). */
static inline void sched_fill(float *v, int64_t n, unsigned seed)
{
    uint32_t s = seed * 2654435761u + 12345u;
    for (int64_t i = 0; i < n; i++) {
        s = s * 1103515245u + 12345u;
        v[i] = (float)((s >> 8) % 4096) / 1024.0f - 2.0f;
    }
}

/* Runs t->f with the IR evaluator and the kernel with the interpreter on
 * the shapes of `b`; false with a message in msg on any difference. */
static inline bool sched_case_compare(SchedCase *t, const Binds *b, char *msg, size_t msglen)
{
    KernelInfo *k = t->k;
    SymEnv env = {k, b};
    uint32_t np = k->params.n, no = k->outputs.n;
    DLTensor *ins[16] = {0}, *outs[16] = {0};
    TkScalarValue sc[16];
    int64_t shapes[32][TK_MAX_RANK];
    float *fdata[32] = {0};
    double *ddata[32] = {0};
    IrEvalArg args[32];
    double scal[16];
    bool ok = true;
    msg[0] = 0;
    for (uint32_t i = 0; i < np; i++) {
        ParamInfo *p = &k->params.v[i];
        sc[i].dtype = DT_ERROR;
        if (!p->is_tensor) {
            sc[i].dtype = p->dtype;
            if (dtype_is_float(p->dtype))
                sc[i].u.f = scal[i] = 1e-5;
            else
                sc[i].u.i = (int64_t)(scal[i] = (double)binds_get(b, p->name, 4));
            args[i] = (IrEvalArg){&scal[i], NULL};
            continue;
        }
        int64_t n = 1;
        for (uint32_t d = 0; d < p->rank; d++) {
            bool eok = true;
            shapes[i][d] = sym_eval(p->shape[d], sched_util_dim, &env, &eok);
            n *= shapes[i][d];
        }
        fdata[i] = calloc((size_t)n + 1, sizeof(float));
        ddata[i] = calloc((size_t)n + 1, sizeof(double));
        sched_fill(fdata[i], n, i + 1);
        for (int64_t j = 0; j < n; j++)
            ddata[i][j] = fdata[i][j];
        DLTensor *dl = calloc(1, sizeof *dl);
        dl->data = fdata[i];
        dl->device.device_type = kDLCPU;
        dl->ndim = (int32_t)p->rank;
        dl->dtype = (DLDataType){kDLFloat, 32, 1};
        dl->shape = shapes[i];
        ins[i] = dl;
        args[i] = (IrEvalArg){ddata[i], shapes[i]};
    }
    LaunchArgs la = {ins, sc, outs};
    DType odt[16];
    int32_t orank[16];
    int64_t oshape[16][TK_MAX_RANK];
    char err[256];
    if (!interp_output_shapes(k, &la, odt, orank, oshape, err, sizeof err)) {
        snprintf(msg, msglen, "output shapes: %s", err);
        ok = false;
    }
    int64_t on[16];
    for (uint32_t i = 0; ok && i < no; i++) {
        int64_t n = 1;
        for (int32_t d = 0; d < orank[i]; d++)
            n *= oshape[i][d], shapes[np + i][d] = oshape[i][d];
        on[i] = n;
        fdata[np + i] = calloc((size_t)n + 1, sizeof(float));
        ddata[np + i] = calloc((size_t)n + 1, sizeof(double));
        DLTensor *dl = calloc(1, sizeof *dl);
        dl->data = fdata[np + i];
        dl->device.device_type = kDLCPU;
        dl->ndim = orank[i];
        dl->dtype = (DLDataType){kDLFloat, 32, 1};
        dl->shape = shapes[np + i];
        outs[i] = dl;
        args[np + i] = (IrEvalArg){ddata[np + i], shapes[np + i]};
    }
    if (ok && !interp_run(k, &la, err, sizeof err)) {
        snprintf(msg, msglen, "interpreter: %s", err);
        ok = false;
    }
    if (ok && !ir_eval_func(t->f, args, err, sizeof err)) {
        snprintf(msg, msglen, "IR evaluator: %s", err);
        ok = false;
    }
    for (uint32_t i = 0; ok && i < no; i++)
        for (int64_t j = 0; j < on[i] && ok; j++) {
            double want = fdata[np + i][j], got = ddata[np + i][j];
            if (!(fabs(got - want) <= 1e-4 * (1 + fabs(want)))) {
                snprintf(msg, msglen, "output %s[%lld]: got %.9g, want %.9g", k->outputs.v[i].name, (long long)j,
                         got, want);
                ok = false;
            }
        }
    for (uint32_t i = 0; i < np + no; i++) {
        free(fdata[i]);
        free(ddata[i]);
    }
    for (uint32_t i = 0; i < np; i++)
        free(ins[i]);
    for (uint32_t i = 0; i < no; i++)
        free(outs[i]);
    return ok;
}

static inline const char *binds_str(const Binds *b, char *buf, size_t len)
{
    size_t n = 0;
    buf[0] = 0;
    for (int i = 0; i < b->n && n < len; i++)
        n += (size_t)snprintf(buf + n, len - n, "%s%s=%lld", i ? " " : "", b->name[i], (long long)b->value[i]);
    return buf;
}

/* src (kernel + schedule) must schedule and agree with the interpreter on
 * every shape of shapes[0..n). */
static inline void expect_schedule_ok(const char *src, const char *kernel, const Binds *shapes, int n)
{
    SchedCase t;
    char *err = NULL;
    bool loaded = sched_case_load(&t, src, kernel, &err);
    cr_assert(loaded, "schedule failed:\n%s\n%s", src, err ? err : "");
    for (int i = 0; i < n; i++) {
        char msg[1024], sh[256];
        bool ok = sched_case_compare(&t, &shapes[i], msg, sizeof msg);
        cr_expect(ok, "%s\nshape %s: %s\napplied:\n%s", src, binds_str(&shapes[i], sh, sizeof sh), msg,
                  sched_trace_str(&t.ctx.arena, t.trace));
    }
    ctx_free(&t.ctx);
}

/* src must fail to schedule with a diagnostic containing `want`. */
static inline void expect_schedule_error(const char *src, const char *kernel, const char *want)
{
    SchedCase t;
    char *err = NULL;
    bool loaded = sched_case_load(&t, src, kernel, &err);
    cr_expect(!loaded, "expected an error containing '%s' for:\n%s", want, src);
    if (!loaded)
        cr_expect(err && strstr(err, want), "expected '%s' in:\n%s", want, err ? err : "(none)");
    free(err);
    ctx_free(&t.ctx);
}

/* Kernels the sched suites share. */
#define SOFTMAX                                                               \
    "kernel softmax(x: f32[N, D]) -> y: f32[N, D] {\n"                        \
    "    m[n]    = max(x[n, d] for d);\n"                                     \
    "    e[n, d] = exp(x[n, d] - m[n]);\n"                                    \
    "    s[n]    = sum(e[n, d] for d);\n"                                     \
    "    y[n, d] = e[n, d] / s[n];\n"                                         \
    "}\n"
#define MATMUL                                                                \
    "kernel matmul(a: f32[M, K], b: f32[K, N]) -> c: f32[M, N] {\n"           \
    "    c[i, j] = sum(a[i, k] * b[k, j] for k);\n"                           \
    "}\n"
#define STENCIL                                                               \
    "kernel stencil3(x: f32[N]) -> y: f32[N] {\n"                             \
    "    t[i] = x[i] * 2.0;\n"                                                \
    "    y[i] = 0.25 * (t[i - 1] ?? 0.0) + 0.5 * t[i] + 0.25 * (t[i + 1] ?? 0.0);\n" \
    "}\n"

#endif
