/* mock_world_version.c: the version of the installed mocks library (libopenshell-mocks). */
#include "mock_world.h"

#ifndef OSH_VERSION
#define OSH_VERSION "unknown"
#endif

const char *mock_world_version(void)
{
    return OSH_VERSION;
}
