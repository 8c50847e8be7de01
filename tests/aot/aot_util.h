/* Helpers of the tkc build suites (header-only): build a program's kernels
 * ahead of time into a shared library with one C thunk per kernel. */
#ifndef TK_TEST_AOT_UTIL_H
#define TK_TEST_AOT_UTIL_H

#include <dlfcn.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/testutil.h"
#include "compiler/pipeline.h"
#include "cpu/cpu_util.h"

typedef int (*Thunk)(DLTensor **t, const int64_t *isc, const double *fsc, const char **msg);

static inline const char *scalar_cast(DType t)
{
    switch (t) {
    case DT_F64: case DT_GENERIC: return "(double)fsc";
    case DT_F32: case DT_F16: case DT_BF16: return "(float)fsc";
    case DT_BOOL: return "(bool)isc";
    default: return "isc";
    }
}

static inline bool in_root(Prog *pr, KernelInfo *k)
{
    AstModule *root = pr->p->modules.v[pr->p->modules.n - 1];
    for (uint32_t i = 0; i < root->items.n; i++)
        if (root->items.v[i].kind == ITEM_KERNEL && root->items.v[i].u.kernel->info == k)
            return true;
    return false;
}

/* Builds the lowerable kernels of the program in `path` (generic ones for
 * f32 and f64) into dir/kern.o + kern.h, and a shared library with a thunk
 * call_<kernel> per kernel; returns its dlopen handle. */
static inline void *build(Prog *pr, const char *path, const char *flags, char *dir)
{
    strcpy(dir, "/tmp/tk_aot_XXXXXX");
    cr_assert(mkdtemp(dir));
    char cmd[8192], *out = NULL;
    int at = snprintf(cmd, sizeof cmd, "%s build %s -o %s/kern --dtype T=f32,f64 %s", TKC, path, dir, flags);
    char thunk[16384];
    int tn = snprintf(thunk, sizeof thunk, "#include \"kern.h\"\n");
    AstModule *root = pr->p->modules.v[pr->p->modules.n - 1];
    for (uint32_t i = 0; i < root->items.n; i++) {
        if (root->items.v[i].kind != ITEM_KERNEL)
            continue;
        KernelInfo *k = root->items.v[i].u.kernel->info;
        if (!pipeline_lowerable(k))
            continue;
        at += snprintf(cmd + at, sizeof cmd - (size_t)at, " -k %s", k->ast->name);
        tn += snprintf(thunk + tn, sizeof thunk - (size_t)tn,
                       "int call_%s(DLTensor **t, const int64_t *isc, const double *fsc, const char **msg)\n"
                       "{\n    int rc = kern_%s(", k->ast->name, k->ast->name);
        uint32_t n = k->params.n + k->outputs.n;
        for (uint32_t a = 0; a < n; a++) {
            bool scalar = a < k->params.n && !k->params.v[a].is_tensor;
            tn += snprintf(thunk + tn, sizeof thunk - (size_t)tn, "%s%s[%u]", a ? ", " : "",
                           scalar ? scalar_cast(k->params.v[a].dtype) : "t", a);
        }
        tn += snprintf(thunk + tn, sizeof thunk - (size_t)tn, ");\n    *msg = tk_rt_last_error();\n    return rc;\n}\n");
    }
    int st = run_capture(cmd, &out);
    cr_assert_eq(st, 0, "%s\n%s", cmd, out);
    free(out);
    char tpath[600];
    snprintf(tpath, sizeof tpath, "%s/thunk.c", dir);
    FILE *f = fopen(tpath, "w");
    cr_assert(f);
    fputs(thunk, f);
    fclose(f);
    snprintf(cmd, sizeof cmd,
             "cd %s && cc -std=c99 -Wall -Werror -fPIC -shared -I%s/include thunk.c kern.o -L%s -ltk_rt -lsleef "
             "-Wl,-rpath,%s -o kern.so 2>&1 && g++ -fsyntax-only -Wall -Werror -x c++ -I%s/include kern.h 2>&1",
             dir, TK_SOURCE_DIR, TK_BINARY_DIR, TK_BINARY_DIR, TK_SOURCE_DIR);
    st = run_capture(cmd, &out);
    cr_assert_eq(st, 0, "%s\n%s", cmd, out);
    free(out);
    snprintf(tpath, sizeof tpath, "%s/kern.so", dir);
    void *so = dlopen(tpath, RTLD_NOW | RTLD_LOCAL);
    cr_assert(so, "%s", dlerror());
    return so;
}

static inline void cleanup(void *so, const char *dir)
{
    dlclose(so);
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    cr_assert_eq(system(cmd), 0);
}

#endif
