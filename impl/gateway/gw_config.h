/* gw_config.h: the files the CLI keeps under the config root (rules §1, 9.1, 9.2): gateway
 * metadata, the active gateway, the mTLS bundle directory. */
#ifndef GW_CONFIG_H
#define GW_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "gw_error.h"

/* $XDG_CONFIG_HOME/openshell, else $HOME/.config/openshell; malloc'd, or NULL with
 * `HOME is not set`. */
char *gw_config_root(gw_error *err);
char *gw_metadata_path(const char *root, const char *name);
char *gw_mtls_dir(const char *root, const char *name);
char *gw_active_gateway_path(const char *root);

typedef struct gw_metadata {
    char *name;
    char *gateway_endpoint;
    bool is_remote;
    long gateway_port;
    char *remote_host;    /* NULL unless remote */
    char *resolved_host;  /* NULL unless remote */
    char *auth_mode;      /* read only (never written); NULL when absent */
} gw_metadata;

void gw_metadata_free(gw_metadata *m);
/* The exact file text: 2-space indent, fixed key order, no trailing newline; malloc'd. */
char *gw_metadata_to_json(const gw_metadata *m);
/* Parse file text; -1 with `failed to parse gateway metadata` when it is not a metadata object. */
int gw_metadata_parse(const char *text, gw_metadata *m, gw_error *err);

/* Read {root}/gateways/{name}_metadata.json. A missing file is GW_E_NOT_FOUND with
 * `No gateway metadata found for '{name}'` and the deploy hint. */
int gw_metadata_load(const char *root, const char *name, gw_metadata *m, gw_error *err);
/* Write it atomically (temp file + rename), creating gateways/ with mode 0700. */
int gw_metadata_store(const char *root, const gw_metadata *m, gw_error *err);
bool gw_metadata_exists(const char *root, const char *name);
/* Remove the file; a missing file is fine. */
int gw_metadata_remove(const char *root, const char *name, gw_error *err);

/* Every gateways/{name}_metadata.json that parses, sorted by name. Returns the count (>= 0) and
 * a malloc'd array in *out, or -1 when the config root cannot be read. */
int gw_metadata_list(const char *root, gw_metadata **out, gw_error *err);
void gw_metadata_list_free(gw_metadata *list, int n);

/* The trimmed, non-empty content of active_gateway, or NULL. */
char *gw_active_gateway_read(const char *root);
int gw_active_gateway_write(const char *root, const char *name, gw_error *err);
/* Remove active_gateway when its trimmed content equals name. */
int gw_active_gateway_clear_if(const char *root, const char *name, gw_error *err);

/* Shared file helpers. */
int gw_mkdir_p(const char *path, int mode, gw_error *err);
int gw_write_file_atomic(const char *path, const char *data, size_t len, int mode, gw_error *err);
char *gw_read_file(const char *path, size_t *len);

#endif
