/* The NPU (docs/npu.md): the AI core's memories with the sizes and
 * alignments of the default chip profile, the cube's mmad for tensorize,
 * and the emitter: loop IR -> an NpuPlan (backend-npu/lower/), whose
 * program is generated for each launch's shapes. */
#include <pthread.h>

#include "backend-npu/lower/npu_lower.h"
#include "backend-npu/npu.h"
#include "compiler/pipeline.h"

#define NPU_DEFAULT_PROFILE "ascend910"

static TargetScope     scopes[NPU_NSCOPE];
static Target          npu;
static pthread_once_t  once = PTHREAD_ONCE_INIT;
static const char *const tensorize_ops[] = {"mmad", NULL};

static bool emit(Compile *cc, Func *f, EmitKind what)
{
    if (what != EMIT_CODE) {
        diag_error(cc->diags, cc->kernel->ast->span, "the NPU program depends on the shapes: use tkc run --target npu "
                   "--print-program (kernel '%s')", cc->kernel->ast->name);
        return false;
    }
    return (cc->product = npu_plan_build(&cc->ir, f)) != NULL;
}

static void init(void)
{
    NpuProfile p = {0};
    char err[256];
    bool ok = npu_profile_load(&p, NPU_DEFAULT_PROFILE, NULL, err, sizeof err);
    for (int s = 0; s < NPU_NSCOPE; s++)
        scopes[s] = (TargetScope){(MemScope)s, ok ? p.mem_size[s] : 0, ok ? p.mem_align[s] : 32};
    scopes[NPU_GM].capacity = 0; /* global memory: the host's */
    npu = (Target){
        .name = "npu",
        .scopes = scopes,
        .nscopes = NPU_NSCOPE,
        .vector_bits = 256 * 8, /* one vector instruction covers 256 bytes */
        .tensorize_ops = tensorize_ops,
        .emit = emit,
    };
}

const Target *target_npu_desc(void)
{
    pthread_once(&once, init);
    return &npu;
}
