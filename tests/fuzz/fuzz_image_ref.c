/* fuzz_image_ref.c: image references (gw_spec.h, rules §4.3) from --image, the environment or
 * OPENSHELL_PUSH_IMAGES, and the X-Registry-Auth header built around them. Invariants: the
 * split reassembles to the reference (repo:tag, the reference itself with tag "" for digests,
 * or with the implied "latest"), a tag never holds '/'; a local reference's repository has no '/'. */
#include <stdio.h>

#include "fuzz_util.h"
#include "gw_internal.h"
#include "gw_spec.h"
#include "osh_str.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *ref, *token;
    fuzz_split(data, size, &ref, &token);
    char *repo, *tag;
    gw_image_ref_split(ref, &repo, &tag);
    if (strchr(ref, '@')) {
        FUZZ_CHECK(strcmp(repo, ref) == 0 && *tag == '\0'); /* digests keep the whole reference */
    } else if (strcmp(repo, ref) == 0) {
        FUZZ_CHECK(strcmp(tag, "latest") == 0); /* no tag: the implied one */
    } else {
        char *joined = osh_str_printf("%s:%s", repo, tag);
        FUZZ_CHECK(strcmp(joined, ref) == 0 && !strchr(tag, '/'));
        free(joined);
    }
    bool local = gw_image_ref_is_local(ref);
    FUZZ_CHECK(local == (strchr(repo, '/') == NULL));
    char *header = gw_registry_auth_header(repo, *token ? "user" : NULL, *token ? token : NULL);
    FUZZ_CHECK(!header || strncmp(header, "X-Registry-Auth: ", 17) == 0);
    free(header);
    free(repo);
    free(tag);
    free(ref);
    free(token);
    return 0;
}
