/* Contexts, versions and status strings. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "api/api_internal.h"
#include "support/tensor.h"

TK_API const char *tk_version(void) { return TK_VERSION_STRING; }

TK_API const char *tk_status_string(tk_status s)
{
    switch (s) {
    case TK_OK: return "ok";
    case TK_ERR_INVALID_ARGUMENT: return "invalid argument";
    case TK_ERR_COMPILE: return "the source has errors";
    case TK_ERR_NOT_FOUND: return "not found";
    case TK_ERR_LAUNCH: return "the arguments do not fit the kernel";
    case TK_ERR_IO: return "input/output error";
    case TK_ERR_NO_MEMORY: return "out of memory";
    case TK_ERR_UNSUPPORTED: return "not supported by this build";
    case TK_ERR_INTERNAL: return "internal error";
    }
    return "unknown status";
}

DLDataType api_dl_type(DType t)
{
    DLDataType d = {0, 0, 0};
    tensor_dtype_to_dl(t, &d);
    return d;
}

DType api_dtype(DLDataType t) { return tensor_dtype_from_dl(t); }

TK_API tk_status tk_context_create(const tk_options *opts, tk_context **out)
{
    api_clear_error();
    if (!out)
        return api_fail(TK_ERR_INVALID_ARGUMENT, "tk_context_create: out is NULL");
    *out = NULL;
    tk_options o = opts ? *opts : (tk_options){0};
    if (o.target != TK_TARGET_DEFAULT && o.target != TK_TARGET_INTERP && o.target != TK_TARGET_CPU &&
        o.target != TK_TARGET_NPU)
        return api_fail(TK_ERR_INVALID_ARGUMENT, "tk_context_create: unknown target %d", (int)o.target);
    tk_context *c = calloc(1, sizeof *c);
    if (!c)
        return api_fail(TK_ERR_NO_MEMORY, "tk_context_create: out of memory");
    c->opts = o;
    c->target = o.target == TK_TARGET_INTERP || o.target == TK_TARGET_NPU ? o.target : TK_TARGET_CPU;
    pthread_mutex_init(&c->mu, NULL);
    *out = c;
    return TK_OK;
}

/* The JIT is made on the first CPU launch, so contexts that only compile
 * and inspect stay cheap. */
CpuBackend *api_cpu_backend(tk_context *ctx)
{
    pthread_mutex_lock(&ctx->mu);
    if (!ctx->cpu) {
        char err[512];
        ctx->cpu = cpu_backend_create(&(CpuOptions){.strict = ctx->opts.strict != 0}, err, sizeof err);
        if (!ctx->cpu)
            api_fail(TK_ERR_UNSUPPORTED, "the cpu target cannot start: %s", err);
    }
    CpuBackend *be = ctx->cpu;
    pthread_mutex_unlock(&ctx->mu);
    return be;
}

TK_API void tk_context_destroy(tk_context *ctx)
{
    if (!ctx)
        return;
    tk_module_destroy(ctx->stdlib);
    cpu_backend_destroy(ctx->cpu);
    pthread_mutex_destroy(&ctx->mu);
    free(ctx);
}
