/* mutant_main.c: main() of the driver mutants: `MUTANT driver ...` runs the driver harness
 * of impl/driver with one function replaced by the mutant's own file (static linking takes
 * the mutant's definition; the library's file holding that function is never pulled in). */
#include <stdio.h>
#include <string.h>

#include "driver_cli.h"

int main(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "driver") != 0) {
        fprintf(stderr, "error: this mutant only runs `driver ...`\n");
        return 2;
    }
    return openshell_driver_main(argc - 1, argv + 1);
}
