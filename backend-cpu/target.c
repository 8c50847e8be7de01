/* The CPU target's caps: what the code generator may assume about the
 * machine (vector registers, SLEEF) and the options string that goes into
 * the cache key, read from the Jit's triple and feature string. */
#include <stdio.h>
#include <string.h>

#include "backend-cpu/cpu_int.h"

/* Whether the LLVM feature string ("+sse2,-avx512f,...") enables `name`. */
static bool has_feature(const char *features, const char *name)
{
    size_t n = strlen(name);
    for (const char *p = features; p && *p;) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (len == n + 1 && p[0] == '+' && strncmp(p + 1, name, n) == 0)
            return true;
        p = end ? end + 1 : NULL;
    }
    return false;
}

void cpu_target_init(CpuTarget *t, const Jit *j, bool sleef, bool auto_parallel, bool strict)
{
    memset(t, 0, sizeof *t);
    t->triple = jit_triple(j);
    t->cpu = jit_cpu(j);
    t->features = jit_features(j);
    t->x86 = strncmp(t->triple, "x86_64", 6) == 0;
    t->avx = t->x86 && has_feature(t->features, "avx");
    t->avx512f = t->x86 && has_feature(t->features, "avx512f");
    t->vec_bits = t->avx512f ? 512 : t->avx ? 256 : 128;
    t->sleef = sleef;
    t->auto_parallel = auto_parallel;
    t->strict = strict;
    snprintf(t->options, sizeof t->options, "abi1,%s,%s,%s", sleef ? "sleef" : "libm",
             auto_parallel ? "par" : "serial", strict ? "strict" : "relaxed");
}
