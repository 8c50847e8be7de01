/* The calling thread's last error: a message, and for a compile stage that
 * failed at launch its diagnostics as records. Fixed thread-local storage,
 * so recording an error never allocates and nothing outlives the thread. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "api/api_internal.h"

enum { MAX_RECORDS = 32 };

static _Thread_local char          last_error[4096];
static _Thread_local tk_diagnostic records[MAX_RECORDS];
static _Thread_local size_t        nrecords;
static _Thread_local char          strings[8192];   /* the records' files and messages */

tk_status api_fail(tk_status status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(last_error, sizeof last_error, fmt, ap);
    va_end(ap);
    nrecords = 0;
    return status;
}

void api_clear_error(void)
{
    last_error[0] = 0;
    nrecords = 0;
}

/* s copied into strings at *used, truncated to what is left. */
static const char *keep(const char *s, size_t *used)
{
    char *out = strings + *used;
    size_t left = sizeof strings - *used;
    if (left == 0)
        return "";
    size_t n = strlen(s);
    if (n >= left)
        n = left - 1;
    memcpy(out, s, n);
    out[n] = 0;
    *used += n + 1;
    return out;
}

static void add_record(const DiagSink *diags, const Diag *d, size_t *used)
{
    if (nrecords == MAX_RECORDS)
        return;
    tk_diagnostic r = api_diagnostic_record(diags->files, d);
    r.file = keep(r.file, used);
    r.message = keep(r.message, used);
    records[nrecords++] = r;
}

tk_status api_fail_diagnostics(const DiagSink *diags)
{
    last_error[0] = 0;
    FILE *f = fmemopen(last_error, sizeof last_error, "w");
    if (f) {
        diag_render(diags, f);
        fclose(f);
    }
    last_error[sizeof last_error - 1] = 0;
    nrecords = 0;
    size_t used = 0;
    for (const Diag *d = diags->head; d; d = d->next) {
        add_record(diags, d, &used);
        for (const Diag *note = d->notes; note; note = note->next)
            add_record(diags, note, &used);
    }
    return TK_ERR_COMPILE;
}

TK_API const char *tk_last_error(void) { return last_error; }

TK_API size_t tk_last_diagnostic_count(void) { return nrecords; }

TK_API const tk_diagnostic *tk_last_diagnostic(size_t i) { return i < nrecords ? &records[i] : NULL; }
