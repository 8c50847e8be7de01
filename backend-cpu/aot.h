/* Ahead-of-time builds (docs/aot.md): several kernels, each for one or more
 * dtypes of its type parameter, compiled into one position-independent
 * object whose entry points validate their arguments through libtk_rt
 * (runtime/rt.h) and call the same code the JIT would run. */
#ifndef TK_AOT_H
#define TK_AOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <llvm-c/Core.h>

#include "compiler/launch/launch.h"
#include "support/srcmap.h"

/* aot_sig.c: the signature table of k (runtime/rt.h) for the given
 * instantiations (DT_ERROR: a kernel without type parameter). */
typedef struct AotSig {
    int64_t *w;
    size_t   nw, capw;
    char    *str;
    size_t   nstr, capstr;
    bool     oom, too_deep;
} AotSig;
bool aot_sig_build(const KernelInfo *k, const DType *insts, uint32_t ninsts, AotSig *s);
void aot_sig_free(AotSig *s);

/* One kernel to build and the dtypes of its type parameter. */
typedef struct AotKernel {
    KernelInfo *k;
    DType       dtypes[16];   /* {DT_ERROR} for a kernel without type parameter */
    uint32_t    ndtypes;
} AotKernel;

typedef struct AotOptions {
    const char *cpu;          /* NULL: the host */
    const char *features;     /* added to the CPU's ("+avx2,-avx512f"); NULL: none */
    bool        no_parallel;
} AotOptions;

/* What the object was built for (the probe of aot_object.c). */
typedef struct AotTarget {
    char     triple[64], cpu[64];
    unsigned vec_bits;
} AotTarget;

/* Builds the object: for each kernel `<prefix>_<kernel>` and
 * `<prefix>_<kernel>_shapes` (docs/aot.md). Compile errors go to diags;
 * other failures (unknown CPU or feature, LLVM) to err. */
bool aot_build_object(const SrcMap *files, const char *prefix, const AotKernel *ks, uint32_t nks,
                      const AotOptions *o, DiagSink *diags, LLVMMemoryBufferRef *out, AotTarget *t, char *err,
                      size_t nerr);

#endif
