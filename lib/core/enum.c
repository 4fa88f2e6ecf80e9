/* Enums as C values 1..n mapped to the CHECK constraint's strings. */
#include <string.h>
#include "core.h"

const char *pk_enum_name(const char *const *names, int v)
{
    for (int i = 0; names[i]; i++)
        if (i + 1 == v)
            return names[i];
    return NULL;
}

pinky_status pk_enum_parse(const char *field, const char *const *names, const char *s, int *out)
{
    if (out == NULL)
        return pk_err(PINKY_INVALID, "out", "out: NULL pointer");
    if (s != NULL) {
        for (int i = 0; names[i]; i++) {
            if (strcmp(names[i], s) == 0) {
                *out = i + 1;
                return PINKY_OK;
            }
        }
    }
    return pk_err(PINKY_INVALID, field, "%s: \"%.40s\" is not one of its values", field,
                  s ? s : "(null)");
}
