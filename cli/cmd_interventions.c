/* trendguard interventions - not yet implemented (placeholder owned by its issue). */
#include "cli.h"

#include <stdio.h>

int tg_cmd_interventions(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "trendguard interventions: not implemented yet\n");
    return TG_EX_SOFTWARE;
}
