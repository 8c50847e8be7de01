/* The compile cache: an in-process map from key to loaded kernel set, and
 * an on-disk store of object files that lets a second process skip LLVM.
 * Entry format, locations and validation are in docs/runtime.md. */
#ifndef TK_JIT_CACHE_H
#define TK_JIT_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <llvm-c/blake3.h>

typedef struct Cache Cache;

/* What an object depends on besides the caller's bytes. Every field goes
 * into the key and is checked again when an entry is read. */
typedef struct CacheIdent {
    const char *tk_version;     /* TK_VERSION_STRING */
    const char *llvm_version;   /* jit_llvm_version() */
    const char *cpu;            /* jit_cpu() */
    const char *features;       /* jit_features() */
} CacheIdent;

#define CACHE_KEY_LEN 32
typedef struct CacheKey {
    uint8_t b[CACHE_KEY_LEN];   /* BLAKE3 */
} CacheKey;

/* Builds a key from the ident and any number of caller parts (source text,
 * kernel name, dtypes, target, options). Each part is length-prefixed, so
 * ("ab", "c") and ("a", "bc") differ. */
typedef struct CacheKeyBuilder {
    llvm_blake3_hasher h;
} CacheKeyBuilder;

void cache_key_begin(CacheKeyBuilder *kb, const CacheIdent *id);
void cache_key_add(CacheKeyBuilder *kb, const void *bytes, size_t n);
void cache_key_add_str(CacheKeyBuilder *kb, const char *s);
void cache_key_end(CacheKeyBuilder *kb, CacheKey *out);
/* 64 hex digits and a NUL. */
void cache_key_hex(const CacheKey *k, char out[2 * CACHE_KEY_LEN + 1]);

/* The GNU build ID of the binary this code is linked into, as hex (up to
 * n - 1 digits); false (and "") when the linker wrote none. */
bool cache_build_id(char *out, size_t n);

typedef void (*CacheWarnFn)(void *ctx, const char *msg);

typedef struct CacheOptions {
    /* NULL: from the environment: TK_CACHE=0 disables the disk cache;
     * TK_CACHE_DIR, else $XDG_CACHE_HOME/tk, else $HOME/.cache/tk. A
     * directory given here ignores the environment. */
    const char *dir;
    /* Called once with a warning when the disk cache is given up (the
     * directory cannot be created or written); may be NULL. */
    CacheWarnFn warn;
    void       *warn_ctx;
} CacheOptions;

typedef struct CacheStats {
    uint64_t mem_hits, mem_misses;
    uint64_t disk_hits, disk_misses;   /* a bad entry counts as a miss too */
    uint64_t disk_bad;                 /* entries rejected by validation */
    uint64_t disk_stores;
} CacheStats;

typedef enum {
    CACHE_OFF,    /* no disk cache (disabled, or given up after a warning) */
    CACHE_MISS,   /* no entry */
    CACHE_BAD,    /* an entry that failed validation: rebuild and store */
    CACHE_HIT,
} CacheResult;

/* opt may be NULL. Never fails for lack of a directory: the disk cache is
 * then off, with a warning. NULL only when out of memory. */
Cache *cache_create(const CacheIdent *id, const CacheOptions *opt);
/* Frees the map (not the values in it: they belong to the JIT). */
void   cache_destroy(Cache *c);
/* The directory in use, NULL when the disk cache is off. */
const char *cache_dir(const Cache *c);
/* Copies the warning given, if any, into buf; false if there was none. */
bool   cache_warning(Cache *c, char *buf, size_t n);
CacheStats cache_stats(Cache *c);

/* In-process map. put stores value unless the key is present already and
 * returns what the map holds afterwards, so of two threads that compiled the
 * same kernel both end up with the first one's value. value must not be
 * NULL. Thread-safe. */
void *cache_mem_get(Cache *c, const CacheKey *k);
void *cache_mem_put(Cache *c, const CacheKey *k, void *value);

/* Disk store (cache_file.c). load gives a malloc'ed payload on CACHE_HIT
 * (caller frees). store writes a temp file in the directory, fsyncs it and
 * renames it over the entry, so readers see the old entry or the new one,
 * never a mix; a failure gives the one warning and turns the disk cache
 * off. Thread- and process-safe. */
CacheResult cache_load(Cache *c, const CacheKey *k, void **payload, size_t *n);
bool        cache_store(Cache *c, const CacheKey *k, const void *payload, size_t n);
/* Path of the entry for k into buf (false if the disk cache is off). */
bool        cache_entry_path(Cache *c, const CacheKey *k, char *buf, size_t n);

#endif
