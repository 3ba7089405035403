/* conf_world_real.h: the world backend over a real dockerd (--docker real). */
#ifndef CONF_WORLD_REAL_H
#define CONF_WORLD_REAL_H

#include "conf_world.h"

/* The daemon's URL (unix:///PATH or tcp://HOST:PORT); the string must outlive the runs. */
void conf_world_real_set_host(const char *url);

/* The fake cluster image (fixtures/fake-cluster) to tag as the default cluster image. */
void conf_world_real_set_image(const char *ref);

extern const conf_world_backend conf_world_real_backend;

#endif
