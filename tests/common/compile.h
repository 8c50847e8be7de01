/* One kernel of a checked program through the pipeline, with its IR kept
 * in the session's arena so a test can look at it afterwards
 * (header-only). */
#ifndef TK_TEST_COMPILE_H
#define TK_TEST_COMPILE_H

#include <string.h>

#include "compiler/pipeline.h"

typedef struct Compiled {
    Func  *f;       /* after the last stage */
    Trace *trace;   /* the applied schedule */
    IrCtx  ir;
} Compiled;

static inline bool compiled_keep(void *ud, Compile *cc, Func *f)
{
    Compiled *out = ud;
    out->f = f;
    out->trace = cc->trace;
    out->ir = cc->ir;
    return true;
}

/* The cpu description without its loop-IR passes: the IR as lowering and
 * the schedule leave it (tests of the stages before the passes). */
static inline const Target *test_cpu_without_passes(void)
{
    static Target t;
    t = *target_find("cpu");
    t.passes = NULL;
    return &t;
}

/* p says what to run (target, key, schedule options); the kernel, the
 * session and verification are filled in. The default target is cpu.
 * NULL after a diagnostic in c->diags. */
static inline Func *test_compile(Ctx *c, KernelInfo *k, Pipeline p, Compiled *out)
{
    memset(out, 0, sizeof *out);
    p.ctx = c;
    p.kernel = k;
    p.arena = &c->arena;
    p.verify = true;
    p.trace = true;
    p.each = compiled_keep;
    p.ud = out;
    if (!p.target)
        p.target = target_find("cpu");
    return pipeline_run(&p) ? out->f : NULL;
}

#endif
