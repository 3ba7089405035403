/* sandbox_cli.c: argument parsing and output of `openshell sandbox ...` (SPEC §10.8). */
#include "sandbox_cli.h"

#include <stdio.h>

int openshell_sandbox_main(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "error: openshell sandbox is not implemented yet\n");
    return 1;
}
