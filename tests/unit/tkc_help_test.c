/* `tkc --help` and `tkc COMMAND --help` are complete: every command of the
 * driver's table and every option a driver/cmd_*.c file compares an argument
 * with (a string literal starting with '-') appear in both the top-level help
 * and the command's own help. Read from the sources, so a new option without
 * help text fails here. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/testutil.h"

static const char *const COMMANDS[] = {"build", "check", "emit", "list", "run", "sim"};

static char *help_of(const char *args)
{
    char cmd[1024], *out;
    snprintf(cmd, sizeof cmd, "%s %s", TKC, args);
    int st = run_capture(cmd, &out);
    cr_assert_eq(st, 0, "tkc %s: exit %d\n%s", args, st, out);
    return out;
}

/* Each "-option" literal of src (up to '=', a quote or a space), deduplicated. */
static size_t options_in(const char *src, char opts[][40], size_t max)
{
    size_t n = 0;
    for (const char *p = src; (p = strstr(p, "\"-")) != NULL; p++) {
        const char *s = p + 1;
        size_t len = strcspn(s, "\"= ");
        if (len < 2 || len >= 40 || (s[1] != '-' && len != 2) || s[len] == ' ')
            continue; /* "-" alone, or a message that happens to start with '-' */
        char o[40];
        memcpy(o, s, len), o[len] = 0;
        bool seen = false;
        for (size_t i = 0; i < n; i++)
            seen |= !strcmp(opts[i], o);
        if (!seen && n < max)
            strcpy(opts[n++], o);
    }
    return n;
}

/* `opt` occurs in text as a whole option (not as the prefix of a longer one). */
static bool mentions(const char *text, const char *opt)
{
    size_t len = strlen(opt);
    for (const char *p = text; (p = strstr(p, opt)) != NULL; p++) {
        char after = p[len];
        if (!(after == '-' || (after >= 'a' && after <= 'z')))
            return true;
    }
    return false;
}

Test(tkc_help, top_level_help_lists_every_command_and_option)
{
    char *top = help_of("--help");
    for (size_t c = 0; c < sizeof COMMANDS / sizeof *COMMANDS; c++) {
        char want[64], path[512];
        snprintf(want, sizeof want, "tkc %s ", COMMANDS[c]);
        cr_expect(strstr(top, want), "tkc --help does not show '%s'", want);
        snprintf(path, sizeof path, "%s/driver/cmd_%s.c", TK_SOURCE_DIR, COMMANDS[c]);
        char *src = read_text_file(path, NULL);
        cr_assert(src, "cannot read %s", path);
        snprintf(want, sizeof want, "%s --help", COMMANDS[c]);
        char *own = help_of(want);
        char opts[64][40];
        size_t n = options_in(src, opts, 64);
        cr_expect(n >= 1, "no options found in %s", path);
        for (size_t i = 0; i < n; i++) {
            if (!strcmp(opts[i], "-h") || !strcmp(opts[i], "--help"))
                continue; /* the help itself */
            cr_expect(mentions(top, opts[i]), "tkc --help does not mention %s option %s", COMMANDS[c], opts[i]);
            cr_expect(mentions(own, opts[i]), "tkc %s --help does not mention %s", COMMANDS[c], opts[i]);
        }
        free(own);
        free(src);
    }
    /* The emit forms in particular (the help once listed only --ast|--loops). */
    static const char *const emit_flags[] = {"--ast", "--loops", "--llvm", "--asm", "--schedule", "--auto",
                                             "--no-schedule", "--target", "--loop-ids", "--dump-after"};
    for (size_t i = 0; i < sizeof emit_flags / sizeof *emit_flags; i++)
        cr_expect(mentions(top, emit_flags[i]), "tkc --help does not mention emit %s", emit_flags[i]);
    cr_expect(!strstr(top, "run a kernel on .npy inputs (reference interpreter)"),
              "tkc --help says run uses only the interpreter");
    free(top);
}

Test(tkc_help, the_command_table_is_the_one_tested)
{
    char path[512];
    snprintf(path, sizeof path, "%s/driver/main.c", TK_SOURCE_DIR);
    char *src = read_text_file(path, NULL);
    cr_assert(src);
    size_t n = 0;
    for (const char *p = src; (p = strstr(p, ", cmd_")) != NULL; p++)
        n++;
    cr_expect_eq(n, sizeof COMMANDS / sizeof *COMMANDS, "driver/main.c has %zu commands; update COMMANDS", n);
    free(src);
}
