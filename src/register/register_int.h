/* Internal to the register room. */
#ifndef XINAN_REGISTER_INT_H
#define XINAN_REGISTER_INT_H

#include "register/register.h"

struct register_ctx {
    register_options opt;
};

/* Whether id names an existing person, department, clean file or row of f's register. */
int register_exists(register_ctx *c, const register_field *f, int64_t id, xn_error *err);
bool register_row_exists(register_ctx *c, const char *reg, int64_t id);

#endif
