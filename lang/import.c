/* The import loader: loads the root file and, depth first, every file it
 * imports (paths relative to the importing file, each file once by realpath),
 * reporting missing files and cycles at the import that causes them.
 * "std:NAME" imports the standard library file embedded in libtk; its
 * kernels and fns are marked as library ones, a namespace of their own. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lang/lang.h"

/* Imports nested deeper than this are reported instead of recursing on. */
#define IMPORT_MAX_DEPTH 200

typedef struct Unit {
    const char *real;      /* realpath, "std:NAME", or NULL for in-memory text */
    uint32_t    file;
    bool        done;      /* loaded; false while its imports are being loaded */
    bool        library;   /* a "std:" file */
} Unit;

typedef struct Frame {
    uint32_t         unit;
    const AstImport *via;  /* the import that led to the next frame */
} Frame;

typedef struct Loader {
    Ctx        *c;
    AstProgram *p;
    VEC(Unit)   units;
    VEC(Frame)  stack;     /* files being loaded, root first */
} Loader;

static const char *file_name(Loader *ld, uint32_t file)
{
    const SrcFile *f = srcmap_file(&ld->c->files, file);
    return f ? f->name : "?";
}

/* The directory part of `name` joined with `rel`; `rel` as is when it is
 * absolute or the importer has no directory part. */
static char *resolve(Loader *ld, const char *importer, const char *rel)
{
    const char *slash = strrchr(importer, '/');
    if (rel[0] == '/' || !slash)
        return arena_strdup(&ld->c->arena, rel);
    return arena_printf(&ld->c->arena, "%.*s/%s", (int)(slash - importer), importer, rel);
}

static int find_unit(Loader *ld, const char *real)
{
    for (uint32_t i = 0; i < ld->units.n; i++)
        if (ld->units.v[i].real && strcmp(ld->units.v[i].real, real) == 0)
            return (int)i;
    return -1;
}

/* An import cycle: the error at the import that closes it, and a note at
 * each import along the chain from the file it returns to. */
static void report_cycle(Loader *ld, uint32_t target, AstImport *im)
{
    uint32_t from = ld->stack.v[ld->stack.n - 1].unit;
    if (from == target) {
        diag_error(&ld->c->diags, im->span, "'%s' imports itself", file_name(ld, ld->units.v[from].file));
        return;
    }
    uint32_t start = 0;
    while (start < ld->stack.n && ld->stack.v[start].unit != target)
        start++;
    char *chain = "";
    for (uint32_t i = start; i < ld->stack.n; i++)
        chain = arena_printf(&ld->c->arena, "%s'%s' -> ", chain, file_name(ld, ld->units.v[ld->stack.v[i].unit].file));
    Diag *e = diag_error(&ld->c->diags, im->span, "import cycle: %s'%s'", chain,
                         file_name(ld, ld->units.v[target].file));
    for (uint32_t i = start; i + 1 < ld->stack.n; i++) {
        const Frame *f = &ld->stack.v[i];
        diag_note(&ld->c->diags, e, f->via->span, "'%s' imports '%s' here",
                  file_name(ld, ld->units.v[f->unit].file),
                  file_name(ld, ld->units.v[ld->stack.v[i + 1].unit].file));
    }
}

/* srcmap_load, with a directory reported as such rather than as EIO. */
static bool read_file(Ctx *c, const char *path, uint32_t *file)
{
    struct stat st;
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
        errno = EISDIR;
        return false;
    }
    return srcmap_load(&c->files, path, file);
}

static void load(Loader *ld, uint32_t unit);

/* Adds a unit and loads it through import im. */
static void enter(Loader *ld, AstImport *im, Unit nu)
{
    vec_push(&ld->c->arena, ld->units, nu);
    if (ld->c->arena.oom)
        return;
    im->file = nu.file;
    ld->stack.v[ld->stack.n - 1].via = im;
    load(ld, ld->units.n - 1);
}

/* Whether unit u is loaded already (im then refers to it, or closes a cycle). */
static bool seen(Loader *ld, const char *key, AstImport *im)
{
    int u = find_unit(ld, key);
    if (u < 0)
        return false;
    if (!ld->units.v[u].done)
        report_cycle(ld, (uint32_t)u, im);
    else
        im->file = ld->units.v[u].file;
    return true;
}

static void load_std(Loader *ld, AstImport *im)
{
    size_t len;
    const char *text = stdlib_file(im->path + 4, &len);
    if (!text) {
        char list[512] = "";
        for (size_t i = 0; stdlib_file_name(i); i++)
            snprintf(list + strlen(list), sizeof list - strlen(list), "%s std:%s", i ? "," : "", stdlib_file_name(i));
        diag_error(&ld->c->diags, im->span, "no standard library file '%s' (there are:%s)", im->path, list);
        return;
    }
    if (seen(ld, im->path, im))
        return;
    uint32_t file = srcmap_add(&ld->c->files, im->path, text, len);
    enter(ld, im, (Unit){arena_strdup(&ld->c->arena, im->path), file, false, true});
}

static void load_import(Loader *ld, uint32_t importer, AstImport *im)
{
    const Unit *from = &ld->units.v[importer];
    if (!strncmp(im->path, "std:", 4)) {
        load_std(ld, im);
        return;
    }
    if (from->library) {
        diag_error(&ld->c->diags, im->span, "a standard library file imports only \"std:\" files, not '%s'", im->path);
        return;
    }
    /* In-memory text imports relative to the current directory. */
    char *path = resolve(ld, from->real ? file_name(ld, from->file) : "", im->path);
    char real[PATH_MAX];
    if (!realpath(path, real)) {
        diag_error(&ld->c->diags, im->span, "cannot open imported file '%s': %s", im->path, strerror(errno));
        return;
    }
    if (seen(ld, real, im))
        return;
    if (ld->stack.n >= IMPORT_MAX_DEPTH) {
        diag_error(&ld->c->diags, im->span, "imports nested too deep (more than %d files)", IMPORT_MAX_DEPTH);
        return;
    }
    uint32_t file;
    if (!read_file(ld->c, path, &file)) {
        diag_error(&ld->c->diags, im->span, "cannot open imported file '%s': %s", im->path, strerror(errno));
        return;
    }
    enter(ld, im, (Unit){arena_strdup(&ld->c->arena, real), file, false, false});
}

static void mark_library(AstModule *m)
{
    m->library = true;
    for (uint32_t i = 0; i < m->items.n; i++) {
        AstItem *it = &m->items.v[i];
        if (it->kind == ITEM_KERNEL)
            it->u.kernel->library = true;
        else if (it->kind == ITEM_FN)
            it->u.fn->library = true;
        else if (it->kind == ITEM_SCHEDULE)
            it->u.sched->library = true;
    }
}

/* Parses one file, loads its imports, then appends it: imports come before
 * importers in p->modules. */
static void load(Loader *ld, uint32_t unit)
{
    Frame f = {unit, NULL};
    vec_push(&ld->c->arena, ld->stack, f);
    AstModule *m = parse_module(ld->c, ld->units.v[unit].file);
    if (ld->units.v[unit].library)
        mark_library(m);
    for (uint32_t i = 0; i < m->items.n; i++)
        if (m->items.v[i].kind == ITEM_IMPORT)
            load_import(ld, unit, m->items.v[i].u.import);
    ld->units.v[unit].done = true;
    ld->stack.n--;
    vec_push(&ld->c->arena, ld->p->modules, m);
}

static AstProgram *load_root(Ctx *c, uint32_t file, const char *real)
{
    Loader ld;
    memset(&ld, 0, sizeof ld);
    ld.c = c;
    ld.p = arena_alloc(&c->arena, sizeof *ld.p);
    Unit u = {real, file, false, false};
    vec_push(&c->arena, ld.units, u);
    if (c->arena.oom)
        return ld.p;
    load(&ld, 0);
    return ld.p;
}

AstProgram *lang_load_file(Ctx *c, const char *path)
{
    uint32_t file;
    if (!read_file(c, path, &file)) {
        diag_error(&c->diags, NO_SPAN, "cannot read '%s': %s", path, strerror(errno));
        return NULL;
    }
    char real[PATH_MAX];
    const char *r = realpath(path, real) ? arena_strdup(&c->arena, real) : NULL;
    return load_root(c, file, r);
}

AstProgram *lang_load_string(Ctx *c, const char *name, const char *text, size_t len)
{
    return load_root(c, srcmap_add(&c->files, name, text, len), NULL);
}
