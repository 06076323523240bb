/* h5util.c - checked HDF5 wrappers shared by datasets and checkpoints.
 *
 * HDF5's own error printing is switched off; each failure is reported once,
 * here, as "ffvae: FILE: OBJECT: what was expected, what was found", with the
 * innermost HDF5 reason appended when the library gives one. Every function
 * closes the handles it opens on all paths (goto done). Files being written
 * live in memory until h5f_close writes them out (reason at h5f_create). */
#include "h5util.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define H5_MAX_RANK 32

/* ---- limits ------------------------------------------------------------- */

static size_t max_dataset_bytes; /* 0: not set yet */

void h5_set_max_dataset_bytes(size_t bytes)
{
    max_dataset_bytes = bytes;
}

size_t h5_max_dataset_bytes(void)
{
    if (max_dataset_bytes)
        return max_dataset_bytes;
    const char *env = getenv("FFVAE_MAX_DATASET_BYTES");
    long v;
    if (env && parse_long(env, &v) == 0 && v > 0)
        return (size_t)v;
    return H5_MAX_DATASET_BYTES_DEFAULT;
}

/* HDF5 prints its error stack to stderr by default; we report ourselves. */
static void h5_quiet(void)
{
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
}

/* Keeps the first description; for a system call failure, only the
 * system's own message out of HDF5's long "name = ..., errno = ..." text. */
static herr_t first_error(unsigned n, const H5E_error2_t *e, void *data)
{
    (void)n;
    char *buf = data;
    if (buf[0] != '\0' || !e->desc || !e->desc[0])
        return 0;
    const char *sys = strstr(e->desc, "error message = '");
    const char *end = sys ? strchr(sys + 17, '\'') : NULL;
    if (end)
        snprintf(buf, 256, "%.*s", (int)(end - sys - 17), sys + 17);
    else
        snprintf(buf, 256, "%s", e->desc);
    return 0;
}

/* The innermost HDF5 error description (the most specific one), or "". */
static const char *h5_reason(char *buf)
{
    buf[0] = '\0';
    H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, first_error, buf);
    H5Eclear2(H5E_DEFAULT);
    return buf;
}

/* Reports "FILE: OBJ: WHAT (HDF5: reason)". */
static void h5_fail(const H5File *f, const char *obj, const char *what)
{
    char reason[256];
    h5_reason(reason);
    if (reason[0])
        ffvae_error("%s: %s: %s (HDF5: %s)", f->path, obj, what, reason);
    else
        ffvae_error("%s: %s: %s", f->path, obj, what);
}

/* ---- element kinds ------------------------------------------------------ */

static hid_t file_type(H5Kind k)
{
    switch (k) {
    case H5_U8: return H5T_STD_U8LE;
    case H5_I32: return H5T_STD_I32LE;
    case H5_I64: return H5T_STD_I64LE;
    case H5_U64: return H5T_STD_U64LE;
    case H5_F32: return H5T_IEEE_F32LE;
    }
    return -1;
}

static hid_t mem_type(H5Kind k)
{
    switch (k) {
    case H5_U8: return H5T_NATIVE_UINT8;
    case H5_I32: return H5T_NATIVE_INT32;
    case H5_I64: return H5T_NATIVE_INT64;
    case H5_U64: return H5T_NATIVE_UINT64;
    case H5_F32: return H5T_NATIVE_FLOAT;
    }
    return -1;
}

static const char *kind_name(H5Kind k)
{
    switch (k) {
    case H5_U8: return "uint8";
    case H5_I32: return "int32";
    case H5_I64: return "int64";
    case H5_U64: return "uint64";
    case H5_F32: return "float32";
    }
    return "?";
}

static size_t kind_size(H5Kind k)
{
    return k == H5_U8 ? 1 : k == H5_I32 || k == H5_F32 ? 4 : 8;
}

/* Whether a stored type holds exactly this kind (any byte order). */
static int type_is_kind(hid_t t, H5Kind k)
{
    H5T_class_t cls = H5Tget_class(t);
    size_t size = H5Tget_size(t);
    if (size != kind_size(k))
        return 0;
    if (k == H5_F32)
        return cls == H5T_FLOAT;
    if (cls != H5T_INTEGER)
        return 0;
    int is_signed = H5Tget_sign(t) == H5T_SGN_2;
    return is_signed == (k == H5_I32 || k == H5_I64);
}

/* "int16", "float64", "string", ... for messages. */
static void type_name(hid_t t, char *buf, size_t size)
{
    size_t bits = 8 * H5Tget_size(t);
    switch (H5Tget_class(t)) {
    case H5T_INTEGER:
        snprintf(buf, size, "%sint%zu", H5Tget_sign(t) == H5T_SGN_2 ? "" : "u", bits);
        break;
    case H5T_FLOAT: snprintf(buf, size, "float%zu", bits); break;
    case H5T_STRING: snprintf(buf, size, "string"); break;
    case H5T_COMPOUND: snprintf(buf, size, "compound"); break;
    case H5T_ENUM: snprintf(buf, size, "enum"); break;
    case H5T_ARRAY: snprintf(buf, size, "array"); break;
    case H5T_VLEN: snprintf(buf, size, "vlen"); break;
    default: snprintf(buf, size, "unsupported type"); break;
    }
}

/* "[2, 3]" (or "scalar") appended to buf. */
static void dims_text(char *buf, size_t size, int rank, const hsize_t *dims)
{
    size_t n = strlen(buf);
    if (rank == 0) {
        snprintf(buf + n, size - n, " scalar");
        return;
    }
    snprintf(buf + n, size - n, " [");
    for (int i = 0; i < rank; i++) {
        n = strlen(buf);
        snprintf(buf + n, size - n, "%s%llu", i ? ", " : "", (unsigned long long)dims[i]);
    }
    n = strlen(buf);
    snprintf(buf + n, size - n, "]");
}

/* ---- files -------------------------------------------------------------- */

/* Closing the file closes every object still open in it. */
static hid_t file_access_plist(void)
{
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    if (fapl >= 0)
        H5Pset_fclose_degree(fapl, H5F_CLOSE_STRONG);
    return fapl;
}

static int set_path(H5File *f, const char *path)
{
    f->id = -1;
    f->size = -1;
    if (strlen(path) >= sizeof f->path) {
        snprintf(f->path, sizeof f->path, "%.100s...", path);
        ffvae_error("%s: path too long", f->path);
        return -1;
    }
    snprintf(f->path, sizeof f->path, "%s", path);
    return 0;
}

/* Files are built in memory (HDF5's core driver) and written out by
 * h5f_close with plain checked write() calls. The reason: when HDF5 1.10's
 * own writes fail (disk full, file size limit), its close fails half way and
 * the library then crashes in its exit handler; in memory nothing can fail
 * that way, and our own write reports the error cleanly. The file on disk is
 * created (truncated) at once so a bad path is reported here, not at close. */
int h5f_create(H5File *f, const char *path)
{
    h5_quiet();
    if (set_path(f, path) != 0)
        return -1;
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0666);
    if (fd < 0) {
        ffvae_error("%s: cannot create HDF5 file: %s", path, strerror(errno));
        return -1;
    }
    close(fd);
    hid_t fapl = file_access_plist();
    if (fapl >= 0)
        H5Pset_fapl_core(fapl, (size_t)16 << 20, 0); /* grow by 16 MiB, no backing file */
    f->id = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, fapl);
    char reason[256];
    h5_reason(reason); /* before any other call clears the error stack */
    H5Pclose(fapl);
    if (f->id < 0) {
        ffvae_error("%s: cannot create HDF5 file%s%s", path, reason[0] ? ": " : "", reason);
        return -1;
    }
    return 0;
}

int h5f_open(H5File *f, const char *path)
{
    struct stat st;
    h5_quiet();
    if (set_path(f, path) != 0)
        return -1;
    if (stat(path, &st) != 0) {
        ffvae_error("%s: no such file", path);
        return -1;
    }
    if (S_ISDIR(st.st_mode)) {
        ffvae_error("%s: is a directory, not an HDF5 file", path);
        return -1;
    }
    if (access(path, R_OK) != 0) {
        ffvae_error("%s: cannot read the file (permission denied)", path);
        return -1;
    }
    f->size = (long long)st.st_size;
    f->vlen_strings = 1;
    if (H5Fis_hdf5(path) <= 0) {
        H5Eclear2(H5E_DEFAULT);
        ffvae_error("%s: not an HDF5 file", path);
        return -1;
    }
    hid_t fapl = file_access_plist();
    f->id = H5Fopen(path, H5F_ACC_RDONLY, fapl);
    char reason[256];
    h5_reason(reason);
    H5Pclose(fapl);
    if (f->id < 0) {
        ffvae_error("%s: cannot open HDF5 file%s%s", path, reason[0] ? ": " : "", reason);
        return -1;
    }
    return 0;
}

/* Writes the in-memory file to its path and forces it to disk, so a rename
 * after h5f_close never exposes data that is still only in the page cache. */
static int write_image(const char *path, const unsigned char *image, size_t size)
{
    int fd = open(path, O_WRONLY | O_TRUNC);
    if (fd < 0) {
        ffvae_error("%s: cannot write: %s", path, strerror(errno));
        return -1;
    }
    size_t done = 0;
    while (done < size) {
        ssize_t n = write(fd, image + done, size - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            ffvae_error("%s: cannot write: %s", path, n < 0 ? strerror(errno) : "no progress");
            close(fd);
            return -1;
        }
        done += (size_t)n;
    }
    if (fsync(fd) != 0) {
        ffvae_error("%s: cannot sync to disk: %s", path, strerror(errno));
        close(fd);
        return -1;
    }
    if (close(fd) != 0) {
        ffvae_error("%s: cannot close: %s", path, strerror(errno));
        return -1;
    }
    return 0;
}

/* The in-memory image of a file made by h5f_create, malloc'd; NULL on error. */
static unsigned char *file_image(H5File *f, size_t *size)
{
    if (H5Fflush(f->id, H5F_SCOPE_LOCAL) < 0) {
        h5_fail(f, "/", "cannot finish the file");
        return NULL;
    }
    ssize_t n = H5Fget_file_image(f->id, NULL, 0);
    if (n <= 0) {
        h5_fail(f, "/", "cannot get the file image");
        return NULL;
    }
    unsigned char *image = checked_malloc((size_t)n, 1, f->path);
    if (image && H5Fget_file_image(f->id, image, (size_t)n) != n) {
        h5_fail(f, "/", "cannot get the file image");
        free(image);
        return NULL;
    }
    *size = (size_t)n;
    return image;
}

int h5f_close(H5File *f)
{
    if (f->id < 0)
        return 0;
    unsigned intent = 0;
    unsigned char *image = NULL;
    size_t size = 0;
    int rc = 0;
    H5Fget_intent(f->id, &intent);
    if (intent & H5F_ACC_RDWR) {
        image = file_image(f, &size);
        if (!image)
            rc = -1;
    }
    if (H5Fclose(f->id) < 0) {
        h5_fail(f, "/", "cannot close the file");
        rc = -1;
    }
    f->id = -1;
    if (image && rc == 0)
        rc = write_image(f->path, image, size);
    free(image);
    return rc;
}

/* ---- objects ------------------------------------------------------------ */

int h5_exists(H5File *f, const char *obj)
{
    char buf[4096];
    if (strcmp(obj, "/") == 0)
        return 1;
    if (strlen(obj) >= sizeof buf || obj[0] != '/')
        return 0;
    snprintf(buf, sizeof buf, "%s", obj);
    /* H5Lexists needs every parent to exist, so walk the path down. */
    for (char *p = buf + 1;; p++) {
        if (*p != '/' && *p != '\0')
            continue;
        char saved = *p;
        *p = '\0';
        htri_t e = H5Lexists(f->id, buf, H5P_DEFAULT);
        if (e <= 0) {
            H5Eclear2(H5E_DEFAULT);
            return 0;
        }
        *p = saved;
        if (saved == '\0')
            break;
    }
    htri_t e = H5Oexists_by_name(f->id, obj, H5P_DEFAULT); /* not a dangling link */
    H5Eclear2(H5E_DEFAULT);
    return e > 0;
}

/* Link creation that makes missing parent groups. */
static hid_t intermediate_plist(void)
{
    hid_t lcpl = H5Pcreate(H5P_LINK_CREATE);
    if (lcpl >= 0)
        H5Pset_create_intermediate_group(lcpl, 1);
    return lcpl;
}

/* Opens a dataset, reporting a missing object or a group in its place. */
static hid_t open_dataset(H5File *f, const char *obj, const char *expect)
{
    if (!h5_exists(f, obj)) {
        ffvae_error("%s: %s: missing (expected %s)", f->path, obj, expect);
        return -1;
    }
    hid_t o = H5Oopen(f->id, obj, H5P_DEFAULT);
    if (o < 0) {
        h5_fail(f, obj, "cannot open");
        return -1;
    }
    H5I_type_t type = H5Iget_type(o);
    if (type != H5I_DATASET) {
        ffvae_error("%s: %s: is a %s, expected %s", f->path, obj,
                    type == H5I_GROUP ? "group" : "named type", expect);
        H5Oclose(o);
        return -1;
    }
    return o;
}

/* Opens an object for attributes; with create, a missing one becomes a group. */
static hid_t open_object(H5File *f, const char *obj, int create)
{
    if (!h5_exists(f, obj)) {
        if (!create) {
            ffvae_error("%s: %s: missing", f->path, obj);
            return -1;
        }
        hid_t lcpl = intermediate_plist();
        hid_t g = H5Gcreate2(f->id, obj, lcpl, H5P_DEFAULT, H5P_DEFAULT);
        H5Pclose(lcpl);
        if (g < 0) {
            h5_fail(f, obj, "cannot create group");
            return -1;
        }
        return g;
    }
    hid_t o = H5Oopen(f->id, obj, H5P_DEFAULT);
    if (o < 0)
        h5_fail(f, obj, "cannot open");
    return o;
}

int h5_write(H5File *f, const char *obj, H5Kind kind, int rank, const size_t *dims,
             const void *data, size_t chunk_rows)
{
    hsize_t hd[H5_MAX_RANK], chunk[H5_MAX_RANK];
    hid_t space = -1, dcpl = -1, lcpl = -1, d = -1;
    int rc = -1;
    size_t count = 1;

    if (rank < 0 || rank > H5_MAX_RANK) {
        ffvae_error("%s: %s: rank %d is not supported", f->path, obj, rank);
        return -1;
    }
    for (int i = 0; i < rank; i++) {
        hd[i] = dims[i];
        if (dims[i] != 0 && count > (size_t)-1 / dims[i]) {
            ffvae_error("%s: %s: shape is too large", f->path, obj);
            return -1;
        }
        count *= dims[i];
    }
    if (h5_exists(f, obj)) {
        ffvae_error("%s: %s: already exists", f->path, obj);
        return -1;
    }
    space = rank == 0 ? H5Screate(H5S_SCALAR) : H5Screate_simple(rank, hd, NULL);
    dcpl = H5Pcreate(H5P_DATASET_CREATE);
    lcpl = intermediate_plist();
    if (space < 0 || dcpl < 0 || lcpl < 0) {
        h5_fail(f, obj, "cannot set up dataset creation");
        goto done;
    }
    /* Chunks hold whole rows along the first axis; an empty dataset stays
     * contiguous because HDF5 refuses chunks larger than a fixed extent. */
    if (chunk_rows > 0 && rank > 0 && count > 0) {
        size_t row_bytes = count / dims[0] * kind_size(kind);
        size_t rows = chunk_rows < dims[0] ? chunk_rows : dims[0];
        const size_t max_chunk = (size_t)1 << 30; /* HDF5's limit is 4 GiB */
        if (rows * row_bytes > max_chunk)
            rows = max_chunk / row_bytes ? max_chunk / row_bytes : 1;
        if (rows * row_bytes <= max_chunk) {
            chunk[0] = rows;
            for (int i = 1; i < rank; i++)
                chunk[i] = hd[i];
            if (H5Zfilter_avail(H5Z_FILTER_DEFLATE) <= 0) {
                ffvae_error("%s: %s: this HDF5 library has no deflate filter", f->path, obj);
                goto done;
            }
            if (H5Pset_chunk(dcpl, rank, chunk) < 0 || H5Pset_shuffle(dcpl) < 0 ||
                H5Pset_deflate(dcpl, 4) < 0) {
                h5_fail(f, obj, "cannot set chunking and compression");
                goto done;
            }
        }
    }
    d = H5Dcreate2(f->id, obj, file_type(kind), space, lcpl, dcpl, H5P_DEFAULT);
    if (d < 0) {
        h5_fail(f, obj, "cannot create dataset");
        goto done;
    }
    if (count > 0 && H5Dwrite(d, mem_type(kind), H5S_ALL, H5S_ALL, H5P_DEFAULT, data) < 0) {
        h5_fail(f, obj, "cannot write dataset");
        goto done;
    }
    rc = 0;
done:
    /* Closing writes the cached chunks: a full disk shows up here. */
    if (d >= 0 && H5Dclose(d) < 0 && rc == 0) {
        h5_fail(f, obj, "cannot write dataset");
        rc = -1;
    }
    if (lcpl >= 0)
        H5Pclose(lcpl);
    if (dcpl >= 0)
        H5Pclose(dcpl);
    if (space >= 0)
        H5Sclose(space);
    return rc;
}

/* Whether the dataset's declared size is within the limit and what the file
 * could hold, before anything is allocated for it or read from it. */
static int check_bytes(H5File *f, const char *obj, hid_t d, H5Kind kind, int rank,
                       const hsize_t *hd)
{
    size_t bytes = kind_size(kind), max = h5_max_dataset_bytes();
    for (int i = 0; i < rank; i++) {
        if (hd[i] != 0 && bytes > SIZE_MAX / hd[i]) {
            bytes = SIZE_MAX;
            break;
        }
        bytes *= (size_t)hd[i];
    }
    if (bytes > max) {
        ffvae_error("%s: %s: declares %zu bytes, more than the limit of %zu "
                    "(FFVAE_MAX_DATASET_BYTES)", f->path, obj, bytes, max);
        return -1;
    }
    if (f->size < 0 || bytes == 0)
        return 0; /* a file being written */
    hid_t dcpl = H5Dget_create_plist(d);
    int filtered = dcpl >= 0 && H5Pget_nfilters(dcpl) > 0;
    if (dcpl >= 0)
        H5Pclose(dcpl);
    H5Eclear2(H5E_DEFAULT);
    size_t ratio = filtered ? H5_DEFLATE_MAX_RATIO : 1;
    size_t room = (size_t)f->size > SIZE_MAX / ratio ? SIZE_MAX : (size_t)f->size * ratio;
    if (bytes > room) {
        ffvae_error("%s: %s: declares %zu bytes, but the file is %lld bytes long%s (damaged "
                    "file?)", f->path, obj, bytes, f->size,
                    filtered ? " (more than deflate can compress into it)" : "");
        return -1;
    }
    return 0;
}

/* Reads the type and shape of an open dataset, checking the kind and the size. */
static int dataset_shape(H5File *f, const char *obj, hid_t d, H5Kind kind, int max_rank,
                         int *rank, hsize_t *hd)
{
    hid_t t = H5Dget_type(d), space = H5Dget_space(d);
    int rc = -1;
    if (t < 0 || space < 0) {
        h5_fail(f, obj, "cannot read type and shape");
        goto done;
    }
    int r = H5Sget_simple_extent_ndims(space);
    if (r < 0 || r > H5_MAX_RANK) {
        h5_fail(f, obj, "cannot read shape");
        goto done;
    }
    H5Sget_simple_extent_dims(space, hd, NULL);
    if (!type_is_kind(t, kind) || r > max_rank) {
        char found[512];
        type_name(t, found, sizeof found);
        dims_text(found, sizeof found, r, hd);
        if (r > max_rank)
            ffvae_error("%s: %s: expected %s with at most %d dimensions, found %s", f->path,
                        obj, kind_name(kind), max_rank, found);
        else
            ffvae_error("%s: %s: expected %s, found %s", f->path, obj, kind_name(kind), found);
        goto done;
    }
    if (check_bytes(f, obj, d, kind, r, hd) != 0)
        goto done;
    *rank = r;
    rc = 0;
done:
    if (t >= 0)
        H5Tclose(t);
    if (space >= 0)
        H5Sclose(space);
    return rc;
}

int h5_shape(H5File *f, const char *obj, H5Kind kind, int max_rank, int *rank, size_t *dims)
{
    char expect[64];
    hsize_t hd[H5_MAX_RANK];
    snprintf(expect, sizeof expect, "%s dataset", kind_name(kind));
    hid_t d = open_dataset(f, obj, expect);
    if (d < 0)
        return -1;
    int rc = dataset_shape(f, obj, d, kind, max_rank, rank, hd);
    H5Oclose(d);
    if (rc == 0)
        for (int i = 0; i < *rank; i++)
            dims[i] = (size_t)hd[i];
    return rc;
}

/* Reads a whole dataset of shape hd into data, in slabs of whole rows along
 * the first axis of about H5_SLAB_BYTES each. */
static int read_slabs(H5File *f, const char *obj, hid_t d, H5Kind kind, int rank,
                      const hsize_t *hd, void *data)
{
    size_t row_bytes = kind_size(kind);
    for (int i = 1; i < rank; i++)
        row_bytes *= (size_t)hd[i];
    size_t total = rank == 0 ? row_bytes : row_bytes * (size_t)hd[0];
    void *scratch = NULL;
    if (!data) { /* only checking the file: every slab goes to one scratch buffer */
        scratch = checked_malloc(total < H5_SLAB_BYTES ? total : H5_SLAB_BYTES, 1, obj);
        if (!scratch)
            return -1;
    }
    if (rank == 0 || total <= H5_SLAB_BYTES) {
        int rc = 0;
        if (H5Dread(d, mem_type(kind), H5S_ALL, H5S_ALL, H5P_DEFAULT, data ? data : scratch) < 0) {
            h5_fail(f, obj, "cannot read dataset (corrupt file?)");
            rc = -1;
        }
        free(scratch);
        return rc;
    }
    hsize_t rows = H5_SLAB_BYTES / row_bytes ? H5_SLAB_BYTES / row_bytes : 1;
    if (scratch && rows * row_bytes > H5_SLAB_BYTES) { /* a row larger than a slab */
        free(scratch);
        scratch = checked_malloc(rows, row_bytes, obj);
        if (!scratch)
            return -1;
    }
    hid_t fspace = H5Dget_space(d);
    int rc = fspace < 0 ? -1 : 0;
    for (hsize_t r0 = 0; r0 < hd[0] && rc == 0; r0 += rows) {
        hsize_t start[H5_MAX_RANK] = {0}, count[H5_MAX_RANK];
        for (int i = 0; i < rank; i++)
            count[i] = hd[i];
        start[0] = r0;
        count[0] = hd[0] - r0 < rows ? hd[0] - r0 : rows;
        hid_t mspace = H5Screate_simple(rank, count, NULL);
        if (mspace < 0 ||
            H5Sselect_hyperslab(fspace, H5S_SELECT_SET, start, NULL, count, NULL) < 0 ||
            H5Dread(d, mem_type(kind), mspace, fspace, H5P_DEFAULT,
                    data ? (unsigned char *)data + (size_t)r0 * row_bytes : scratch) < 0)
            rc = -1;
        if (mspace >= 0)
            H5Sclose(mspace);
    }
    if (rc != 0)
        h5_fail(f, obj, "cannot read dataset (corrupt file?)");
    if (fspace >= 0)
        H5Sclose(fspace);
    free(scratch);
    return rc;
}

int h5_read(H5File *f, const char *obj, H5Kind kind, int rank, const size_t *dims, void *data)
{
    char expect[512];
    hsize_t hd[H5_MAX_RANK], want[H5_MAX_RANK];
    int r, rc = -1;
    size_t count = 1;

    if (rank < 0 || rank > H5_MAX_RANK) {
        ffvae_error("%s: %s: rank %d is not supported", f->path, obj, rank);
        return -1;
    }
    for (int i = 0; i < rank; i++) {
        want[i] = dims[i];
        count *= dims[i];
    }
    snprintf(expect, sizeof expect, "%s", kind_name(kind));
    dims_text(expect, sizeof expect, rank, want);
    hid_t d = open_dataset(f, obj, expect);
    if (d < 0)
        return -1;
    if (dataset_shape(f, obj, d, kind, H5_MAX_RANK, &r, hd) != 0)
        goto done;
    int same = r == rank;
    for (int i = 0; same && i < rank; i++)
        same = hd[i] == want[i];
    if (!same) {
        char found[512];
        snprintf(found, sizeof found, "%s", kind_name(kind));
        dims_text(found, sizeof found, r, hd);
        ffvae_error("%s: %s: expected %s, found %s", f->path, obj, expect, found);
        goto done;
    }
    if (count > 0 && read_slabs(f, obj, d, kind, rank, hd, data) != 0)
        goto done;
    rc = 0;
done:
    H5Oclose(d);
    return rc;
}

/* ---- strings ------------------------------------------------------------ */

/* A variable-length UTF-8 string type: how version 1 files stored strings. */
static hid_t vlen_string_type(void)
{
    hid_t t = H5Tcopy(H5T_C_S1);
    if (t >= 0 && (H5Tset_size(t, H5T_VARIABLE) < 0 || H5Tset_cset(t, H5T_CSET_UTF8) < 0)) {
        H5Tclose(t);
        return -1;
    }
    return t;
}

/* A fixed-length UTF-8 string type holding text and its terminating NUL.
 * Fixed-length strings live in the attribute or dataset itself, so reading
 * them never touches HDF5's global heap (where damaged files crash 1.10). */
static hid_t fixed_string_type(const char *text)
{
    hid_t t = H5Tcopy(H5T_C_S1);
    if (t >= 0 && (H5Tset_size(t, strlen(text) + 1) < 0 || H5Tset_cset(t, H5T_CSET_UTF8) < 0 ||
                   H5Tset_strpad(t, H5T_STR_NULLTERM) < 0)) {
        H5Tclose(t);
        return -1;
    }
    return t;
}

/* Reads one string (variable or fixed length) from an attribute (is_attr)
 * or a dataset into a malloc'd buffer; reports with where = "attribute 'x'"
 * or "". */
static char *read_string(H5File *f, const char *obj, const char *where, hid_t id, int is_attr)
{
    hid_t t = is_attr ? H5Aget_type(id) : H5Dget_type(id);
    hid_t space = is_attr ? H5Aget_space(id) : H5Dget_space(id);
    hid_t mt = -1;
    char *out = NULL;
    if (t < 0 || space < 0) {
        h5_fail(f, obj, "cannot read type");
        goto done;
    }
    if (H5Tget_class(t) != H5T_STRING || H5Sget_simple_extent_npoints(space) != 1) {
        char found[512];
        hsize_t hd[H5_MAX_RANK];
        int r = H5Sget_simple_extent_ndims(space);
        if (r < 0 || r > H5_MAX_RANK)
            r = 0;
        H5Sget_simple_extent_dims(space, hd, NULL);
        type_name(t, found, sizeof found);
        dims_text(found, sizeof found, r, hd);
        ffvae_error("%s: %s: %sexpected one string, found %s", f->path, obj, where, found);
        goto done;
    }
    if (H5Tis_variable_str(t) > 0 && !f->vlen_strings) {
        ffvae_error("%s: %s: %sa variable-length string, which only version 1 files hold "
                    "(damaged or foreign file?)", f->path, obj, where);
        goto done;
    }
    if (H5Tis_variable_str(t) > 0) {
        char *s = NULL;
        mt = vlen_string_type();
        herr_t e = is_attr ? H5Aread(id, mt, &s) : H5Dread(id, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, &s);
        if (e < 0) {
            h5_fail(f, obj, "cannot read string");
            goto done;
        }
        size_t n = s ? strlen(s) : 0;
        out = checked_malloc(n + 1, 1, "string");
        if (out) {
            memcpy(out, s ? s : "", n);
            out[n] = '\0';
        }
        if (s)
            H5free_memory(s);
    } else {
        size_t n = H5Tget_size(t);
        if (n == 0 || n > H5_MAX_STRING_BYTES) {
            ffvae_error("%s: %s: %sa string of %zu bytes (at most %zu are read)", f->path, obj,
                        where, n, H5_MAX_STRING_BYTES);
            goto done;
        }
        mt = H5Tcopy(t);
        out = checked_calloc(n + 1, 1, "string");
        if (!out)
            goto done;
        herr_t e = is_attr ? H5Aread(id, mt, out) : H5Dread(id, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, out);
        if (e < 0) {
            h5_fail(f, obj, "cannot read string");
            free(out);
            out = NULL;
        }
    }
done:
    if (mt >= 0)
        H5Tclose(mt);
    if (t >= 0)
        H5Tclose(t);
    if (space >= 0)
        H5Sclose(space);
    return out;
}

/* ---- attributes --------------------------------------------------------- */

int h5_attr_exists(H5File *f, const char *obj, const char *name)
{
    if (!h5_exists(f, obj))
        return 0;
    htri_t e = H5Aexists_by_name(f->id, obj, name, H5P_DEFAULT);
    H5Eclear2(H5E_DEFAULT);
    return e > 0;
}

/* Creates attribute name on obj (replacing an old one) and writes value. */
static int write_attr(H5File *f, const char *obj, const char *name, hid_t type,
                      hid_t mtype, const void *value)
{
    hid_t o = open_object(f, obj, 1), space = -1, a = -1;
    int rc = -1;
    char what[512];
    if (o < 0)
        return -1;
    if (H5Aexists(o, name) > 0 && H5Adelete(o, name) < 0) {
        snprintf(what, sizeof what, "cannot replace attribute '%s'", name);
        h5_fail(f, obj, what);
        goto done;
    }
    space = H5Screate(H5S_SCALAR);
    a = H5Acreate2(o, name, type, space, H5P_DEFAULT, H5P_DEFAULT);
    if (a < 0 || H5Awrite(a, mtype, value) < 0) {
        snprintf(what, sizeof what, "cannot write attribute '%s'", name);
        h5_fail(f, obj, what);
        goto done;
    }
    rc = 0;
done:
    if (a >= 0)
        H5Aclose(a);
    if (space >= 0)
        H5Sclose(space);
    H5Oclose(o);
    return rc;
}

int h5_set_attr_str(H5File *f, const char *obj, const char *name, const char *value)
{
    hid_t t = fixed_string_type(value);
    if (t < 0) {
        h5_fail(f, obj, "cannot make a string type");
        return -1;
    }
    int rc = write_attr(f, obj, name, t, t, value);
    H5Tclose(t);
    return rc;
}

int h5_set_attr_i64(H5File *f, const char *obj, const char *name, long long value)
{
    return write_attr(f, obj, name, H5T_STD_I64LE, H5T_NATIVE_LLONG, &value);
}

/* Opens attribute name on obj, reporting when the object or it is missing. */
static hid_t open_attr(H5File *f, const char *obj, const char *name)
{
    if (!h5_exists(f, obj)) {
        ffvae_error("%s: %s: missing (expected attribute '%s' on it)", f->path, obj, name);
        return -1;
    }
    if (!h5_attr_exists(f, obj, name)) {
        ffvae_error("%s: %s: no '%s' attribute", f->path, obj, name);
        return -1;
    }
    hid_t a = H5Aopen_by_name(f->id, obj, name, H5P_DEFAULT, H5P_DEFAULT);
    if (a < 0) {
        char what[512];
        snprintf(what, sizeof what, "cannot open attribute '%s'", name);
        h5_fail(f, obj, what);
    }
    return a;
}

int h5_get_attr_str(H5File *f, const char *obj, const char *name, char *buf, size_t size)
{
    char where[300];
    hid_t a = open_attr(f, obj, name);
    if (a < 0)
        return -1;
    snprintf(where, sizeof where, "attribute '%s': ", name);
    char *s = read_string(f, obj, where, a, 1);
    H5Aclose(a);
    if (!s)
        return -1;
    int rc = 0;
    if (strlen(s) >= size) {
        ffvae_error("%s: %s: attribute '%s' is longer than %zu bytes", f->path, obj, name,
                    size - 1);
        rc = -1;
    } else {
        memcpy(buf, s, strlen(s) + 1);
    }
    free(s);
    return rc;
}

int h5_get_attr_i64(H5File *f, const char *obj, const char *name, long long *value)
{
    hid_t a = open_attr(f, obj, name);
    if (a < 0)
        return -1;
    hid_t t = H5Aget_type(a), space = H5Aget_space(a);
    int rc = -1;
    if (H5Tget_class(t) != H5T_INTEGER || H5Sget_simple_extent_npoints(space) != 1) {
        char found[64];
        type_name(t, found, sizeof found);
        ffvae_error("%s: %s: attribute '%s': expected one integer, found %s", f->path, obj,
                    name, found);
    } else if (H5Aread(a, H5T_NATIVE_LLONG, value) < 0) {
        char what[512];
        snprintf(what, sizeof what, "cannot read attribute '%s' as a 64-bit integer", name);
        h5_fail(f, obj, what);
    } else {
        rc = 0;
    }
    H5Tclose(t);
    H5Sclose(space);
    H5Aclose(a);
    return rc;
}

/* ---- text --------------------------------------------------------------- */

int h5_write_text(H5File *f, const char *obj, const char *text)
{
    if (h5_exists(f, obj)) {
        ffvae_error("%s: %s: already exists", f->path, obj);
        return -1;
    }
    hid_t t = fixed_string_type(text), space = H5Screate(H5S_SCALAR), lcpl = intermediate_plist();
    hid_t d = -1;
    int rc = -1;
    if (t < 0 || space < 0 || lcpl < 0) {
        h5_fail(f, obj, "cannot set up text dataset");
        goto done;
    }
    d = H5Dcreate2(f->id, obj, t, space, lcpl, H5P_DEFAULT, H5P_DEFAULT);
    if (d < 0 || H5Dwrite(d, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, text) < 0) {
        h5_fail(f, obj, "cannot write text");
        goto done;
    }
    rc = 0;
done:
    if (d >= 0 && H5Dclose(d) < 0 && rc == 0) {
        h5_fail(f, obj, "cannot write text");
        rc = -1;
    }
    if (lcpl >= 0)
        H5Pclose(lcpl);
    if (space >= 0)
        H5Sclose(space);
    if (t >= 0)
        H5Tclose(t);
    return rc;
}

char *h5_read_text(H5File *f, const char *obj)
{
    hid_t d = open_dataset(f, obj, "a string dataset");
    if (d < 0)
        return NULL;
    char *s = read_string(f, obj, "", d, 0);
    H5Oclose(d);
    return s;
}
