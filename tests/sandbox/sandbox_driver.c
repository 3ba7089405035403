/* sandbox_driver.c: a stand-alone `sandbox` command for tests: runs openshell_sandbox_main
 * with argv[0] = "sandbox", as the openshell CLI does for `openshell sandbox ...`. */
#include "sandbox_cli.h"

int main(int argc, char **argv)
{
    argv[0] = "sandbox";
    return openshell_sandbox_main(argc, argv);
}
