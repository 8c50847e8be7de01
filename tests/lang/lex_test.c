/* The lexer: every token kind, spans, values, and each lexical error with its
 * exact rendered message. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lang/lex.h"

#define MAXTOK 256

typedef struct Lexed {
    Ctx   c;
    Token t[MAXTOK];
    int   n;      /* tokens before TK_EOF */
    char *diags;  /* rendered diagnostics (malloc) */
} Lexed;

static Lexed *lex_text(const char *text, size_t len)
{
    Lexed *l = calloc(1, sizeof *l);
    ctx_init(&l->c);
    uint32_t f = srcmap_add(&l->c.files, "t.tk", text, len);
    Lexer lx;
    lex_init(&lx, &l->c, f);
    for (;;) {
        Token t = lex_next(&lx);
        cr_assert_lt(l->n, MAXTOK);
        l->t[l->n] = t;
        if (t.kind == TK_EOF)
            break;
        l->n++;
    }
    size_t sz;
    FILE *out = open_memstream(&l->diags, &sz);
    diag_render(&l->c.diags, out);
    fclose(out);
    return l;
}

static Lexed *lex_str(const char *text) { return lex_text(text, strlen(text)); }

static void done(Lexed *l)
{
    free(l->diags);
    ctx_free(&l->c);
    free(l);
}

static void expect_kinds(const char *text, const int *kinds, int n)
{
    Lexed *l = lex_str(text);
    cr_assert_eq(l->n, n, "%s: %d tokens, expected %d", text, l->n, n);
    for (int i = 0; i < n; i++)
        cr_assert_eq(l->t[i].kind, kinds[i], "%s: token %d is %s, expected %s", text, i,
                     lex_kind_name(l->t[i].kind), lex_kind_name(kinds[i]));
    cr_assert_str_eq(l->diags, "", "%s", text);
    done(l);
}
#define KINDS(text, ...)                                                    \
    do {                                                                    \
        const int k_[] = {__VA_ARGS__};                                     \
        expect_kinds(text, k_, (int)(sizeof k_ / sizeof k_[0]));            \
    } while (0)

static void expect_error(const char *text, size_t len, const char *rendered)
{
    Lexed *l = lex_text(text, len);
    cr_assert_str_eq(l->diags, rendered);
    done(l);
}

Test(lex, empty_input)
{
    Lexed *l = lex_str("");
    cr_assert_eq(l->n, 0);
    cr_assert_eq(l->t[0].kind, TK_EOF);
    cr_assert_eq(l->t[0].span.at.line, 1);
    cr_assert_eq(l->t[0].span.at.col, 1);
    cr_assert_str_eq(l->diags, "");
    done(l);
    l = lex_str("  // only a comment\n/* and\n another */\n");
    cr_assert_eq(l->n, 0);
    cr_assert_eq(l->t[0].span.at.line, 4);
    done(l);
}

Test(lex, keywords_and_identifiers)
{
    KINDS("kernel schedule for fn import in specialize",
          TK_KERNEL, TK_SCHEDULE, TK_FOR, TK_FN, TK_IMPORT, TK_IN, TK_SPECIALIZE);
    /* element types, auto, targets and reductions are plain names */
    KINDS("f32 bf16 i64 u8 bool auto cpu npu sum max T _x x1 kernels infor",
          TK_IDENT, TK_IDENT, TK_IDENT, TK_IDENT, TK_IDENT, TK_IDENT, TK_IDENT, TK_IDENT, TK_IDENT,
          TK_IDENT, TK_IDENT, TK_IDENT, TK_IDENT, TK_IDENT, TK_IDENT);
    Lexed *l = lex_str("abc abc f32");
    cr_assert_str_eq(l->t[0].text, "abc");
    cr_assert_eq(l->t[0].text, l->t[1].text, "identifiers are interned");
    cr_assert_eq(l->t[2].text, ctx_intern(&l->c, "f32", 3));
    done(l);
}

Test(lex, punctuation)
{
    KINDS("( ) [ ] { } < > , ; : = . .. ... -> ?? + - * / % == != <= >= && || !",
          TK_LPAREN, TK_RPAREN, TK_LBRACKET, TK_RBRACKET, TK_LBRACE, TK_RBRACE, TK_LT, TK_GT,
          TK_COMMA, TK_SEMI, TK_COLON, TK_ASSIGN, TK_DOT, TK_DOTDOT, TK_ELLIPSIS, TK_ARROW,
          TK_DEFAULT, TK_PLUS, TK_MINUS, TK_STAR, TK_SLASH, TK_PERCENT, TK_EQ, TK_NE, TK_LE,
          TK_GE, TK_AND, TK_OR, TK_NOT);
    /* longest match without spaces */
    KINDS("a<=b>=c==d!=e->f??g&&h||!i",
          TK_IDENT, TK_LE, TK_IDENT, TK_GE, TK_IDENT, TK_EQ, TK_IDENT, TK_NE, TK_IDENT, TK_ARROW,
          TK_IDENT, TK_DEFAULT, TK_IDENT, TK_AND, TK_IDENT, TK_OR, TK_NOT, TK_IDENT);
    KINDS("x[...]....", TK_IDENT, TK_LBRACKET, TK_ELLIPSIS, TK_RBRACKET, TK_ELLIPSIS, TK_DOT);
    KINDS("a--b", TK_IDENT, TK_MINUS, TK_MINUS, TK_IDENT);
    KINDS("& | ^ ~ << >> a&&b&c a<<=b>>c",
          TK_AMP, TK_PIPE, TK_CARET, TK_TILDE, TK_SHL, TK_SHR, TK_IDENT, TK_AND, TK_IDENT, TK_AMP, TK_IDENT,
          TK_IDENT, TK_SHL, TK_ASSIGN, TK_IDENT, TK_SHR, TK_IDENT);
    KINDS("bitcast<u32>(x) bitcasts", TK_BITCAST, TK_LT, TK_IDENT, TK_GT, TK_LPAREN, TK_IDENT, TK_RPAREN, TK_IDENT);
}

/* inf and nan are float literals (so they cannot name anything); infinity is a name. */
Test(lex, inf_and_nan_literals)
{
    KINDS("inf nan -inf infinity nanx", TK_FLOAT, TK_FLOAT, TK_MINUS, TK_FLOAT, TK_IDENT, TK_IDENT);
    Lexed *l = lex_str("inf nan");
    cr_assert(isinf(l->t[0].fval) && l->t[0].fval > 0);
    cr_assert(isnan(l->t[1].fval));
    done(l);
}

Test(lex, numbers)
{
    KINDS("0..3", TK_INT, TK_DOTDOT, TK_INT);
    KINDS("2.", TK_INT, TK_DOT);
    KINDS("2.x", TK_INT, TK_DOT, TK_IDENT);
    KINDS("1e", TK_INT, TK_IDENT);
    KINDS("1e+", TK_INT, TK_IDENT, TK_PLUS);
    KINDS(".5", TK_DOT, TK_INT);
    KINDS("0.5 1e-5 1.5e3 2E+2 007", TK_FLOAT, TK_FLOAT, TK_FLOAT, TK_FLOAT, TK_INT);
    Lexed *l = lex_str("0.5 1e-5 1.5e3 42 9223372036854775807 0.70710678 0");
    cr_assert_eq(l->t[0].fval, 0.5);
    cr_assert_eq(l->t[1].fval, 1e-5);
    cr_assert_eq(l->t[2].fval, 1500.0);
    cr_assert_eq(l->t[3].ival, 42);
    cr_assert_eq(l->t[4].ival, INT64_MAX);
    cr_assert_eq(l->t[5].fval, 0.70710678);
    cr_assert_eq(l->t[6].ival, 0);
    done(l);
}

Test(lex, strings)
{
    Lexed *l = lex_str("import \"dir/a b.tk\"; \"q\\\"\\\\\\n\\t\" \"\"");
    cr_assert_eq(l->n, 5);
    cr_assert_eq(l->t[1].kind, TK_STRING);
    cr_assert_str_eq(l->t[1].text, "dir/a b.tk");
    cr_assert_eq(l->t[1].len, 10);
    cr_assert_eq(l->t[1].span.at.col, 8);
    cr_assert_eq(l->t[1].span.len, 12);
    cr_assert_str_eq(l->t[3].text, "q\"\\\n\t");
    cr_assert_str_eq(l->t[4].text, "");
    cr_assert_str_eq(l->diags, "");
    done(l);
}

Test(lex, spans)
{
    const char *src = "kernel k\n  // c\n\t/* a\n b */ x1 <= 3.25;";
    Lexed *l = lex_str(src);
    cr_assert_eq(l->n, 6);
    struct { uint32_t line, col, len; } want[] = {
        {1, 1, 6}, {1, 8, 1}, {4, 7, 2}, {4, 10, 2}, {4, 13, 4}, {4, 17, 1},
    };
    for (int i = 0; i < 6; i++) {
        cr_assert_eq(l->t[i].span.at.file, 1);
        cr_assert_eq(l->t[i].span.at.line, want[i].line, "token %d line %u", i, l->t[i].span.at.line);
        cr_assert_eq(l->t[i].span.at.col, want[i].col, "token %d col %u", i, l->t[i].span.at.col);
        cr_assert_eq(l->t[i].span.len, want[i].len, "token %d len %u", i, l->t[i].span.len);
    }
    cr_assert_eq(l->t[6].kind, TK_EOF);
    cr_assert_eq(l->t[6].span.at.line, 4);
    cr_assert_eq(l->t[6].span.at.col, 18);
    done(l);
}

Test(lex, crlf_line_endings)
{
    Lexed *l = lex_str("a\r\nb");
    cr_assert_eq(l->n, 2);
    cr_assert_eq(l->t[1].span.at.line, 2);
    cr_assert_eq(l->t[1].span.at.col, 1);
    done(l);
}

Test(lex, invalid_characters)
{
    expect_error("a @ b", 5,
                 "t.tk:1:3: error: invalid character '@'\n"
                 "    a @ b\n"
                 "      ^\n");
    expect_error("x = y ? z $ w # v;", 18,
                 "t.tk:1:7: error: invalid character '?'\n"
                 "    x = y ? z $ w # v;\n"
                 "          ^\n"
                 "t.tk:1:11: error: invalid character '$'\n"
                 "    x = y ? z $ w # v;\n"
                 "              ^\n"
                 "t.tk:1:15: error: invalid character '#'\n"
                 "    x = y ? z $ w # v;\n"
                 "                  ^\n");
    expect_error("a\x01z", 3,
                 "t.tk:1:2: error: invalid character '\\x01'\n"
                 "    a?z\n"
                 "     ^\n");
}

Test(lex, invalid_utf8_and_non_ascii)
{
    expect_error("a \xff b", 5,
                 "t.tk:1:3: error: invalid character '\\xff'\n"
                 "    a \xff b\n"
                 "      ^\n");
    /* a lone continuation byte and a truncated sequence: one error per byte */
    Lexed *l = lex_str("\x80 \xc3");
    cr_assert_eq(l->c.diags.nerr, 2);
    cr_assert_eq(l->n, 0);
    done(l);
    /* a valid UTF-8 character is one error, not one per byte */
    expect_error("x = \xc3\xa9;", 7,
                 "t.tk:1:5: error: invalid character '\xc3\xa9'\n"
                 "    x = \xc3\xa9;\n"
                 "        ^~\n");
    l = lex_str("a \xe2\x88\x91 b");
    cr_assert_eq(l->c.diags.nerr, 1);
    cr_assert_eq(l->n, 2);
    cr_assert_eq(l->t[1].span.at.col, 7);
    done(l);
}

Test(lex, nul_bytes)
{
    const char src[] = "a\0b";
    expect_error(src, 3,
                 "t.tk:1:2: error: NUL byte in source file\n"
                 "    a?b\n"
                 "     ^\n");
    Lexed *l = lex_text(src, 3);
    cr_assert_eq(l->n, 2, "lexing goes on after a NUL byte");
    cr_assert_eq(l->t[1].span.at.col, 3);
    done(l);
    /* NUL inside a line comment is harmless; at the very end too */
    l = lex_text("a // x\0y\nb\0", 11);
    cr_assert_eq(l->n, 2);
    cr_assert_eq(l->c.diags.nerr, 1);
    done(l);
    /* NUL inside a block comment and a string */
    l = lex_text("/* \0 */ \"a\0b\"", 13);
    cr_assert_eq(l->n, 1);
    cr_assert_eq(l->t[0].len, 3);
    cr_assert_eq(l->c.diags.nerr, 1);
    done(l);
}

Test(lex, unterminated_block_comment)
{
    expect_error("a /* b\nc", 8,
                 "t.tk:1:3: error: unterminated comment\n"
                 "    a /* b\n"
                 "      ^~\n");
    /* comments do not nest */
    KINDS("/* /* */ x */", TK_IDENT, TK_STAR, TK_SLASH);
}

Test(lex, unterminated_string)
{
    expect_error("import \"a.tk;\nkernel", 20,
                 "t.tk:1:8: error: unterminated string literal\n"
                 "    import \"a.tk;\n"
                 "           ^\n");
    Lexed *l = lex_str("import \"a.tk;\nkernel");
    cr_assert_eq(l->n, 3, "the newline ends the string; 'kernel' is lexed");
    cr_assert_eq(l->t[2].kind, TK_KERNEL);
    cr_assert_eq(l->t[2].span.at.line, 2);
    done(l);
    expect_error("\"abc", 4,
                 "t.tk:1:1: error: unterminated string literal\n"
                 "    \"abc\n"
                 "    ^\n");
    expect_error("\"a\\qb\"", 6,
                 "t.tk:1:3: error: invalid escape sequence '\\q' in string\n"
                 "    \"a\\qb\"\n"
                 "      ^~\n");
}

Test(lex, integer_too_large)
{
    char digits[401];
    memset(digits, '7', 400);
    digits[400] = 0;
    Lexed *l = lex_str(digits);
    cr_assert_eq(l->c.diags.nerr, 1);
    cr_assert_eq(l->n, 1);
    cr_assert_eq(l->t[0].kind, TK_INT);
    cr_assert_eq(l->t[0].ival, 0);
    cr_assert_eq(l->t[0].span.len, 400);
    char head[256];
    diag_headline(&l->c.diags, l->c.diags.head, head, sizeof head);
    cr_assert_str_eq(head, "t.tk:1:1: error: integer literal is too large (the maximum is 9223372036854775807)");
    done(l);
    expect_error("x = 9223372036854775808;", 24,
                 "t.tk:1:5: error: integer literal is too large (the maximum is 9223372036854775807)\n"
                 "    x = 9223372036854775808;\n"
                 "        ^~~~~~~~~~~~~~~~~~~\n");
}

Test(lex, float_out_of_range)
{
    expect_error("x = 1e999;", 10,
                 "t.tk:1:5: error: float literal is out of range\n"
                 "    x = 1e999;\n"
                 "        ^~~~~\n");
    expect_error("1.0e-999", 8,
                 "t.tk:1:1: error: float literal is out of range\n"
                 "    1.0e-999\n"
                 "    ^~~~~~~~\n");
    Lexed *l = lex_str("1e308 1e-300");
    cr_assert_str_eq(l->diags, "");
    done(l);
}

Test(lex, errors_do_not_stop_lexing)
{
    Lexed *l = lex_str("a @ # b $ c");
    cr_assert_eq(l->n, 3);
    cr_assert_eq(l->c.diags.nerr, 3);
    done(l);
}

Test(lex, kind_names)
{
    cr_assert_str_eq(lex_kind_name(TK_EOF), "end of file");
    cr_assert_str_eq(lex_kind_name(TK_SEMI), "';'");
    cr_assert_str_eq(lex_kind_name(TK_IDENT), "identifier");
    cr_assert_str_eq(lex_kind_name(TK_DEFAULT), "'?\?'");
    for (int k = 1; k <= TK_REQUIRES; k++)
        cr_assert_str_neq(lex_kind_name(k), "token", "kind %d has no name", k);
}
