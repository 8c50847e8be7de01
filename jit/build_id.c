/* The GNU build ID of the binary TK's code is in (libtk.so, or the program
 * it is linked into): a hash the linker computes over the code, so any
 * rebuild that changes the compiler changes it. The disk cache keys objects
 * on it and the source (backend-cpu/compile.c), which lets a lookup happen
 * before anything is lowered without ever loading code from an older
 * compiler. */
#define _GNU_SOURCE
#include <elf.h>
#include <link.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "jit/cache.h"

typedef struct Search {
    uintptr_t addr;   /* an address inside the binary we look for */
    char     *out;
    size_t    n;
    bool      found;
} Search;

/* The NT_GNU_BUILD_ID note of one PT_NOTE segment, as hex, if it has one. */
static bool note_build_id(const unsigned char *p, size_t size, char *out, size_t n)
{
    for (size_t off = 0; off + sizeof(ElfW(Nhdr)) <= size;) {
        const ElfW(Nhdr) *nh = (const ElfW(Nhdr) *)(p + off);
        size_t name = (nh->n_namesz + 3) & ~(size_t)3, desc = (nh->n_descsz + 3) & ~(size_t)3;
        const unsigned char *d = p + off + sizeof *nh + name;
        if (nh->n_type == NT_GNU_BUILD_ID && nh->n_namesz == 4 && !memcmp(p + off + sizeof *nh, "GNU", 4) &&
            nh->n_descsz > 0 && 2 * (size_t)nh->n_descsz < n) {
            for (size_t i = 0; i < nh->n_descsz; i++)
                snprintf(out + 2 * i, 3, "%02x", d[i]);
            return true;
        }
        off += sizeof *nh + name + desc;
    }
    return false;
}

static int visit(struct dl_phdr_info *info, size_t size, void *data)
{
    (void)size;
    Search *s = data;
    bool inside = false;
    for (int i = 0; i < info->dlpi_phnum && !inside; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        uintptr_t lo = info->dlpi_addr + ph->p_vaddr;
        inside = ph->p_type == PT_LOAD && s->addr >= lo && s->addr < lo + ph->p_memsz;
    }
    if (!inside)
        return 0;
    for (int i = 0; i < info->dlpi_phnum && !s->found; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        if (ph->p_type == PT_NOTE)
            s->found = note_build_id((const unsigned char *)(info->dlpi_addr + ph->p_vaddr), ph->p_memsz, s->out, s->n);
    }
    return 1;
}

bool cache_build_id(char *out, size_t n)
{
    Search s = {(uintptr_t)note_build_id, out, n, false};
    if (n)
        out[0] = 0;
    dl_iterate_phdr(visit, &s);
    return s.found;
}
