/* trendguard store sink - not yet implemented (placeholder owned by the fleet issue). */
#include "cli.h"

#include <stdio.h>

int tg_cmd_store_sink(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "trendguard store sink: not implemented yet\n");
    return TG_EX_SOFTWARE;
}
