/* Built-in scalar functions of the language, one table for every layer. */
#ifndef TK_INTRINSICS_H
#define TK_INTRINSICS_H

/* How an intrinsic's arguments are typed. */
typedef enum {
    IA_FLOAT,    /* floating-point arguments, all the same type; result the same */
    IA_NUMERIC,  /* any non-bool arguments, all the same type; result the same */
    IA_SELECT,   /* select(bool, a, b): a and b the same type; result that type */
} IntrinsicArgs;

/* X(enum suffix, name, number of arguments, argument kind) */
#define TK_INTRINSICS(X)               \
    X(EXP,     "exp",     1, IA_FLOAT)   \
    X(LOG,     "log",     1, IA_FLOAT)   \
    X(SQRT,    "sqrt",    1, IA_FLOAT)   \
    X(RSQRT,   "rsqrt",   1, IA_FLOAT)   \
    X(TANH,    "tanh",    1, IA_FLOAT)   \
    X(ERF,     "erf",     1, IA_FLOAT)   \
    X(SIGMOID, "sigmoid", 1, IA_FLOAT)   \
    X(FLOOR,   "floor",   1, IA_FLOAT)   \
    X(CEIL,    "ceil",    1, IA_FLOAT)   \
    X(ROUND,   "round",   1, IA_FLOAT)   \
    X(TRUNC,   "trunc",   1, IA_FLOAT)   \
    X(FMOD,    "fmod",    2, IA_FLOAT)   \
    X(POW,     "pow",     2, IA_FLOAT)   \
    X(ABS,     "abs",     1, IA_NUMERIC) \
    X(MAX,     "max",     2, IA_NUMERIC) \
    X(MIN,     "min",     2, IA_NUMERIC) \
    X(CLAMP,   "clamp",   3, IA_NUMERIC) \
    X(SELECT,  "select",  3, IA_SELECT)

typedef enum {
#define X(e, n, a, k) INTR_##e,
    TK_INTRINSICS(X)
#undef X
    INTR__COUNT
} Intrinsic;

typedef struct IntrinsicInfo {
    const char   *name;
    int           nargs;
    IntrinsicArgs args;
} IntrinsicInfo;

extern const IntrinsicInfo intrinsic_info[INTR__COUNT];
/* -1 when `name` is not an intrinsic. */
int intrinsic_lookup(const char *name);

#endif
