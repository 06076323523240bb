/* onednn.c - oneDNN matmul behind gemm_bf16, and the bf16 availability check
 * (onednn.h). Without oneDNN (configure found no libdnnl-dev) only the check
 * exists, and it refuses. */
#include "onednn.h"

#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "bf16.h"
#include "parallel.h"
#include "util.h"

const char *bf16_unusable_reason(void)
{
#ifndef HAVE_ONEDNN
    return "ffvae was built without oneDNN (apt-get install libdnnl-dev, then run configure "
           "again)";
#else
    /* Refused rather than emulated: oneDNN's bf16 products without the
     * instructions run slower than fp32, which would defeat the setting. */
    if (!bf16_cpu_has_instructions())
        return "this CPU has no AVX512-BF16 instructions, and oneDNN would emulate them at a "
               "fraction of fp32's speed";
    return NULL;
#endif
}

int bf16_usable(void)
{
    return bf16_unusable_reason() == NULL;
}

int bf16_check(const char *who)
{
    const char *why = bf16_unusable_reason();
    if (why)
        ffvae_error("%s: precision = bf16 is refused: %s; use precision = fp32", who, why);
    return why ? -1 : 0;
}

#ifndef HAVE_ONEDNN

GemmCache *gemm_cache_create(void)
{
    (void)bf16_check("gemm");
    return NULL;
}

void gemm_cache_free(GemmCache *g)
{
    (void)g;
}

long gemm_cache_creations(const GemmCache *g)
{
    (void)g;
    return 0;
}

int gemm_bf16(GemmCache *g, const GemmArgs *a)
{
    (void)g;
    (void)a;
    return bf16_check("gemm");
}

double gemm_bf16_ceiling(int M, int N, int K, int threads)
{
    (void)M, (void)N, (void)K, (void)threads;
    return 0;
}

#else

#include <oneapi/dnnl/dnnl.h>
#include <omp.h>

/* Distinct products a model runs: forward, dx and dW of each layer. */
#define GEMM_CACHE_MAX 96

typedef struct {
    int M, N, K, has_bias, accumulate, relu, out_bf16, unused; /* unused: no padding before the longs */
    long a_rs, a_cs, b_rs, b_cs;
} GemmKey;
/* Keys are compared with memcmp, so they must hold no padding bytes. */
_Static_assert(sizeof(GemmKey) == 8 * sizeof(int) + 4 * sizeof(long), "GemmKey has padding");

/* One part's slice of a product: its own primitive, made for exactly its
 * rows. A primitive with M known when it is made gets oneDNN's brgemm kernels
 * (AMX tiles on CPUs that have them); one with M left to run time gets its
 * plain JIT GEMM, 2.5x slower on a Xeon with AMX (README, bf16 section). */
typedef struct {
    int rows; /* the slice this part's primitive and memory objects describe; 0: none yet */
    dnnl_primitive_t prim;
    dnnl_memory_t a, b, c, bias;
    int failed;
} PartMemory;

typedef struct {
    GemmKey key;
    PartMemory part[PARALLEL_MAX_PARTS];
} GemmEntry;

struct GemmCache {
    dnnl_engine_t engine;
    dnnl_stream_t stream[PARALLEL_MAX_PARTS]; /* one per part: streams are not shared */
    GemmEntry *entry;                          /* [GEMM_CACHE_MAX] */
    int n;
    int omp_whole;  /* FFVAE_ONEDNN_OMP=1: each product in one call on OpenMP threads */
    long creations; /* primitives and memory objects made (gemm_cache_creations) */
};

static int dnnl_ok(dnnl_status_t s, const char *what)
{
    if (s == dnnl_success)
        return 1;
    ffvae_error("oneDNN: %s failed (status %d)", what, (int)s);
    return 0;
}

GemmCache *gemm_cache_create(void)
{
    GemmCache *g = checked_calloc(1, sizeof *g, "oneDNN GEMM cache");
    if (!g)
        return NULL;
    g->entry = checked_calloc(GEMM_CACHE_MAX, sizeof *g->entry, "oneDNN GEMM cache");
    if (!g->entry || !dnnl_ok(dnnl_engine_create(&g->engine, dnnl_cpu, 0), "engine_create")) {
        gemm_cache_free(g);
        return NULL;
    }
    /* The alternative the README measures against the default (rows split by
     * the pool, one OpenMP thread per call): oneDNN's own threads per product. */
    const char *omp = getenv("FFVAE_ONEDNN_OMP");
    g->omp_whole = omp && strcmp(omp, "1") == 0;
    for (int k = 0; k < PARALLEL_MAX_PARTS; k++)
        if (!dnnl_ok(dnnl_stream_create(&g->stream[k], g->engine, dnnl_stream_default_flags),
                     "stream_create")) {
            gemm_cache_free(g);
            return NULL;
        }
    return g;
}

static void free_part(PartMemory *p)
{
    dnnl_memory_t *m[] = {&p->a, &p->b, &p->c, &p->bias};
    for (size_t i = 0; i < sizeof m / sizeof m[0]; i++)
        if (*m[i]) {
            dnnl_memory_destroy(*m[i]);
            *m[i] = NULL;
        }
    if (p->prim) {
        dnnl_primitive_destroy(p->prim);
        p->prim = NULL;
    }
    p->rows = 0;
}

static void clear_entries(GemmCache *g)
{
    for (int i = 0; g->entry && i < g->n; i++) {
        for (int k = 0; k < PARALLEL_MAX_PARTS; k++)
            free_part(&g->entry[i].part[k]);
    }
    g->n = 0;
}

void gemm_cache_free(GemmCache *g)
{
    if (!g)
        return;
    clear_entries(g);
    for (int k = 0; k < PARALLEL_MAX_PARTS; k++)
        if (g->stream[k])
            dnnl_stream_destroy(g->stream[k]);
    if (g->engine)
        dnnl_engine_destroy(g->engine);
    free(g->entry);
    free(g);
}

/* The descriptors of A, B, C and bias for a slice of `rows` rows. */
static int make_descs(const GemmKey *k, dnnl_dim_t rows, dnnl_memory_desc_t *a,
                      dnnl_memory_desc_t *b, dnnl_memory_desc_t *c, dnnl_memory_desc_t *bias)
{
    dnnl_dims_t da = {rows, k->K}, sa = {k->a_rs, k->a_cs};
    dnnl_dims_t db = {k->K, k->N}, sb = {k->b_rs, k->b_cs};
    dnnl_dims_t dc = {rows, k->N}, sc = {k->N, 1};
    dnnl_dims_t dbias = {1, k->N};
    return dnnl_ok(dnnl_memory_desc_init_by_strides(a, 2, da, dnnl_bf16, sa), "A desc") &&
           dnnl_ok(dnnl_memory_desc_init_by_strides(b, 2, db, dnnl_bf16, sb), "B desc") &&
           dnnl_ok(dnnl_memory_desc_init_by_strides(c, 2, dc, k->out_bf16 ? dnnl_bf16 : dnnl_f32,
                                                    sc), "C desc") &&
           dnnl_ok(dnnl_memory_desc_init_by_tag(bias, 2, dbias, dnnl_f32, dnnl_ab), "bias desc");
}

static GemmEntry *find_or_create(GemmCache *g, const GemmKey *k)
{
    for (int i = 0; i < g->n; i++)
        if (memcmp(&g->entry[i].key, k, sizeof *k) == 0)
            return &g->entry[i];
    if (g->n == GEMM_CACHE_MAX) /* many geometries (renders, evals): start the cache afresh */
        clear_entries(g);
    GemmEntry *e = &g->entry[g->n++];
    memset(e, 0, sizeof *e);
    e->key = *k;
    return e;
}

/* The matmul primitive of product k over the slice the descriptors describe,
 * made on the calling thread: it sizes its work for that thread's OpenMP limit. */
static dnnl_primitive_t make_primitive(GemmCache *g, const GemmKey *k, const dnnl_memory_desc_t *a,
                                       const dnnl_memory_desc_t *b, const dnnl_memory_desc_t *c,
                                       const dnnl_memory_desc_t *bias)
{
    dnnl_matmul_desc_t desc;
    if (!dnnl_ok(dnnl_matmul_desc_init(&desc, a, b, k->has_bias ? bias : NULL, c),
                 "matmul_desc_init"))
        return NULL;
    dnnl_primitive_attr_t attr = NULL;
    dnnl_post_ops_t ops = NULL;
    int ok = dnnl_ok(dnnl_primitive_attr_create(&attr), "attr_create");
    if (ok && (k->accumulate || k->relu))
        ok = dnnl_ok(dnnl_post_ops_create(&ops), "post_ops_create");
    if (ok && k->accumulate) /* C += A·B: the sum post-op adds the old C */
        ok = dnnl_ok(dnnl_post_ops_append_sum(ops, 1.0f), "append_sum");
    if (ok && k->relu) /* after the bias, which matmul adds before any post-op */
        ok = dnnl_ok(dnnl_post_ops_append_eltwise(ops, 1.0f, dnnl_eltwise_relu, 0.0f, 0.0f),
                     "append_eltwise relu");
    if (ok && ops)
        ok = dnnl_ok(dnnl_primitive_attr_set_post_ops(attr, ops), "set_post_ops");
    dnnl_primitive_desc_t pd = NULL;
    ok = ok && dnnl_ok(dnnl_primitive_desc_create(&pd, &desc, attr, g->engine, NULL),
                       "matmul primitive_desc_create (bf16)");
    dnnl_primitive_t prim = NULL;
    ok = ok && dnnl_ok(dnnl_primitive_create(&prim, pd), "matmul primitive_create");
    if (pd)
        dnnl_primitive_desc_destroy(pd);
    if (ops)
        dnnl_post_ops_destroy(ops);
    if (attr)
        dnnl_primitive_attr_destroy(attr);
    return ok ? prim : NULL;
}

typedef struct {
    GemmCache *g;
    GemmEntry *e;
    const GemmArgs *a;
} GemmJob;

/* The primitive and memory objects for a slice of `rows` rows, made once per part. */
static int part_memory(GemmCache *g, GemmEntry *e, PartMemory *p, int rows)
{
    if (p->rows == rows)
        return 0;
    free_part(p);
    dnnl_memory_desc_t a, b, c, bias;
    if (!make_descs(&e->key, rows, &a, &b, &c, &bias))
        return -1;
    p->prim = make_primitive(g, &e->key, &a, &b, &c, &bias);
    if (!p->prim || !dnnl_ok(dnnl_memory_create(&p->a, &a, g->engine, DNNL_MEMORY_NONE), "memory A") ||
        !dnnl_ok(dnnl_memory_create(&p->b, &b, g->engine, DNNL_MEMORY_NONE), "memory B") ||
        !dnnl_ok(dnnl_memory_create(&p->c, &c, g->engine, DNNL_MEMORY_NONE), "memory C") ||
        !dnnl_ok(dnnl_memory_create(&p->bias, &bias, g->engine, DNNL_MEMORY_NONE), "memory bias")) {
        free_part(p);
        return -1;
    }
    p->rows = rows;
    __atomic_add_fetch(&g->creations, 5, __ATOMIC_RELAXED); /* parts run on pool threads */
    return 0;
}

static void gemm_part(void *arg, size_t r0, size_t r1, int part)
{
    const GemmJob *j = arg;
    const GemmArgs *a = j->a;
    PartMemory *p = &j->e->part[part];
    p->failed = 1;
    if (part_memory(j->g, j->e, p, (int)(r1 - r0)) != 0)
        return;
    dnnl_memory_set_data_handle(p->a, (void *)(a->a + (long)r0 * a->a_rs));
    dnnl_memory_set_data_handle(p->b, (void *)a->b);
    if (a->c_bf16)
        dnnl_memory_set_data_handle(p->c, a->c_bf16 + r0 * (size_t)a->N);
    else
        dnnl_memory_set_data_handle(p->c, a->c + r0 * (size_t)a->N);
    dnnl_exec_arg_t args[4] = {{DNNL_ARG_SRC, p->a}, {DNNL_ARG_WEIGHTS, p->b},
                               {DNNL_ARG_DST, p->c}, {DNNL_ARG_BIAS, p->bias}};
    if (a->bias)
        dnnl_memory_set_data_handle(p->bias, (void *)a->bias);
    dnnl_status_t s = dnnl_primitive_execute(p->prim, j->g->stream[part], a->bias ? 4 : 3, args);
    p->failed = s != dnnl_success;
}

/* A pool part: one OpenMP thread for its call, since the pool already runs
 * one part per core. */
static void gemm_pool_part(void *arg, size_t r0, size_t r1, int part)
{
    omp_set_num_threads(1);
    gemm_part(arg, r0, r1, part);
}

/* A slice is at least this many rows: a smaller one packs more than it multiplies. */
#define MIN_GEMM_SLICE 16

long gemm_cache_creations(const GemmCache *g)
{
    return __atomic_load_n(&g->creations, __ATOMIC_RELAXED);
}

int gemm_bf16(GemmCache *g, const GemmArgs *a)
{
    if (a->M <= 0 || a->N <= 0 || a->K <= 0)
        return 0;
    if (a->c_bf16 && a->accumulate) {
        ffvae_error("oneDNN: a bf16 product output cannot accumulate");
        return -1;
    }
    GemmKey k = {a->M, a->N, a->K, a->bias != NULL, a->accumulate, a->relu, a->c_bf16 != NULL, 0,
                 a->a_rs, a->a_cs, a->b_rs, a->b_cs};
    GemmEntry *e = find_or_create(g, &k);
    if (!e)
        return -1;
    GemmJob j = {g, e, a};
    int parts = 1;
    if (g->omp_whole) {
        omp_set_num_threads(parallel_threads());
        gemm_part(&j, 0, (size_t)a->M, 0);
    } else {
        parts = parallel_for((size_t)a->M, MIN_GEMM_SLICE, gemm_pool_part, &j);
    }
    for (int p = 0; p < parts; p++)
        if (e->part[p].failed) {
            ffvae_error("oneDNN: bf16 matmul [%d, %d] x [%d, %d] failed", a->M, a->K, a->K, a->N);
            return -1;
        }
    return 0;
}

double gemm_bf16_ceiling(int M, int N, int K, int threads)
{
    uint16_t *a = checked_calloc((size_t)M * K, sizeof *a, "bf16 GEMM A");
    uint16_t *b = checked_calloc((size_t)K * N, sizeof *b, "bf16 GEMM B");
    float *c = checked_malloc((size_t)M * N, sizeof *c, "bf16 GEMM C");
    GemmCache *g = a && b && c ? gemm_cache_create() : NULL;
    double best = 0;
    if (g) {
        for (size_t i = 0; i < (size_t)M * K; i++)
            a[i] = bf16_round((float)(i % 7) * 0.1f);
        for (size_t i = 0; i < (size_t)K * N; i++)
            b[i] = bf16_round((float)(i % 5) * 0.1f);
        GemmKey k = {M, N, K, 0, 0, 0, 0, 0, K, 1, N, 1};
        GemmEntry *e = find_or_create(g, &k);
        GemmArgs args = {.a = a, .a_rs = K, .a_cs = 1, .b = b, .b_rs = N, .b_cs = 1, .c = c,
                         .M = M, .N = N, .K = K};
        GemmJob j = {g, e, &args};
        /* The whole product in one call on oneDNN's own threads. */
        omp_set_num_threads(threads);
        for (int rep = 0; e && rep < 6; rep++) {
            double t0 = now_seconds();
            gemm_part(&j, 0, (size_t)M, 0);
            double dt = now_seconds() - t0;
            if (e->part[0].failed)
                break;
            double rate = 2.0 * M * N * K / dt * 1e-9;
            if (rep > 0 && rate > best) /* the first call warms caches and threads */
                best = rate;
        }
        omp_set_num_threads(1);
    }
    gemm_cache_free(g);
    free(a);
    free(b);
    free(c);
    return best;
}

#endif
