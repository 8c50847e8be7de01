/* The grammar of DESIGN §1 (lemon). Actions only call AST constructors; the
 * token loop, error messages and recovery policy live in parse.c.
 * Recovery: `error ;` ends a bad statement, `error }` a bad body; an error
 * outside any body fails the parse and parse.c resynchronises at the next
 * item keyword. */
%include {
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "lang/parse_state.h"

#define AR (&ps->c->arena)
/* After `error ;` or `error }` the next statement is independent: report
 * its errors at once instead of lemon's default three-token silence. */
#define RECOVERED() (yypParser->yyerrcnt = -1)

static void tk_expected(void *parser, bool *out, int ntok);

/* A parenthesised expression widens its span to the parentheses. */
static AstExpr *paren(AstExpr *e, SrcSpan l, SrcSpan r)
{
    if (l.at.line == r.at.line && e->span.at.line == l.at.line)
        e->span = span_join(l, r);
    return e;
}

static AstType *mktype(ParseState *ps, Token elem, bool tensor, AstExprVec dims, SrcSpan close)
{
    AstType *t = arena_alloc(AR, sizeof *t);
    t->elem = elem.text;
    t->elem_span = elem.span;
    t->span = tensor ? span_join(elem.span, close) : elem.span;
    t->is_tensor = tensor;
    t->dims = dims;
    return t;
}

static void add_item(ParseState *ps, AstItemKind kind, void *p)
{
    AstItem it = {.kind = kind};
    switch (kind) {
    case ITEM_KERNEL:   it.u.kernel = p; break;
    case ITEM_FN:       it.u.fn = p; break;
    case ITEM_SCHEDULE: it.u.sched = p; break;
    case ITEM_IMPORT:   it.u.import = p; break;
    }
    vec_push(AR, ps->m->items, it);
}

static AstKernel *mkkernel(ParseState *ps, Token name, AstTypeParamVec tp, AstParamVec in,
                           AstParamVec out, AstExprVec req, AstStmtVec body, SrcSpan close)
{
    AstKernel *k = arena_alloc(AR, sizeof *k);
    k->name = name.text;
    k->span = name.span;
    k->tparams = tp;
    k->params = in;
    k->outputs = out;
    k->requires = req;
    k->stmts = body;
    k->close = close;
    return k;
}

static AstSchedule *mksched(ParseState *ps, Token kw, Token kernel, Token target, AstSchedStmtVec body)
{
    AstSchedule *s = arena_alloc(AR, sizeof *s);
    s->kernel = kernel.text;
    s->kernel_span = kernel.span;
    s->target = target.text;
    s->target_span = target.span;
    s->stmts = body;
    s->span = kw.span;
    return s;
}

static AstSchedStmt *mkspecialize(ParseState *ps, Token kw, AstExpr *cond, SrcSpan rparen, AstSchedStmtVec body)
{
    AstSchedStmt *s = arena_alloc(AR, sizeof *s);
    s->kind = SS_SPECIALIZE;
    s->span = span_join(kw.span, rparen);
    s->cond = cond;
    s->body = body;
    return s;
}
}

%name TkParse
%token_prefix TK_
%token_type {Token}
%extra_context {ParseState *ps}
%stack_size 2000
%start_symbol module

%stack_overflow { parse_stack_overflow(ps); }
%syntax_error {
    /* parse.c computed the expected set before lemon's default reductions
     * narrowed it; fall back to the current state otherwise. */
    bool expected[PARSE_NTOK];
    if (ps->have_expected)
        memcpy(expected, ps->expected, sizeof expected);
    else
        tk_expected(yypParser, expected, PARSE_NTOK);
    parse_syntax_error(ps, yymajor, &TOKEN, expected, PARSE_NTOK);
}
%parse_failure { ps->failed = true; }

/* Token codes in a fixed order (lex.re and the tests use the TK_ names). */
%token IDENT INT FLOAT STRING KERNEL SCHEDULE FOR FN IMPORT IN SPECIALIZE
       LPAREN RPAREN LBRACKET RBRACKET LBRACE RBRACE LT GT COMMA SEMI COLON ASSIGN
       DOT DOTDOT ELLIPSIS ARROW DEFAULT PLUS MINUS STAR SLASH PERCENT EQ NE LE GE
       AND OR NOT.
%token REQUIRES.
/* Integer bit operations and bitcast<T>(x). */
%token AMP PIPE CARET TILDE SHL SHR BITCAST.

/* Lowest to highest. */
%right DEFAULT.
%left OR.
%left AND.
%left PIPE.
%left CARET.
%left AMP.
%left EQ NE.
%nonassoc LT LE GT GE.
%left SHL SHR.
%left PLUS MINUS.
%left STAR SLASH PERCENT.
%right NOT.

/* ---- items ------------------------------------------------------------ */

/* module -> { item } */
module ::= items.
items ::= .
items ::= items item.
item ::= import.
item ::= fn.
item ::= kernel.
item ::= schedule.

/* import -> 'import' STRING ';' */
import ::= IMPORT(K) STRING(P) SEMI(E). {
    AstImport *im = arena_alloc(AR, sizeof *im);
    im->path = P.text;
    im->span = span_join(K.span, E.span);
    add_item(ps, ITEM_IMPORT, im);
}

/* fn -> 'fn' IDENT '(' [params] ')' '->' type '=' expr ';' */
fn ::= FN IDENT(N) LPAREN params(P) RPAREN ARROW type(T) ASSIGN expr(B) SEMI. {
    AstFn *f = arena_alloc(AR, sizeof *f);
    f->name = N.text;
    f->span = N.span;
    f->params = P;
    f->ret = *T;
    f->body = B;
    add_item(ps, ITEM_FN, f);
}

/* kernel -> 'kernel' IDENT [tparams] '(' [params] ')' '->' outputs [requires] '{' { stmt } '}' */
kernel ::= KERNEL IDENT(N) tparams(TP) LPAREN params(P) RPAREN ARROW outputs(O) requires(Q) LBRACE stmts(S) RBRACE(R). {
    add_item(ps, ITEM_KERNEL, mkkernel(ps, N, TP, P, O, Q, S, R.span));
}
kernel ::= KERNEL IDENT(N) tparams(TP) LPAREN params(P) RPAREN ARROW outputs(O) requires(Q) LBRACE stmts(S) error RBRACE(R). {
    RECOVERED();
    add_item(ps, ITEM_KERNEL, mkkernel(ps, N, TP, P, O, Q, S, R.span));
}

/* requires -> 'requires' expr { ',' expr }   (conditions checked at launch) */
%type requires {AstExprVec}
requires(A) ::= . { memset(&A, 0, sizeof A); }
requires(A) ::= REQUIRES exprlist(L). { A = L; }

/* tparams -> '<' IDENT { ',' IDENT } '>' */
%type tparams {AstTypeParamVec}
%type tplist {AstTypeParamVec}
tparams(A) ::= . { memset(&A, 0, sizeof A); }
tparams(A) ::= LT tplist(L) GT. { A = L; }
tplist(A) ::= IDENT(N). { memset(&A, 0, sizeof A); vec_push(AR, A, ((AstTypeParam){N.text, N.span})); }
tplist(A) ::= tplist(L) COMMA IDENT(N). { A = L; vec_push(AR, A, ((AstTypeParam){N.text, N.span})); }

/* params -> param { ',' param };  param -> IDENT ':' type */
%type params {AstParamVec}
%type paramlist {AstParamVec}
%type param {AstParam *}
params(A) ::= . { memset(&A, 0, sizeof A); }
params(A) ::= paramlist(L). { A = L; }
paramlist(A) ::= param(P). { memset(&A, 0, sizeof A); vec_push(AR, A, *P); }
paramlist(A) ::= paramlist(L) COMMA param(P). { A = L; vec_push(AR, A, *P); }
param(A) ::= IDENT(N) COLON type(T). {
    A = arena_alloc(AR, sizeof *A);
    A->name = N.text;
    A->span = N.span;
    A->type = *T;
}

/* outputs -> param | '(' param { ',' param } ')' */
%type outputs {AstParamVec}
outputs(A) ::= param(P). { memset(&A, 0, sizeof A); vec_push(AR, A, *P); }
outputs(A) ::= LPAREN paramlist(L) RPAREN. { A = L; }

/* type -> IDENT [ '[' dim { ',' dim } ']' ];  dim -> expr | '...' */
%type type {AstType *}
type(A) ::= IDENT(E). { A = mktype(ps, E, false, (AstExprVec){0}, E.span); }
type(A) ::= IDENT(E) LBRACKET exprlist(D) RBRACKET(R). { A = mktype(ps, E, true, D, R.span); }
type(A) ::= IDENT(E) LBRACKET RBRACKET(R). { A = mktype(ps, E, true, (AstExprVec){0}, R.span); } /* 0-d tensor */

/* ---- kernel statements ------------------------------------------------ */

/* stmt -> IDENT '[' expr { ',' expr } ']' '=' expr ';' | IDENT '=' expr ';' */
%type stmts {AstStmtVec}
%type stmt {AstStmt *}
stmts(A) ::= . { memset(&A, 0, sizeof A); }
stmts(A) ::= stmts(L) stmt(S). { A = L; if (S) vec_push(AR, A, *S); }
stmt(A) ::= IDENT(N) LBRACKET exprlist(I) RBRACKET ASSIGN expr(V) SEMI(E). {
    A = arena_alloc(AR, sizeof *A);
    A->name = N.text;
    A->name_span = N.span;
    A->lhs = I;
    A->has_brackets = true;
    A->value = V;
    A->span = span_join(N.span, E.span);
}
stmt(A) ::= IDENT(N) LBRACKET RBRACKET ASSIGN expr(V) SEMI(E). { /* sema: write name = ... */
    A = arena_alloc(AR, sizeof *A);
    A->name = N.text;
    A->name_span = N.span;
    A->has_brackets = true;
    A->value = V;
    A->span = span_join(N.span, E.span);
}
stmt(A) ::= IDENT(N) ASSIGN expr(V) SEMI(E). {
    A = arena_alloc(AR, sizeof *A);
    A->name = N.text;
    A->name_span = N.span;
    A->value = V;
    A->span = span_join(N.span, E.span);
}
stmt(A) ::= error SEMI. { A = NULL; RECOVERED(); }

/* ---- schedules -------------------------------------------------------- */

/* schedule -> 'schedule' IDENT 'for' IDENT '{' { sstmt } '}' */
schedule ::= SCHEDULE(K) IDENT(N) FOR IDENT(T) LBRACE sstmts(S) RBRACE. {
    add_item(ps, ITEM_SCHEDULE, mksched(ps, K, N, T, S));
}
schedule ::= SCHEDULE(K) IDENT(N) FOR IDENT(T) LBRACE sstmts(S) error RBRACE. {
    RECOVERED();
    add_item(ps, ITEM_SCHEDULE, mksched(ps, K, N, T, S));
}

/* sstmt -> [IDENT '='] chain ';' | 'specialize' '(' expr ')' '{' { sstmt } '}' */
%type sstmts {AstSchedStmtVec}
%type sstmt {AstSchedStmt *}
sstmts(A) ::= . { memset(&A, 0, sizeof A); }
sstmts(A) ::= sstmts(L) sstmt(S). { A = L; if (S) vec_push(AR, A, *S); }
sstmt(A) ::= chain(C) SEMI(E). { A = C; A->span = span_join(A->recv_span, E.span); }
sstmt(A) ::= IDENT(B) ASSIGN chain(C) SEMI(E). {
    A = C;
    A->bind = B.text;
    A->bind_span = B.span;
    A->span = span_join(B.span, E.span);
}
sstmt(A) ::= SPECIALIZE(K) LPAREN expr(C) RPAREN(R) LBRACE sstmts(S) RBRACE. {
    A = mkspecialize(ps, K, C, R.span, S);
}
sstmt(A) ::= SPECIALIZE(K) LPAREN expr(C) RPAREN(R) LBRACE sstmts(S) error RBRACE. {
    RECOVERED();
    A = mkspecialize(ps, K, C, R.span, S);
}
sstmt(A) ::= error SEMI. { A = NULL; RECOVERED(); }

/* chain -> IDENT '.' call { '.' call };  call -> IDENT '(' [args] ')' */
%type chain {AstSchedStmt *}
%type call {AstSchedCall}
chain(A) ::= IDENT(R) DOT call(M). {
    A = arena_alloc(AR, sizeof *A);
    A->kind = SS_CHAIN;
    A->recv = R.text;
    A->recv_span = R.span;
    vec_push(AR, A->calls, M);
}
chain(A) ::= chain(L) DOT call(M). { A = L; vec_push(AR, A->calls, M); }
call(A) ::= IDENT(M) LPAREN callargs(X) RPAREN. { A = (AstSchedCall){M.text, M.span, X}; }

/* ---- expressions ------------------------------------------------------ */

%type expr {AstExpr *}
%type exprlist {AstExprVec}
%type callargs {AstExprVec}
%type genvars {AstGenVarVec}
%type genvar {AstGenVar}

/* expr -> expr '??' expr | expr binop expr | '-' expr | '!' expr | postfix */
expr(A) ::= expr(X) DEFAULT expr(Y). { A = ast_default(ps->c, X, Y); }
expr(A) ::= expr(X) OR expr(Y).      { A = ast_binary(ps->c, OP_OR, X, Y); }
expr(A) ::= expr(X) AND expr(Y).     { A = ast_binary(ps->c, OP_AND, X, Y); }
expr(A) ::= expr(X) EQ expr(Y).      { A = ast_binary(ps->c, OP_EQ, X, Y); }
expr(A) ::= expr(X) NE expr(Y).      { A = ast_binary(ps->c, OP_NE, X, Y); }
expr(A) ::= expr(X) LT expr(Y).      { A = ast_binary(ps->c, OP_LT, X, Y); }
expr(A) ::= expr(X) LE expr(Y).      { A = ast_binary(ps->c, OP_LE, X, Y); }
expr(A) ::= expr(X) GT expr(Y).      { A = ast_binary(ps->c, OP_GT, X, Y); }
expr(A) ::= expr(X) GE expr(Y).      { A = ast_binary(ps->c, OP_GE, X, Y); }
expr(A) ::= expr(X) PLUS expr(Y).    { A = ast_binary(ps->c, OP_ADD, X, Y); }
expr(A) ::= expr(X) MINUS expr(Y).   { A = ast_binary(ps->c, OP_SUB, X, Y); }
expr(A) ::= expr(X) STAR expr(Y).    { A = ast_binary(ps->c, OP_MUL, X, Y); }
expr(A) ::= expr(X) SLASH expr(Y).   { A = ast_binary(ps->c, OP_DIV, X, Y); }
expr(A) ::= expr(X) PERCENT expr(Y). { A = ast_binary(ps->c, OP_MOD, X, Y); }
expr(A) ::= MINUS(O) expr(X). [NOT]  { A = ast_unary(ps->c, O.span, OP_NEG, X); }
expr(A) ::= NOT(O) expr(X).          { A = ast_unary(ps->c, O.span, OP_NOT, X); }
expr(A) ::= expr(X) PIPE expr(Y).    { A = ast_binary(ps->c, OP_BITOR, X, Y); }
expr(A) ::= expr(X) CARET expr(Y).   { A = ast_binary(ps->c, OP_BITXOR, X, Y); }
expr(A) ::= expr(X) AMP expr(Y).     { A = ast_binary(ps->c, OP_BITAND, X, Y); }
expr(A) ::= expr(X) SHL expr(Y).     { A = ast_binary(ps->c, OP_SHL, X, Y); }
expr(A) ::= expr(X) SHR expr(Y).     { A = ast_binary(ps->c, OP_SHR, X, Y); }
expr(A) ::= TILDE(O) expr(X). [NOT]  { A = ast_unary(ps->c, O.span, OP_BITNOT, X); }
/* bitcast<T>(x): the bits of x read as T, a type of the same width */
expr(A) ::= BITCAST(K) LT IDENT(T) GT LPAREN expr(X) RPAREN(R). { A = ast_bitcast(ps->c, K.span, T.text, T.span, X, R.span); }

/* primary -> INT | FLOAT | IDENT | '...' | '(' expr ')' */
expr(A) ::= INT(T).      { A = ast_int(ps->c, T.span, T.ival); }
expr(A) ::= FLOAT(T).    { A = ast_float(ps->c, T.span, T.fval); }
expr(A) ::= IDENT(T).    { A = ast_name(ps->c, T.span, T.text); }
expr(A) ::= ELLIPSIS(T). { A = ast_ellipsis(ps->c, T.span); }
expr(A) ::= LPAREN(L) expr(X) RPAREN(R). { A = paren(X, L.span, R.span); }

/* postfix -> IDENT '(' [args] ')' | IDENT '[' args ']' | IDENT '(' expr 'for' genvars ')' */
expr(A) ::= IDENT(F) LPAREN callargs(X) RPAREN(R). { A = ast_call(ps->c, F.span, F.text, X, R.span); }
expr(A) ::= IDENT(T) LBRACKET exprlist(X) RBRACKET(R). { A = ast_access(ps->c, T.span, T.text, X, R.span); }
expr(A) ::= IDENT(T) LBRACKET RBRACKET(R). { A = ast_access(ps->c, T.span, T.text, (AstExprVec){0}, R.span); } /* sema: write s */
expr(A) ::= IDENT(F) LPAREN expr(B) FOR genvars(V) RPAREN(R). { A = ast_reduce(ps->c, F.span, F.text, B, V, R.span); }

/* args -> expr { ',' expr } */
callargs(A) ::= . { memset(&A, 0, sizeof A); }
callargs(A) ::= exprlist(L). { A = L; }
exprlist(A) ::= expr(X). { memset(&A, 0, sizeof A); vec_push(AR, A, X); }
exprlist(A) ::= exprlist(L) COMMA expr(X). { A = L; vec_push(AR, A, X); }

/* genvars -> genvar { ',' genvar };  genvar -> IDENT ['in' expr '..' expr] */
genvars(A) ::= genvar(G). { memset(&A, 0, sizeof A); vec_push(AR, A, G); }
genvars(A) ::= genvars(L) COMMA genvar(G). { A = L; vec_push(AR, A, G); }
genvar(A) ::= IDENT(N). { A = (AstGenVar){.name = N.text, .span = N.span}; }
genvar(A) ::= IDENT(N) IN expr(L) DOTDOT expr(H). { A = (AstGenVar){.name = N.text, .span = N.span, .lo = L, .hi = H}; }

%code {
/* Whether the parser, in its current configuration, would shift `tok` after
 * any number of reductions: a dry run of the reductions on a virtual stack
 * (the untouched bottom of the real stack plus a small overlay), so the
 * check costs no more than the reductions themselves. */
static bool tk_accepts(const yyParser *p, int tok)
{
    enum { OVERLAY = 64 };
    YYACTIONTYPE over[OVERLAY];
    int base = (int)(p->yytos - p->yystack) + 1; /* real entries still in use */
    int n = 0;                                   /* overlay entries above them */
    for (int guard = 0; guard < 100000; guard++) {
        YYACTIONTYPE top = n ? over[n - 1] : p->yystack[base - 1].stateno;
        YYACTIONTYPE act = yy_find_shift_action((YYCODETYPE)tok, top);
        if (act == YY_ERROR_ACTION || act == YY_NO_ACTION)
            return false;
        if (act == YY_ACCEPT_ACTION || act <= YY_MAX_SHIFTREDUCE)
            return true;
        unsigned rule = act - YY_MIN_REDUCE;
        int pop = -yyRuleInfoNRhs[rule];
        int from_overlay = pop < n ? pop : n;
        n -= from_overlay;
        base -= pop - from_overlay;
        if (base < 1 || n >= OVERLAY)
            return false;
        top = n ? over[n - 1] : p->yystack[base - 1].stateno;
        over[n++] = yy_find_reduce_action(top, (YYCODETYPE)yyRuleInfoLhs[rule]);
    }
    return false;
}

static void tk_expected(void *parser, bool *out, int ntok)
{
    for (int k = 0; k < ntok; k++)
        out[k] = k < YYNTOKEN && tk_accepts(parser, k);
}

bool tk_parser_recovering(void *parser)
{
    const yyParser *p = parser;
    return p->yytos > p->yystack && p->yytos->major == YYERRORSYMBOL;
}

bool tk_parser_accepts(void *parser, int kind)
{
    return tk_accepts(parser, kind);
}

void tk_parser_expected(void *parser, bool *out, int ntok)
{
    tk_expected(parser, out, ntok);
}
}
