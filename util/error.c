#include "trendguard/error.h"

#include <stddef.h>

struct errinfo {
    int code;
    int sysexit;
    const char *name;
    const char *msg;
};

static const struct errinfo errtab[] = {
#define TG__ERR_ROW(name, sx, msg) {TG_##name, sx, #name, msg},
    TG_ERRNO_MAP(TG__ERR_ROW)
#undef TG__ERR_ROW
};

static const struct errinfo *lookup(int err)
{
    for (size_t i = 0; i < sizeof(errtab) / sizeof(errtab[0]); i++)
        if (errtab[i].code == err)
            return &errtab[i];
    return NULL;
}

const char *tg_strerror(int err)
{
    if (err == TG_OK)
        return "success";
    const struct errinfo *e = lookup(err);
    return e ? e->msg : "unknown error";
}

const char *tg_errname(int err)
{
    if (err == TG_OK)
        return "OK";
    const struct errinfo *e = lookup(err);
    return e ? e->name : "EUNKNOWN";
}

int tg_exit_code(int err)
{
    if (err == TG_OK)
        return 0;
    const struct errinfo *e = lookup(err);
    return e ? e->sysexit : 70;
}
