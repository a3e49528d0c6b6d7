/* trendguard crawl - not yet implemented (placeholder owned by its issue). */
#include "cli.h"

#include <stdio.h>

int tg_cmd_crawl(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "trendguard crawl: not implemented yet\n");
    return TG_EX_SOFTWARE;
}
