/* fuzz_base64.c: the strict base64 decoder of common/ (osh_base64.h) that reads the cluster's
 * mTLS secret. Invariants: decode(encode(x)) == x; whatever decode accepts is canonical padded
 * text, i.e. it re-encodes to exactly the input; a refusal leaves the output untouched (an
 * empty buffer stays unallocated). */
#include <stdio.h>

#include "fuzz_util.h"
#include "osh_base64.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    osh_buf enc = OSH_BUF_INIT, dec = OSH_BUF_INIT;
    osh_base64_encode(&enc, data, size);
    FUZZ_CHECK(enc.len % 4 == 0);
    FUZZ_CHECK(osh_base64_decode(&dec, osh_buf_str(&enc), enc.len));
    FUZZ_CHECK(dec.len == size && (size == 0 || memcmp(dec.data, data, size) == 0));
    osh_buf_free(&enc);
    osh_buf_free(&dec);

    osh_buf out = OSH_BUF_INIT;
    osh_buf_append_str(&out, "keep");
    if (osh_base64_decode(&out, (const char *)data, size)) {
        osh_buf re = OSH_BUF_INIT;
        osh_base64_encode(&re, out.data + 4, out.len - 4);
        FUZZ_CHECK(re.len == size && (size == 0 || memcmp(re.data, data, size) == 0));
        osh_buf_free(&re);
    } else {
        FUZZ_CHECK(out.len == 4 && memcmp(out.data, "keep", 4) == 0);
    }
    osh_buf_free(&out);

    /* "leaves out as it was" holds for an empty buffer too: nothing allocated on refusal
     * (callers that drop a refused buffer without freeing it would leak). */
    osh_buf empty = OSH_BUF_INIT;
    if (!osh_base64_decode(&empty, (const char *)data, size))
        FUZZ_CHECK(empty.data == NULL && empty.len == 0);
    osh_buf_free(&empty);
    return 0;
}
