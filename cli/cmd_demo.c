/* trendguard demo - not yet implemented (placeholder owned by its issue). */
#include "cli.h"

#include <stdio.h>

int tg_cmd_demo(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "trendguard demo: not implemented yet\n");
    return TG_EX_SOFTWARE;
}
