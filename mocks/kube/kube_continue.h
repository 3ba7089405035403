/* kube_continue.h: list pagination tokens as the apiserver issues and reads them
 * (k8s.io/apiserver/pkg/storage/continue.go): the unpadded base64url of
 * {"v":"meta.k8s.io/v1","rv":N,"start":"<key after the list's prefix>\u0000"}, and the
 * errors it gives for a token it never issued; plus the ParseInt reading of `limit`. */
#ifndef KUBE_CONTINUE_H
#define KUBE_CONTINUE_H

#include <stdbool.h>

typedef struct kube_continue {
    long long rv; /* the snapshot's version; -1: at the latest version (issued with a 410) */
    char *start;  /* key relative to the list's prefix, without the trailing NUL */
    bool after;   /* the start ended in NUL: resume after start rather than at it */
} kube_continue;

/* The token that resumes a list after key (relative to the prefix) at version rv. */
char *kube_continue_encode(const char *key, long long rv);
/* 0 with *out filled (kube_continue_free it), or -1 with *error set to the apiserver's
 * text after "invalid continue token: ", e.g. "continue key is not valid: illegal base64
 * data at input byte 4" (malloc'd). */
int kube_continue_decode(const char *token, kube_continue *out, char **error);
void kube_continue_free(kube_continue *c);

/* text as Go's strconv.ParseInt(text, 10, 64) reads it: 0, or -1 with *error set to
 * strconv's message ("strconv.ParseInt: parsing \"x\": invalid syntax"), malloc'd. */
int kube_parse_int64(const char *text, long long *out, char **error);

#endif
