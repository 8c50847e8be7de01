/* Kernels: introspection (built once at compile time) and launches, which
 * bind and validate the arguments and run the context's target. */
#include <stdio.h>
#include <string.h>

#include "api/api_internal.h"
#include "compiler/interp/interp.h"

/* The text of a dimension as written ("H / 2"). */
static const char *dim_text(Arena *a, const SrcMap *files, const AstExpr *e)
{
    size_t len;
    const char *line = srcmap_line(files, e->span.at.file, e->span.at.line, &len);
    if (!line || e->span.at.col == 0 || e->span.at.col - 1 + e->span.len > len)
        return "?";
    return arena_strndup(a, line + e->span.at.col - 1, e->span.len);
}

static tk_param_info describe(const ParamInfo *p, Arena *a, const SrcMap *files)
{
    tk_param_info info = {.name = p->name, .is_tensor = p->is_tensor, .is_generic = p->dtype == DT_GENERIC};
    if (!info.is_generic)
        info.dtype = api_dl_type(p->dtype);
    info.rank = p->rank_generic ? -1 : (int32_t)p->rank;
    for (uint32_t i = 0; i < p->rank && i < TK_MAX_RANK && !p->rank_generic; i++)
        info.dims[i] = dim_text(a, files, p->ast->type.dims.v[i]);
    return info;
}

void api_describe_kernel(tk_kernel *k, Arena *a, const SrcMap *files)
{
    KernelInfo *ki = k->info;
    k->params = arena_alloc(a, (ki->params.n + 1) * sizeof *k->params);
    k->outputs = arena_alloc(a, (ki->outputs.n + 1) * sizeof *k->outputs);
    for (uint32_t i = 0; i < ki->params.n; i++)
        k->params[i] = describe(&ki->params.v[i], a, files);
    for (uint32_t i = 0; i < ki->outputs.n; i++)
        k->outputs[i] = describe(&ki->outputs.v[i], a, files);
}

TK_API const char *tk_kernel_name(const tk_kernel *k) { return k ? k->info->ast->name : NULL; }
TK_API size_t tk_kernel_param_count(const tk_kernel *k) { return k ? k->info->params.n : 0; }
TK_API size_t tk_kernel_output_count(const tk_kernel *k) { return k ? k->info->outputs.n : 0; }
TK_API size_t tk_kernel_dim_count(const tk_kernel *k) { return k ? k->info->dims.n : 0; }

TK_API const char *tk_kernel_dim_name(const tk_kernel *k, size_t i)
{
    return k && i < k->info->dims.n ? k->info->dims.v[i].name : NULL;
}

static tk_status param_info(const tk_kernel *k, size_t i, tk_param_info *out, bool output)
{
    api_clear_error();
    if (!k || !out)
        return api_fail(TK_ERR_INVALID_ARGUMENT, "tk_kernel_%s: NULL argument", output ? "output" : "param");
    size_t n = output ? k->info->outputs.n : k->info->params.n;
    if (i >= n)
        return api_fail(TK_ERR_NOT_FOUND, "%s: %s %zu does not exist (it has %zu)", k->info->ast->name,
                        output ? "output" : "parameter", i, n);
    *out = output ? k->outputs[i] : k->params[i];
    return TK_OK;
}

TK_API tk_status tk_kernel_param(const tk_kernel *k, size_t i, tk_param_info *out)
{
    return param_info(k, i, out, false);
}

TK_API tk_status tk_kernel_output(const tk_kernel *k, size_t i, tk_param_info *out)
{
    return param_info(k, i, out, true);
}

/* tk_args -> LaunchArgs: scalars converted to TK's tagged values. */
static tk_status convert(const tk_kernel *k, const tk_args *args, TkScalarValue *scalars, const char *fn)
{
    const KernelInfo *ki = k->info;
    if (!args)
        return api_fail(TK_ERR_INVALID_ARGUMENT, "%s: args is NULL", fn);
    if (ki->params.n && !args->tensors && !args->scalars)
        return api_fail(TK_ERR_INVALID_ARGUMENT, "%s: %s takes %u parameter%s but args has none", fn,
                        ki->ast->name, ki->params.n, ki->params.n == 1 ? "" : "s");
    for (uint32_t i = 0; i < ki->params.n; i++) {
        scalars[i].dtype = DT_ERROR;
        if (ki->params.v[i].is_tensor) {
            if (!args->tensors || !args->tensors[i])
                return api_fail(TK_ERR_LAUNCH, "%s: tensor %s is missing", ki->ast->name, ki->params.v[i].name);
            continue;
        }
        if (!args->scalars)
            return api_fail(TK_ERR_LAUNCH, "%s: scalar %s is missing", ki->ast->name, ki->params.v[i].name);
        const tk_scalar *s = &args->scalars[i];
        DType t = api_dtype(s->dtype);
        if (t == DT_ERROR || s->dtype.lanes != 1)
            return api_fail(TK_ERR_LAUNCH, "%s: scalar %s has a dtype TK does not know (code %u, %u bits, %u lanes)",
                            ki->ast->name, ki->params.v[i].name, s->dtype.code, s->dtype.bits, s->dtype.lanes);
        scalars[i].dtype = t;
        if (dtype_is_float(t))
            scalars[i].u.f = s->value.f;
        else
            scalars[i].u.i = s->value.i;
    }
    return TK_OK;
}

TK_API tk_status tk_kernel_output_shapes(tk_kernel *k, const tk_args *args, int32_t *ranks, int64_t *shapes)
{
    api_clear_error();
    if (!k || !ranks || !shapes)
        return api_fail(TK_ERR_INVALID_ARGUMENT, "tk_kernel_output_shapes: NULL argument");
    TkScalarValue scalars[k->info->params.n + 1];
    tk_status st = convert(k, args, scalars, "tk_kernel_output_shapes");
    if (st != TK_OK)
        return st;
    LaunchArgs la = {(DLTensor *const *)args->tensors, scalars, NULL};
    Binding b;
    char err[1024];
    bool ok = launch_bind(k->info, &la, &b, err, sizeof err);
    if (ok)
        for (uint32_t j = 0; j < k->info->outputs.n; j++) {
            ranks[j] = b.out_rank[j];
            for (int32_t a = 0; a < b.out_rank[j]; a++)
                shapes[j * TK_MAX_RANK + a] = b.out_shape[j][a];
        }
    binding_free(&b);
    return ok ? TK_OK : api_fail(TK_ERR_LAUNCH, "%s", err);
}

/* cpu_launch, with its failures as the thread's last error: a compile
 * stage's located diagnostics, or the launch's message. */
static tk_status launch_cpu(tk_kernel *k, const LaunchArgs *la)
{
    CpuBackend *be = api_cpu_backend(k->module->ctx);
    if (!be)
        return TK_ERR_UNSUPPORTED;
    char err[1024];
    Arena a;
    arena_init(&a);
    DiagSink diags;
    diag_init(&diags, &a, &k->module->c.files);
    tk_status st = TK_OK;
    switch (cpu_launch(be, &k->module->c.files, k->info, la, &k->inst, NULL, &diags, err, sizeof err)) {
    case CPU_LAUNCHED: break;
    case CPU_LAUNCH_FAILED: st = api_fail(TK_ERR_LAUNCH, "%s", err); break;
    case CPU_COMPILE_FAILED: st = api_fail_diagnostics(&diags); break;
    }
    arena_free(&a);
    return st;
}

TK_API tk_status tk_launch(tk_kernel *k, const tk_args *args) { return tk_launch_report(k, args, NULL); }

TK_API tk_status tk_launch_report(tk_kernel *k, const tk_args *args, tk_npu_report *report)
{
    api_clear_error();
    if (report)
        memset(report, 0, sizeof *report);
    if (!k)
        return api_fail(TK_ERR_INVALID_ARGUMENT, "tk_launch: kernel is NULL");
    TkScalarValue scalars[k->info->params.n + 1];
    tk_status st = convert(k, args, scalars, "tk_launch");
    if (st != TK_OK)
        return st;
    if (k->info->outputs.n && !args->outputs)
        return api_fail(TK_ERR_LAUNCH, "%s: no output tensors given", k->info->ast->name);
    LaunchArgs la = {(DLTensor *const *)args->tensors, scalars, args->outputs};
    char err[1024];
    if (k->module->ctx->target == TK_TARGET_CPU && cpu_supports(k->info))
        return launch_cpu(k, &la);
    if (k->module->ctx->target == TK_TARGET_NPU)
        return api_launch_npu(k, &la, report);
    if (!interp_run(k->info, &la, err, sizeof err))
        return api_fail(TK_ERR_LAUNCH, "%s", err);
    return TK_OK;
}
