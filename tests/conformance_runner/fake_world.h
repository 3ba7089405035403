/* fake_world.h: a conf_world backend for the runner's own tests. The world document is
 * {"state": ...}; the request journal is whatever the implementation under test appends,
 * one JSON object per line, to "$DOCKER_SOCKET.journal" (or ".kube-journal"), so a shell
 * one-liner can stand in for an implementation that makes requests. */
#ifndef FAKE_WORLD_H
#define FAKE_WORLD_H

#include "conf_world.h"

extern const conf_world_backend fake_world_backend;

#endif
