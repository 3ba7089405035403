/* test_impl_push.c: the archive wrapped around the image export (rules §6 step 2), read back
 * with libarchive. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <archive.h>
#include <archive_entry.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gw_internal.h"

static void wraps_one_regular_file(void **state)
{
    FILE *in = tmpfile(), *out = tmpfile();
    size_t size = 70000; /* not a multiple of 512 */
    for (size_t i = 0; i < size; i++)
        fputc((int)('a' + i % 26), in);
    fflush(in);
    gw_error err = GW_ERROR_INIT;
    assert_int_equal(gw_push_wrap_tar(in, (long long)size, out, &err), 0);
    fflush(out);
    long total = ftell(out);
    assert_int_equal(total % 512, 0);
    rewind(out);
    struct archive *a = archive_read_new();
    archive_read_support_format_tar(a);
    assert_int_equal(archive_read_open_FILE(a, out), ARCHIVE_OK);
    struct archive_entry *e;
    assert_int_equal(archive_read_next_header(a, &e), ARCHIVE_OK);
    assert_string_equal(archive_entry_pathname(e), "openshell-images.tar");
    assert_int_equal(archive_entry_filetype(e), AE_IFREG);
    assert_int_equal(archive_entry_perm(e), 0644);
    assert_int_equal(archive_entry_uid(e), 0);
    assert_int_equal(archive_entry_gid(e), 0);
    assert_int_equal(archive_entry_mtime(e), 0);
    assert_int_equal(archive_entry_size(e), (la_int64_t)size);
    char *data = malloc(size);
    assert_int_equal(archive_read_data(a, data, size), (la_ssize_t)size);
    for (size_t i = 0; i < size; i++)
        if (data[i] != (char)('a' + i % 26))
            fail_msg("byte %zu differs", i);
    free(data);
    assert_int_equal(archive_read_next_header(a, &e), ARCHIVE_EOF);
    archive_read_free(a);
    fclose(in);
    fclose(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(wraps_one_regular_file)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
