/* Compiling source into a module: load, parse and check, then keep the
 * diagnostics as records and as rendered text, and the kernel table. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api_internal.h"
#include "compiler/pipeline.h"

tk_diagnostic api_diagnostic_record(const SrcMap *files, const Diag *d)
{
    const SrcFile *f = d->span.at.file ? srcmap_file(files, d->span.at.file) : NULL;
    return (tk_diagnostic){
        .level = d->level == DIAG_ERROR ? TK_DIAG_ERROR : d->level == DIAG_WARNING ? TK_DIAG_WARNING : TK_DIAG_NOTE,
        .file = f ? f->name : "",
        .line = d->span.at.line,
        .col = d->span.at.col,
        .message = d->msg,
    };
}

static void keep_diagnostics(tk_module *m)
{
    size_t n = 0;
    for (const Diag *d = m->c.diags.head; d; d = d->next) {
        n++;
        for (const Diag *note = d->notes; note; note = note->next)
            n++;
    }
    m->diags = arena_alloc(&m->c.arena, (n + 1) * sizeof *m->diags);
    for (const Diag *d = m->c.diags.head; d; d = d->next) {
        m->diags[m->ndiags++] = api_diagnostic_record(&m->c.files, d);
        for (const Diag *note = d->notes; note; note = note->next)
            m->diags[m->ndiags++] = api_diagnostic_record(&m->c.files, note);
    }
    size_t len = 0;
    FILE *f = open_memstream(&m->diag_text, &len);
    if (f) {
        diag_render(&m->c.diags, f);
        fclose(f);
    }
}

static void keep_kernels(tk_module *m)
{
    size_t n = 0;
    for (uint32_t i = 0; i < m->prog->modules.n; i++)
        for (uint32_t j = 0; j < m->prog->modules.v[i]->items.n; j++)
            n += m->prog->modules.v[i]->items.v[j].kind == ITEM_KERNEL;
    m->kernels = arena_alloc(&m->c.arena, (n + 1) * sizeof *m->kernels);
    for (uint32_t i = 0; i < m->prog->modules.n; i++)
        for (uint32_t j = 0; j < m->prog->modules.v[i]->items.n; j++) {
            AstItem *it = &m->prog->modules.v[i]->items.v[j];
            if (it->kind != ITEM_KERNEL || !it->u.kernel->info)
                continue;
            tk_kernel *k = &m->kernels[m->nkernels++];
            k->module = m;
            k->info = it->u.kernel->info;
            pthread_mutex_init(&k->inst.mu, NULL);
            api_describe_kernel(k, &m->c.arena, &m->c.files);
        }
}

/* Loads and checks through the pipeline (compiler/pipeline.h); kernels are
 * compiled on their first launch. */
static tk_status finish(tk_context *ctx, tk_module *m, Pipeline *p, tk_module **out)
{
    m->ok = pipeline_run(p);
    m->prog = p->prog;
    keep_diagnostics(m);
    if (m->c.arena.oom) {
        tk_module_destroy(m);
        return api_fail(TK_ERR_NO_MEMORY, "out of memory while compiling");
    }
    *out = m;
    if (!m->prog)
        return api_fail(TK_ERR_IO, "%s", m->ndiags ? m->diags[0].message : "cannot read the source");
    if (!m->ok) {
        char head[1024];
        diag_headline(&m->c.diags, m->c.diags.head, head, sizeof head);
        return api_fail(TK_ERR_COMPILE, "%s", head);
    }
    keep_kernels(m);
    (void)ctx;
    return TK_OK;
}

static tk_module *new_module(tk_context *ctx)
{
    tk_module *m = calloc(1, sizeof *m);
    if (m) {
        m->ctx = ctx;
        ctx_init(&m->c);
    }
    return m;
}

TK_API tk_status tk_compile_file(tk_context *ctx, const char *path, tk_module **out)
{
    api_clear_error();
    if (!out)
        return api_fail(TK_ERR_INVALID_ARGUMENT, "tk_compile_file: out is NULL");
    *out = NULL;
    if (!ctx || !path)
        return api_fail(TK_ERR_INVALID_ARGUMENT, "tk_compile_file: %s is NULL", ctx ? "path" : "ctx");
    tk_module *m = new_module(ctx);
    if (!m)
        return api_fail(TK_ERR_NO_MEMORY, "tk_compile_file: out of memory");
    Pipeline p = {.ctx = &m->c, .path = path};
    return finish(ctx, m, &p, out);
}

TK_API tk_status tk_compile_string(tk_context *ctx, const char *name, const char *source, size_t len,
                                   tk_module **out)
{
    api_clear_error();
    if (!out)
        return api_fail(TK_ERR_INVALID_ARGUMENT, "tk_compile_string: out is NULL");
    *out = NULL;
    if (!ctx || !source)
        return api_fail(TK_ERR_INVALID_ARGUMENT, "tk_compile_string: %s is NULL", ctx ? "source" : "ctx");
    tk_module *m = new_module(ctx);
    if (!m)
        return api_fail(TK_ERR_NO_MEMORY, "tk_compile_string: out of memory");
    Pipeline p = {.ctx = &m->c, .name = name ? name : "<string>", .text = source, .len = len};
    return finish(ctx, m, &p, out);
}

TK_API void tk_module_destroy(tk_module *m)
{
    if (!m)
        return;
    free(m->diag_text);
    for (size_t i = 0; i < m->nkernels; i++) {
        api_kernel_free_npu(&m->kernels[i]);
        pthread_mutex_destroy(&m->kernels[i].inst.mu);
    }
    ctx_free(&m->c);
    free(m);
}

TK_API size_t tk_module_diagnostic_count(const tk_module *m) { return m ? m->ndiags : 0; }

TK_API const tk_diagnostic *tk_module_diagnostic(const tk_module *m, size_t i)
{
    return m && i < m->ndiags ? &m->diags[i] : NULL;
}

TK_API const char *tk_module_diagnostics_text(const tk_module *m)
{
    return m && m->diag_text ? m->diag_text : "";
}

TK_API size_t tk_module_kernel_count(const tk_module *m) { return m ? m->nkernels : 0; }

TK_API const char *tk_module_kernel_name(const tk_module *m, size_t i)
{
    return m && i < m->nkernels ? m->kernels[i].info->ast->name : NULL;
}

TK_API tk_status tk_module_kernel(tk_module *m, const char *name, tk_kernel **out)
{
    api_clear_error();
    if (!m || !name || !out)
        return api_fail(TK_ERR_INVALID_ARGUMENT, "tk_module_kernel: NULL argument");
    *out = NULL;
    if (!m->ok)
        return api_fail(TK_ERR_COMPILE, "tk_module_kernel: the module has errors");
    /* a user's kernel before a standard library one of the same name */
    for (int library = 0; library < 2; library++)
        for (size_t i = 0; i < m->nkernels; i++)
            if (!strcmp(m->kernels[i].info->ast->name, name) && m->kernels[i].info->ast->library == library) {
                *out = &m->kernels[i];
                return TK_OK;
            }
    char list[512] = "";
    for (size_t i = 0; i < m->nkernels; i++)
        snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", i ? ", " : "",
                 m->kernels[i].info->ast->name);
    return api_fail(TK_ERR_NOT_FOUND, "no kernel '%s' (kernels: %s)", name, m->nkernels ? list : "none");
}

