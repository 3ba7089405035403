/* driver_cli.h: the `openshell driver ...` harness of rules §13 (see docs/driver.md). */
#ifndef OSH_DRIVER_CLI_H
#define OSH_DRIVER_CLI_H

/* argv[0] is "driver", argv[1] the command. Returns the exit code. */
int openshell_driver_main(int argc, char **argv);

#endif
