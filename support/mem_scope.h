/* Memory scopes, the one list every layer uses: the IR's buffers, the
 * schedule checker, the Target descriptions and the NPU machine model
 * (whose six memories are the first six, in its order). */
#ifndef TK_MEM_SCOPE_H
#define TK_MEM_SCOPE_H

/* X(ENUM, name as schedules and the IR write it, short name in NPU assembly) */
#define MEM_SCOPES(X)                \
    X(GLOBAL, "global", "gm")         \
    X(L1, "l1", "l1")                 \
    X(UB, "ub", "ub")                 \
    X(L0A, "l0a", "l0a")              \
    X(L0B, "l0b", "l0b")              \
    X(L0C, "l0c", "l0c")              \
    X(LOCAL, "local", "local")

typedef enum MemScope {
#define X(e, name, short_name) SCOPE_##e,
    MEM_SCOPES(X)
#undef X
    SCOPE__COUNT
} MemScope;

extern const char *const mem_scope_name[SCOPE__COUNT];       /* "global", "l1", ... */
extern const char *const mem_scope_short_name[SCOPE__COUNT]; /* "gm", "l1", ... */

/* The scope called `name` (either spelling), or SCOPE__COUNT. */
MemScope mem_scope_lookup(const char *name);

#endif
