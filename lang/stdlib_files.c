/* Lookup in the standard library files embedded by cmake/StdlibEmbed.cmake. */
#include <string.h>

#include "lang/lang.h"

extern const char *const stdlib_file_names[];
extern const char *const stdlib_file_texts[];
extern const size_t stdlib_file_count;

const char *stdlib_file(const char *name, size_t *len)
{
    for (size_t i = 0; i < stdlib_file_count; i++)
        if (!strcmp(stdlib_file_names[i], name)) {
            if (len)
                *len = strlen(stdlib_file_texts[i]);
            return stdlib_file_texts[i];
        }
    return NULL;
}

const char *stdlib_file_name(size_t i) { return i < stdlib_file_count ? stdlib_file_names[i] : NULL; }
