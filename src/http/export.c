/* Files made for one answer (reports, exports): written under a temporary name, opened, the
 * name removed at once, and the open file sent as an attachment. */
#include "http/http_internal.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

int http_send_made(http_req *req, http_resp *resp, const char *content_type, const char *name,
                   http_make_fn make, void *ctx)
{
    char path[512];
    snprintf(path, sizeof path, "%s/xinan-made-XXXXXX", http_tmp_dir());
    int fd = mkstemp(path);
    if (fd < 0)
        return http_error(req, resp, 500, "internal", "服务器内部错误 (internal server error)",
                          NULL);
    /* the writers (libxlsxwriter, cairo, stdio) open the file by name */
    close(fd);
    xn_error err;
    int rc = make(path, ctx, &err);
    fd = rc == XN_OK ? open(path, O_RDONLY | O_CLOEXEC) : -1;
    unlink(path);
    struct stat st;
    if (rc != XN_OK || fd < 0 || fstat(fd, &st) != 0) {
        if (fd >= 0)
            close(fd);
        return rc != XN_OK ? http_fail(req, resp, &err)
                           : http_error(req, resp, 500, "internal",
                                        "服务器内部错误 (internal server error)", NULL);
    }
    char disposition[512];
    if (files_disposition(name, disposition, sizeof disposition) != XN_OK)
        disposition[0] = '\0';
    http_file(resp, 200, content_type, fd, (uint64_t)st.st_size,
              disposition[0] ? disposition : NULL);
    return 0;
}
