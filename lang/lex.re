/* The lexer (re2c): one declarative rule block over a NUL-terminated copy of
 * the file (NUL sentinel, no YYFILL), as ninja's lexer.in.cc. Comments and
 * string bodies are scanned by hand so that newlines inside them are counted
 * and unterminated ones are reported at their opening delimiter. */
#include "lang/lex.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

void lex_init(Lexer *lx, Ctx *c, uint32_t file)
{
    const SrcFile *f = srcmap_file(&c->files, file);
    memset(lx, 0, sizeof *lx);
    lx->c = c;
    lx->file = file;
    lx->base = f ? f->text : "";
    lx->end = lx->base + (f ? f->len : 0);
    lx->cur = lx->base;
    lx->line_start = lx->base;
    lx->line = 1;
}

const char *lex_kind_name(int kind)
{
    switch (kind) {
    case TK_EOF:        return "end of file";
    case TK_IDENT:      return "identifier";
    case TK_INT:        return "integer literal";
    case TK_FLOAT:      return "float literal";
    case TK_STRING:     return "string literal";
    case TK_KERNEL:     return "'kernel'";
    case TK_SCHEDULE:   return "'schedule'";
    case TK_FOR:        return "'for'";
    case TK_FN:         return "'fn'";
    case TK_IMPORT:     return "'import'";
    case TK_IN:         return "'in'";
    case TK_SPECIALIZE: return "'specialize'";
    case TK_REQUIRES:   return "'requires'";
    case TK_LPAREN:     return "'('";
    case TK_RPAREN:     return "')'";
    case TK_LBRACKET:   return "'['";
    case TK_RBRACKET:   return "']'";
    case TK_LBRACE:     return "'{'";
    case TK_RBRACE:     return "'}'";
    case TK_LT:         return "'<'";
    case TK_GT:         return "'>'";
    case TK_COMMA:      return "','";
    case TK_SEMI:       return "';'";
    case TK_COLON:      return "':'";
    case TK_ASSIGN:     return "'='";
    case TK_DOT:        return "'.'";
    case TK_DOTDOT:     return "'..'";
    case TK_ELLIPSIS:   return "'...'";
    case TK_ARROW:      return "'->'";
    case TK_DEFAULT:    return "'?\?'";
    case TK_PLUS:       return "'+'";
    case TK_MINUS:      return "'-'";
    case TK_STAR:       return "'*'";
    case TK_SLASH:      return "'/'";
    case TK_PERCENT:    return "'%'";
    case TK_EQ:         return "'=='";
    case TK_NE:         return "'!='";
    case TK_LE:         return "'<='";
    case TK_GE:         return "'>='";
    case TK_AND:        return "'&&'";
    case TK_OR:         return "'||'";
    case TK_NOT:        return "'!'";
    case TK_AMP:        return "'&'";
    case TK_PIPE:       return "'|'";
    case TK_CARET:      return "'^'";
    case TK_TILDE:      return "'~'";
    case TK_SHL:        return "'<<'";
    case TK_SHR:        return "'>>'";
    case TK_BITCAST:    return "'bitcast'";
    }
    return "token";
}

static SrcSpan span_of(const Lexer *lx, const char *start, const char *stop)
{
    SrcLoc at = {lx->file, lx->line, (uint32_t)(start - lx->line_start) + 1};
    return span_at(at, (uint32_t)(stop - start));
}

static void newline(Lexer *lx, const char *after)
{
    lx->line++;
    lx->line_start = after;
}

/* Reports one character that cannot start a token: printable ASCII and valid
 * UTF-8 as written, anything else as a hex escape. */
static void bad_char(Lexer *lx, const char *start, const char *stop)
{
    unsigned char b = (unsigned char)*start;
    SrcSpan sp = span_of(lx, start, stop);
    if (b >= 0x20 && b < 0x7f)
        diag_error(&lx->c->diags, sp, "invalid character '%c'", b);
    else if (b >= 0x80 && stop - start > 1)
        diag_error(&lx->c->diags, sp, "invalid character '%.*s'", (int)(stop - start), start);
    else
        diag_error(&lx->c->diags, sp, "invalid character '\\x%02x'", b);
}

/* line comment: "//" up to the newline (NUL bytes inside are harmless). */
static void line_comment(Lexer *lx)
{
    while (lx->cur < lx->end && *lx->cur != '\n')
        lx->cur++;
}

/* block comment: from the opening slash-star to the closing star-slash; lx->cur
 * is just after the opener. */
static void block_comment(Lexer *lx, const char *open)
{
    SrcSpan at = span_of(lx, open, open + 2);
    const char *p = lx->cur;
    for (; p < lx->end; p++) {
        if (p[0] == '*' && p[1] == '/') {
            lx->cur = p + 2;
            return;
        }
        if (*p == '\n')
            newline(lx, p + 1);
    }
    lx->cur = lx->end;
    diag_error(&lx->c->diags, at, "unterminated comment");
}

/* string: '"' { char | '\' escape } '"'; a newline or the end of file ends
 * it as unterminated. lx->cur is just after the opening quote. */
static void string_lit(Lexer *lx, const char *open, Token *t)
{
    char *buf = arena_alloc(&lx->c->arena, (size_t)(lx->end - lx->cur) + 1);
    size_t n = 0;
    const char *p = lx->cur;
    for (;;) {
        if (p >= lx->end || *p == '\n') {
            t->span = span_of(lx, open, open + 1);
            diag_error(&lx->c->diags, t->span, "unterminated string literal");
            break;
        }
        if (*p == '"') {
            p++;
            t->span = span_of(lx, open, p);
            break;
        }
        if (*p == '\\') {
            char e = p[1];
            const char *v = e == 'n' ? "\n" : e == 't' ? "\t" : e == '\\' ? "\\" : e == '"' ? "\"" : NULL;
            if (v) {
                buf[n++] = *v;
                p += 2;
                continue;
            }
            if (p + 1 < lx->end && e != '\n' && e != '\0') {
                diag_error(&lx->c->diags, span_of(lx, p, p + 2), "invalid escape sequence '\\%c' in string",
                           (unsigned char)e >= 0x20 && (unsigned char)e < 0x7f ? e : '?');
                p += 2;
                continue;
            }
            p++;
            continue;
        }
        if (*p == '\0')
            diag_error(&lx->c->diags, span_of(lx, p, p + 1), "NUL byte in string literal");
        buf[n++] = *p++;
    }
    buf[n] = 0;
    t->text = buf;
    t->len = n;
    lx->cur = p;
}

static void int_lit(Lexer *lx, const char *start, Token *t)
{
    int64_t v = 0;
    for (const char *p = start; p < lx->cur; p++) {
        int d = *p - '0';
        if (v > (INT64_MAX - d) / 10) {
            diag_error(&lx->c->diags, t->span, "integer literal is too large (the maximum is %lld)",
                       (long long)INT64_MAX);
            v = 0;
            break;
        }
        v = v * 10 + d;
    }
    t->ival = v;
}

static void float_lit(Lexer *lx, const char *start, Token *t)
{
    size_t n = (size_t)(lx->cur - start);
    char small[64], *s = n < sizeof small ? small : arena_alloc(&lx->c->arena, n + 1);
    memcpy(s, start, n);
    s[n] = 0;
    errno = 0;
    double v = strtod(s, NULL);
    if (errno == ERANGE && (isinf(v) || v == 0.0)) {
        diag_error(&lx->c->diags, t->span, "float literal is out of range");
        v = 0.0;
    }
    t->fval = v;
}

Token lex_next(Lexer *lx)
{
    const unsigned char *YYCURSOR, *YYMARKER;
    for (;;) {
        const char *start = lx->cur;
        Token t;
        memset(&t, 0, sizeof t);
        YYCURSOR = (const unsigned char *)start;
        int k;
/*!re2c
        re2c:define:YYCTYPE = "unsigned char";
        re2c:yyfill:enable = 0;

        digit = [0-9];
        exp   = [eE] [+-]? digit+;
        utf8  = [\xc2-\xdf] [\x80-\xbf]
              | [\xe0-\xef] [\x80-\xbf]{2}
              | [\xf0-\xf4] [\x80-\xbf]{3};

        "\x00"        { lx->cur = (const char *)YYCURSOR;
                        if (start >= lx->end) { lx->cur = lx->end; t.kind = TK_EOF; t.span = span_of(lx, start, start); return t; }
                        diag_error(&lx->c->diags, span_of(lx, start, lx->cur), "NUL byte in source file");
                        continue; }
        [ \t\r\v\f]+  { lx->cur = (const char *)YYCURSOR; continue; }
        "\n"          { lx->cur = (const char *)YYCURSOR; newline(lx, lx->cur); continue; }
        "//"          { lx->cur = (const char *)YYCURSOR; line_comment(lx); continue; }
        "/*"          { lx->cur = (const char *)YYCURSOR; block_comment(lx, start); continue; }
        "\""          { lx->cur = (const char *)YYCURSOR; string_lit(lx, start, &t); t.kind = TK_STRING; return t; }

        "kernel"      { k = TK_KERNEL;     goto word; }
        "schedule"    { k = TK_SCHEDULE;   goto word; }
        "for"         { k = TK_FOR;        goto word; }
        "fn"          { k = TK_FN;         goto word; }
        "import"      { k = TK_IMPORT;     goto word; }
        "in"          { k = TK_IN;         goto word; }
        "specialize"  { k = TK_SPECIALIZE; goto word; }
        "requires"    { k = TK_REQUIRES;   goto word; }
        "inf" | "nan" { k = TK_FLOAT;      goto number; } /* float literals spelled as words */
        "bitcast"     { k = TK_BITCAST;    goto word; }
        [a-zA-Z_][a-zA-Z_0-9]* { k = TK_IDENT; goto word; }

        digit+        { k = TK_INT; goto number; }
        digit+ "." digit+ exp? | digit+ exp { k = TK_FLOAT; goto number; }

        "("   { k = TK_LPAREN;   goto punct; }
        ")"   { k = TK_RPAREN;   goto punct; }
        "["   { k = TK_LBRACKET; goto punct; }
        "]"   { k = TK_RBRACKET; goto punct; }
        "{"   { k = TK_LBRACE;   goto punct; }
        "}"   { k = TK_RBRACE;   goto punct; }
        "<"   { k = TK_LT;       goto punct; }
        ">"   { k = TK_GT;       goto punct; }
        ","   { k = TK_COMMA;    goto punct; }
        ";"   { k = TK_SEMI;     goto punct; }
        ":"   { k = TK_COLON;    goto punct; }
        "="   { k = TK_ASSIGN;   goto punct; }
        "."   { k = TK_DOT;      goto punct; }
        ".."  { k = TK_DOTDOT;   goto punct; }
        "..." { k = TK_ELLIPSIS; goto punct; }
        "->"  { k = TK_ARROW;    goto punct; }
        "??"  { k = TK_DEFAULT;  goto punct; }
        "+"   { k = TK_PLUS;     goto punct; }
        "-"   { k = TK_MINUS;    goto punct; }
        "*"   { k = TK_STAR;     goto punct; }
        "/"   { k = TK_SLASH;    goto punct; }
        "%"   { k = TK_PERCENT;  goto punct; }
        "=="  { k = TK_EQ;       goto punct; }
        "!="  { k = TK_NE;       goto punct; }
        "<="  { k = TK_LE;       goto punct; }
        ">="  { k = TK_GE;       goto punct; }
        "&&"  { k = TK_AND;      goto punct; }
        "||"  { k = TK_OR;       goto punct; }
        "!"   { k = TK_NOT;      goto punct; }
        "&"   { k = TK_AMP;      goto punct; }
        "|"   { k = TK_PIPE;     goto punct; }
        "^"   { k = TK_CARET;    goto punct; }
        "~"   { k = TK_TILDE;    goto punct; }
        "<<"  { k = TK_SHL;      goto punct; }
        ">>"  { k = TK_SHR;      goto punct; }

        utf8  { lx->cur = (const char *)YYCURSOR; bad_char(lx, start, lx->cur); continue; }
        *     { lx->cur = (const char *)YYCURSOR; bad_char(lx, start, lx->cur); continue; }
*/
    word:
        lx->cur = (const char *)YYCURSOR;
        t.kind = k;
        t.span = span_of(lx, start, lx->cur);
        t.text = ctx_intern(lx->c, start, (size_t)(lx->cur - start));
        return t;
    number:
        lx->cur = (const char *)YYCURSOR;
        t.kind = k;
        t.span = span_of(lx, start, lx->cur);
        if (k == TK_INT)
            int_lit(lx, start, &t);
        else
            float_lit(lx, start, &t);
        return t;
    punct:
        lx->cur = (const char *)YYCURSOR;
        t.kind = k;
        t.span = span_of(lx, start, lx->cur);
        return t;
    }
}
