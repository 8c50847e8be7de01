/* tkc list std: the standard library's operators, one a line with a summary. */
#include <stdio.h>
#include <string.h>

#include "driver/commands.h"
#include "stdlib/ops/ops.h"

int cmd_list(int argc, char **argv)
{
    if (argc == 1 && (!strcmp(argv[0], "--help") || !strcmp(argv[0], "-h"))) {
        puts("usage: tkc list std\nLists the standard library's operators with their inputs, outputs and "
             "attributes.");
        return 0;
    }
    if (argc != 1 || strcmp(argv[0], "std"))
        return cli_error("list: expected 'tkc list std'");
    for (size_t i = 0; op_at(i); i++) {
        const OpDef *d = op_at(i);
        char sig[200];
        snprintf(sig, sizeof sig, "%s(%s) -> %s", d->name, d->inputs, d->outputs);
        printf("%-40s %s%s%s%s\n", sig, d->summary, d->attrs[0] ? " [" : "", d->attrs, d->attrs[0] ? "]" : "");
    }
    return 0;
}

