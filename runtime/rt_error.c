/* The runtime's error state: one message per thread, written by a failed
 * launch and read with tk_rt_last_error(). */
#include "include/tk/tk_rt.h"

#include <stdarg.h>
#include <stdio.h>

#include "runtime/rt.h"

static _Thread_local char last_error[1024];

const char *tk_rt_last_error(void) { return last_error; }

int tk_rt_set_error(int status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(last_error, sizeof last_error, fmt, ap);
    va_end(ap);
    return status;
}

char *rt_error_buffer(size_t *n)
{
    *n = sizeof last_error;
    return last_error;
}
