/* image_check.c - maps the file once for the checks of image_check.h. */
#include "image_check.h"

#include "jpeg_check.h"
#include "png_check.h"
#include "pnm_check.h"
#include "util.h"
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

int image_check_file(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        ffvae_error("%s: not a regular file, so its image cannot be checked before decoding",
                    path);
        return -1;
    }
    if (st.st_size == 0) {
        close(fd);
        return 0;
    }
    /* A mapping, not a copy: the checks touch only what they read, so memory
     * does not grow with the file. */
    size_t size = (size_t)st.st_size;
    void *map = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
    int err = errno;
    close(fd);
    if (map == MAP_FAILED) {
        ffvae_error("%s: cannot map the file to check it before decoding: %s", path,
                    strerror(err));
        return -1;
    }
    const uint8_t *data = map;
    int rc = 0;
    if (jpeg_check_data(path, data, size) != 0 || pnm_check_data(path, data, size) != 0 ||
        png_check_data(path, data, size) != 0)
        rc = -1;
    munmap(map, size);
    return rc;
}
