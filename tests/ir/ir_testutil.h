/* Helpers for the loop-IR suites: compile TK source held in a string and
 * lower one kernel with verification on. Header-only (static inline) so each
 * suite stays one executable. */
#ifndef TK_IR_TESTUTIL_H
#define TK_IR_TESTUTIL_H

#include <criterion/criterion.h>
#include <string.h>

#include "common/compile.h"
#include "lang/lang.h"

typedef struct IrTest {
    Ctx         ctx;
    AstProgram *prog;
    IrCtx       ir;
} IrTest;

/* Checks `src`; on error renders the diagnostics into the test log. */
static inline bool irt_load(IrTest *t, const char *src)
{
    ctx_init(&t->ctx);
    t->prog = lang_load_string(&t->ctx, "test.tk", src, strlen(src));
    bool ok = t->prog && sema_check(&t->ctx, t->prog);
    if (!ok)
        diag_render(&t->ctx.diags, stderr);
    return ok;
}

static inline AstKernel *irt_kernel(IrTest *t, const char *name)
{
    for (uint32_t m = 0; m < t->prog->modules.n; m++) {
        AstModule *mod = t->prog->modules.v[m];
        for (uint32_t i = 0; i < mod->items.n; i++)
            if (mod->items.v[i].kind == ITEM_KERNEL && !strcmp(mod->items.v[i].u.kernel->name, name))
                return mod->items.v[i].u.kernel;
    }
    return NULL;
}

/* Lowers kernel `name` (verify on); asserts success. */
static inline Func *irt_lower_key(IrTest *t, const char *name, DType tparam)
{
    AstKernel *k = irt_kernel(t, name);
    cr_assert_not_null(k, "no kernel %s", name);
    Compiled out;
    Func *f = test_compile(&t->ctx, k->info, (Pipeline){.target = test_cpu_without_passes(), .key = {tparam}, .no_schedule = true}, &out);
    t->ir = out.ir;
    if (!f)
        diag_render(&t->ctx.diags, stderr);
    cr_assert_not_null(f, "lowering %s failed", name);
    cr_assert(ir_verify(&t->ir, f), "verify %s", name);
    return f;
}

static inline Func *irt_lower(IrTest *t, const char *name) { return irt_lower_key(t, name, DT_ERROR); }

/* The printed IR of f (arena string). */
static inline char *irt_print(IrTest *t, const Func *f)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    ir_print_func(m, &t->ctx.arena, f, 0);
    fclose(m);
    char *r = arena_strdup(&t->ctx.arena, buf);
    free(buf);
    return r;
}

static inline char *irt_print_stmt(IrTest *t, const Stmt *s)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    ir_print_stmt(m, &t->ctx.arena, s, 0, 0);
    fclose(m);
    char *r = arena_strdup(&t->ctx.arena, buf);
    free(buf);
    return r;
}

#endif
