/* Entry points of the front end: load (lex, parse, resolve imports) and check. */
#ifndef TK_LANG_H
#define TK_LANG_H

#include <stdio.h>

#include "lang/ast.h"

/* Parses one source file already in c->files. Always returns a module (with
 * whatever items parsed); errors go to c->diags. */
AstModule *parse_module(Ctx *c, uint32_t file);

/* Loads `path` and, recursively, the files it imports (paths relative to the
 * importing file; each file once; an import cycle is an error). Returns NULL
 * only when the root file cannot be read (reported in c->diags). */
AstProgram *lang_load_file(Ctx *c, const char *path);
/* The same for source text held in memory; imports resolve relative to the
 * current directory. */
AstProgram *lang_load_string(Ctx *c, const char *name, const char *text, size_t len);

/* The standard library's files, embedded at build time (stdlib/NAME.tk,
 * imported as "std:NAME"): the text of one, or NULL when there is none;
 * and the i-th name in sorted order (NULL past the end). */
const char *stdlib_file(const char *name, size_t *len);
const char *stdlib_file_name(size_t i);

/* Semantic analysis of the whole program: names, dtypes, shapes, bounds,
 * stages and schedules. False when it reported an error. */
bool sema_check(Ctx *c, AstProgram *p);

/* `tkc emit --ast`: the typed AST with dtypes and extents. */
void ast_print(FILE *out, Ctx *c, const AstProgram *p);

#endif
