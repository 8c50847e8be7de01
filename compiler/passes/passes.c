/* Running a pass list, and the lists themselves: the one place that says
 * which loop-IR passes a target runs and in which order. */
#include <stdlib.h>
#include <string.h>

#include "compiler/passes/pass.h"

/* Order matters: legality is judged on per-dimension indices (before
 * flattening); specialization needs the strides that flattening makes
 * explicit; guard sinking sees the specialized conditions. */
static const Pass cpu_passes[] = {
    {"parallel_mark", pass_parallel_mark},
    {"storage_flatten", pass_storage_flatten},
    {"stride_specialize", pass_stride_specialize},
    {"guard_sink", pass_guard_sink},
};
const PassList pass_list_cpu = {cpu_passes, sizeof cpu_passes / sizeof *cpu_passes};

void pass_dump(const char *dump_after, FILE *out, IrCtx *c, const char *pass, const Func *f)
{
    if (!dump_after || (strcmp(dump_after, "all") != 0 && strcmp(dump_after, pass) != 0))
        return;
    out = out ? out : stderr;
    fprintf(out, "// after %s\n", pass);
    ir_print_func(out, c->a, f, 0);
}

bool passes_run(IrCtx *c, Func *f, const PassList *l, const PassOpts *o)
{
    PassOpts none = {0};
    if (!o)
        o = &none;
    bool verify = o->verify || ir_verify_enabled();
    for (uint32_t i = 0; l && i < l->n; i++) {
        Stmt *before = f->body;
        bool flat = f->flat;
        if (!l->v[i].run(c, f, o))
            return false;
        if (f->body == before && f->flat == flat)
            continue;
        pass_dump(o->dump_after, o->dump, c, l->v[i].name, f);
        if (verify && !ir_verify(c, f))
            return ir_ice(c, f->loc, "the IR is malformed after pass %s", l->v[i].name);
    }
    return true;
}
