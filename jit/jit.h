/* The JIT: one ORC LLJIT per TK context, the host target machine, the kernel pass
 * pipeline, object emission for the cache, and kernel sets that can be
 * loaded, looked up and removed. Only the LLVM-C API is used. */
#ifndef TK_JIT_H
#define TK_JIT_H

#include <stdbool.h>
#include <stddef.h>

#include <llvm-c/Core.h>

typedef struct Jit Jit;
/* One loaded kernel set (one object file): a JITDylib of its own, so two
 * sets may define the same names, and removing one frees its code. */
typedef struct JitLib JitLib;

/* A symbol of TK's runtime made visible to JIT'd code by address. */
typedef struct JitSymbol {
    const char *name;
    void       *addr;
} JitSymbol;

/* Errors: every function that can fail takes (err, nerr) and writes a
 * NUL-terminated message there; err may be NULL. Nothing here aborts. */

/* cpu and features NULL: the host's (LLVMGetHostCPUName / Features). Any
 * other pair targets that CPU (useful to build for a baseline x86-64). */
Jit  *jit_create(const char *cpu, const char *features, char *err, size_t nerr);
/* Removes every kernel set still loaded and frees the JIT. NULL is fine. */
void  jit_destroy(Jit *j);

/* What code is generated for; the strings live as long as the Jit. These and
 * the LLVM version are what the object cache keys and validates on. */
const char *jit_triple(const Jit *j);
const char *jit_cpu(const Jit *j);
const char *jit_features(const Jit *j);
/* "19.1.7": the LLVM the process runs with. */
void jit_llvm_version(char *buf, size_t n);

/* Sets the module's triple and data layout to the JIT's target. Optimizing
 * and emitting do this themselves; a code generator may call it first. */
void jit_prepare_module(Jit *j, LLVMModuleRef mod);
/* The LLVM pass pipeline jit_optimize runs (part of the cache keys). */
const char *jit_pipeline(void);
/* Verifies the module, then runs jit_pipeline()'s passes for the target
 * machine. The module stays the caller's.
 * Thread-safe: each call uses a target machine of its own. */
bool jit_optimize(Jit *j, LLVMModuleRef mod, char *err, size_t nerr);
/* Verifies and compiles the module to a relocatable object in memory (PIC,
 * small code model), which jit_add_object can load in this or another
 * process. *out is the caller's (LLVMDisposeMemoryBuffer). Thread-safe. */
bool jit_emit_object(Jit *j, LLVMModuleRef mod, LLVMMemoryBufferRef *out, char *err, size_t nerr);

/* Loads an object as a new kernel set; takes ownership of obj, even on
 * failure. Undefined symbols resolve only against the runtime symbols (never
 * the process), and a missing one is reported by jit_lookup. */
JitLib *jit_add_object(Jit *j, LLVMMemoryBufferRef obj, char *err, size_t nerr);
/* jit_emit_object + jit_add_object: code generation runs outside the JIT's
 * lock, so threads compile in parallel. The module stays the caller's. */
JitLib *jit_add_module(Jit *j, LLVMModuleRef mod, char *err, size_t nerr);
/* Address of `name` (unmangled) in the set, linking it on first use; NULL
 * with a message if it is not defined or cannot be linked. */
void *jit_lookup(Jit *j, JitLib *lib, const char *name, char *err, size_t nerr);
/* Frees the set's code; addresses looked up in it become invalid. */
bool  jit_remove(Jit *j, JitLib *lib, char *err, size_t nerr);

/* Adds a runtime symbol for sets loaded from now on (SLEEF, test hooks).
 * Redefining a name replaces its address for later sets. */
bool jit_define_symbol(Jit *j, const char *name, void *addr);
/* The built-in runtime symbols: tk_parallel_for, memcpy/memmove/memset and
 * the libm functions the code generator calls. */
const JitSymbol *jit_runtime_symbols(size_t *n);

#endif
