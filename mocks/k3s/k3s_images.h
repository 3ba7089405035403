/* k3s_images.h: `ctr -a SOCK -n k8s.io images import FILE` in the simulated container: the
 * file is a docker-archive tar (manifest.json with RepoTags) read with libarchive. */
#ifndef K3S_IMAGES_H
#define K3S_IMAGES_H

#include <cjson/cJSON.h>

#include "k3s_shell.h"

int k3s_ctr_run(const k3s_shell_env *env, const char *const *w, size_t n, osh_buf *out, osh_buf *err);
/* The RepoTags of every image in a docker-archive (a JSON array), or NULL with *error set. */
cJSON *k3s_archive_repo_tags(const void *data, size_t len, char **error);

#endif
