/*
 * Test harness for Sources/CConvKernels (scripts/check-neon.sh builds and runs it; not a product).
 *
 *   kernel-harness supported        the kernel sets this CPU runs, e.g. "baseline avx2 avx512"
 *   kernel-harness SET...           runs every kernel entry with each SET over the same inputs
 *
 * Inputs are pseudo-random from a fixed xorshift seed, with awkward values mixed in (±0,
 * subnormals, the smallest normals, huge magnitudes, negatives; NaN, ±inf and ties for max pool),
 * and the same on every architecture (floats built from bits, no libm). The scratch bands are laid
 * out as PaddedInput.swift lays them out (rows rounded up to FP_STRIP for stride 1, slots of
 * rowCount rows, the job's scratch pointer offset to a later output row as Conv2D does), and every
 * buffer ends at an inaccessible page, so a whole-vector read or a store past the end faults.
 *
 * Per set it prints one FNV-1a-64 hash of all output bytes per kernel, one of the conv entries
 * again with ±inf and NaN among the inputs ("nonfinite", NaNs hashed as one canonical NaN;
 * "nonfinite-raw", their exact bytes) and a combined one (the hash of the first six hashes), and it
 * checks every output value against a float64 reference (NaN where it is NaN, the same infinity):
 *   |out − ref| ≤ n·2⁻²⁴·(Σ|w·x| + |b|) + n·2⁻¹⁴⁹, n = 2·(multiply-adds + 1)
 * (the rounding-error bound of a chain of n roundings, plus subnormal spacing), so equal hashes
 * cannot hide outputs that are wrong everywhere. With baseline and a fused set in one run it
 * prints how far apart they are (in units of 2⁻²⁴·(Σ|w·x| + |b|)) and how many values differ.
 * Exit status 1 on any failed check.
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "conv_kernels.h"

/* "nonfinite": the four conv entries again with ±inf and NaN among the inputs, NaN outputs hashed
 * as one canonical NaN; "nonfinite-raw": the same outputs' exact bytes (NaN sign and payload follow
 * the CPU: a new NaN is 0xFFC00000 on x86-64, 0x7FC00000 on arm64), reported, not part of "all". */
enum { K_BLOCKED, K_SINGLE, K_SEPARABLE, K_SCALAR, K_POOL, K_NONFINITE, K_RAW, K_COUNT };
#define K_COMBINED K_RAW
static const char *const kernel_names[K_COUNT] = {"blocked", "single", "separable", "scalar", "maxpool", "nonfinite", "nonfinite-raw"};
static const char *const isa_names[] = {"baseline", "avx2", "avx512", "neon"};
#define MAX_SETS 4

static int sets[MAX_SETS], set_count;
static uint64_t hashes[MAX_SETS][K_COUNT];
static long shape_count[K_COUNT];
static long value_count[K_COUNT];
static int failures;
/* Worst |out − ref| / bound per set, and baseline vs each fused set. */
static double worst_error[MAX_SETS];
static double worst_deviation[MAX_SETS];
static long differing[MAX_SETS];
/* Non-finite outputs of the first set in the "nonfinite" runs (NaN, ±inf). */
static long nan_count, inf_count;

/* ---- deterministic inputs ---- */

static uint64_t rng = 0x2545F4914F6CDD1DULL;
/* Inputs (not weights or biases) include ±inf and NaN. */
static int nonfinite;
static uint64_t next_random(void) {
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static float from_bits(uint32_t bits) {
    float f;
    memcpy(&f, &bits, sizeof f);
    return f;
}

/* Mostly |v| in [2⁻⁸, 1) of either sign; 1 in 64 each: +0, −0, a subnormal, one of the smallest
 * normals, a huge value (2^huge_exponent .. 2^(huge_exponent+1)). */
static float awkward(int huge_exponent) {
    uint64_t r = next_random();
    uint32_t sign = (uint32_t)(r >> 63) << 31, mantissa = (uint32_t)(r >> 20) & 0x7FFFFF;
    if (nonfinite && huge_exponent == 60 && ((r >> 40) & 255) < 2)
        return from_bits(sign | ((r >> 40) & 1 ? 0x7F800000u : 0x7FC00000u | (mantissa & 0xFFFF)));
    switch (r & 63) {
    case 0: return from_bits(0);
    case 1: return from_bits(0x80000000u);
    case 2: return from_bits(sign | mantissa | 1);
    case 3: return from_bits(sign | (1u << 23) | mantissa);
    case 4: return from_bits(sign | ((uint32_t)(127 + huge_exponent) << 23) | mantissa);
    default: return from_bits(sign | ((uint32_t)(119 + (r >> 8) % 8) << 23) | mantissa);
    }
}

/* Max-pool inputs: awkward values plus NaNs (quiet and signalling, both signs, payloads), ±inf, and
 * repeats of a few values (ties, including +0 against −0). */
static float pool_value(void) {
    static const uint32_t special[] = {0x7FC00000u, 0xFFC00000u, 0x7FC12345u, 0x7F800001u, 0xFF812345u,
                                       0x7F800000u, 0xFF800000u, 0x00000000u, 0x80000000u, 0x3F800000u};
    uint64_t r = next_random();
    if ((r & 15) < 3) return from_bits(special[(r >> 8) % (sizeof special / sizeof special[0])]);
    return awkward(100);
}

/* ---- buffers that end at an inaccessible page ---- */

static size_t page_size;

static float *guarded(size_t count) {
    size_t bytes = count * sizeof(float), span = (bytes + page_size - 1) / page_size * page_size;
    char *base = mmap(NULL, span + page_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (base == MAP_FAILED || mprotect(base + span, page_size, PROT_NONE) != 0) {
        perror("kernel-harness: mmap");
        exit(2);
    }
    return (float *)(base + span - bytes);
}

static void release(float *p, size_t count) {
    size_t bytes = count * sizeof(float), span = (bytes + page_size - 1) / page_size * page_size;
    munmap((char *)p + bytes - span, span + page_size);
}

/* An output buffer: every value starts as a NaN the kernels never compute, so one left unwritten
 * fails the reference check. */
static float *output_buffer(size_t count) {
    float *p = guarded(count);
    for (size_t n = 0; n < count; n++) p[n] = from_bits(0x7FA5A5A5u);
    return p;
}

/* ---- hashing and checks ---- */

static uint64_t fnv(uint64_t h, const void *data, size_t bytes) {
    const unsigned char *p = data;
    for (size_t n = 0; n < bytes; n++) {
        h ^= p[n];
        h *= 0x100000001B3ULL;
    }
    return h;
}

static double magnitude(double x) { return x < 0 ? -x : x; }

/* Checks one set's value against the reference `ref` (bound scale `size` = Σ|w·x| + |b|, `steps` =
 * roundings allowed). */
static void check_value(int s, int kernel, float got, double ref, double size, int steps, const char *where) {
    if (ref != ref || ref - ref != 0) {
        /* NaN wants a NaN, ±inf the same infinity. */
        if ((ref != ref ? got == got : (double)got != ref) && failures++ < 10)
            fprintf(stderr, "kernel-harness: %s %s %s: got %a, reference %a\n", isa_names[sets[s]], kernel_names[kernel],
                    where, (double)got, ref);
        return;
    }
    double bound = steps * (size * 0x1p-24 + 0x1p-149);
    double error = magnitude((double)got - ref);
    if (!(error <= bound)) {
        if (failures++ < 10)
            fprintf(stderr, "kernel-harness: %s %s %s: got %a, reference %a (bound %a)\n", isa_names[sets[s]],
                    kernel_names[kernel], where, (double)got, ref, bound);
        return;
    }
    if (error / bound > worst_error[s]) worst_error[s] = error / bound;
}

/* Hashes and checks `count` values of every set (outputs[s]); baseline vs fused deviations too. */
static void finish(int kernel, float *const outputs[MAX_SETS], size_t count, const double *ref, const double *size,
                   int steps, const char *where) {
    int base = -1;
    for (int s = 0; s < set_count; s++) {
        for (size_t n = 0; n < count; n++) check_value(s, kernel, outputs[s][n], ref[n], size[n], steps, where);
        if (sets[s] == FP_ISA_BASELINE) base = s;
        if (!nonfinite) {
            hashes[s][kernel] = fnv(hashes[s][kernel], outputs[s], count * sizeof(float));
            continue;
        }
        hashes[s][K_RAW] = fnv(hashes[s][K_RAW], outputs[s], count * sizeof(float));
        for (size_t n = 0; s == 0 && n < count; n++) {
            nan_count += outputs[s][n] != outputs[s][n];
            inf_count += outputs[s][n] == outputs[s][n] && outputs[s][n] - outputs[s][n] != 0;
        }
        for (size_t n = 0; n < count; n++) {
            float v = outputs[s][n] == outputs[s][n] ? outputs[s][n] : from_bits(0x7FC00000u);
            hashes[s][K_NONFINITE] = fnv(hashes[s][K_NONFINITE], &v, sizeof v);
        }
    }
    value_count[nonfinite ? K_NONFINITE : kernel] += (long)count;
    if (base < 0 || nonfinite) return;
    for (int s = 0; s < set_count; s++) {
        if (s == base) continue;
        for (size_t n = 0; n < count; n++) {
            if (memcmp(&outputs[s][n], &outputs[base][n], sizeof(float)) != 0) differing[s]++;
            double unit = size[n] * 0x1p-24 + 0x1p-149;
            double deviation = magnitude((double)outputs[s][n] - (double)outputs[base][n]) / unit;
            if (deviation > worst_deviation[s]) worst_deviation[s] = deviation;
        }
    }
}

/* ---- the convolution shapes ---- */

typedef struct shape {
    ptrdiff_t width, rows, kh, kw, terms, stride, dilation, maps, lead;
} shape;

/* A padded band and weights for `sh`, laid out as PaddedInput and Conv2D lay them out. */
typedef struct band {
    float *scratch;
    size_t scratch_count;
    ptrdiff_t slots[8];
    fp_conv_job job;
    float weights[3 * 7 * 7 * FP_BLOCK], biases[FP_BLOCK];
} band;

static void make_band(band *b, const shape *sh) {
    /* Output rows lead ..< lead + rows of a tile padded from output row 0 (Conv2D's rowOffset). */
    ptrdiff_t tile_rows = sh->lead + sh->rows;
    ptrdiff_t row_count = (tile_rows - 1) * sh->stride + sh->dilation * (sh->kh - 1) + 1;
    ptrdiff_t row_stride = sh->stride == 1 ? (sh->width + FP_STRIP - 1) / FP_STRIP * FP_STRIP + sh->dilation * (sh->kw - 1)
                                           : (sh->width - 1) * sh->stride + sh->dilation * (sh->kw - 1) + 1;
    ptrdiff_t slot_stride = row_count * row_stride, slot_total = sh->terms + 1;
    b->scratch_count = (size_t)(slot_total * slot_stride);
    b->scratch = guarded(b->scratch_count);
    for (size_t n = 0; n < b->scratch_count; n++) b->scratch[n] = awkward(60);
    /* Terms read slots in reverse, skipping slot 0, so slot offsets and their order matter. */
    for (ptrdiff_t t = 0; t < sh->terms; t++) b->slots[t] = sh->terms - t;
    ptrdiff_t taps = sh->terms * sh->kh * sh->kw;
    memset(b->weights, 0, sizeof b->weights);
    memset(b->biases, 0, sizeof b->biases);
    for (ptrdiff_t n = 0; n < taps; n++)
        for (ptrdiff_t k = 0; k < sh->maps; k++) b->weights[n * FP_BLOCK + k] = awkward(30);
    for (ptrdiff_t k = 0; k < sh->maps; k++) b->biases[k] = awkward(20);
    b->job = (fp_conv_job){
        .scratch = b->scratch + sh->lead * sh->stride * row_stride,
        .row_stride = row_stride,
        .slot_stride = slot_stride,
        .slots = b->slots,
        .slot_count = sh->terms,
        .kernel_height = sh->kh,
        .kernel_width = sh->kw,
        .stride = sh->stride,
        .dilation = sh->dilation,
        .output_width = sh->width,
        .output_row_stride = sh->width,
        .row_count = sh->rows,
    };
}

/* The reference value of map k at output (r, x) in float64, and Σ|w·x| + |b|. */
static void reference(const band *b, ptrdiff_t k, ptrdiff_t r, ptrdiff_t x, double *value, double *size) {
    const fp_conv_job *j = &b->job;
    double sum = 0, total = 0;
    const float *w = b->weights + k;
    for (ptrdiff_t t = 0; t < j->slot_count; t++)
        for (ptrdiff_t i = 0; i < j->kernel_height; i++)
            for (ptrdiff_t jj = 0; jj < j->kernel_width; jj++, w += FP_BLOCK) {
                double p = (double)*w * j->scratch[j->slots[t] * j->slot_stride + (r * j->stride + i * j->dilation) * j->row_stride +
                                                  x * j->stride + jj * j->dilation];
                sum += p;
                total += magnitude(p);
            }
    *value = sum + b->biases[k];
    *size = total + magnitude(b->biases[k]);
}

static void run_conv(int kernel, const shape *sh) {
    band b;
    make_band(&b, sh);
    const fp_conv_job *j = &b.job;
    size_t plane = (size_t)(sh->rows * sh->width);
    int maps = kernel == K_SINGLE || kernel == K_SEPARABLE ? 1 : FP_BLOCK;
    double *ref = malloc(plane * sizeof(double)), *size = malloc(plane * sizeof(double));
    int steps = 2 * (int)(sh->terms * sh->kh * sh->kw + 1);
    float vertical[7], horizontal[7];
    if (kernel == K_SEPARABLE) {
        /* The band's weights as a rank-1 kernel vertical[i] · horizontal[j]. */
        for (ptrdiff_t i = 0; i < sh->kh; i++) vertical[i] = awkward(15);
        for (ptrdiff_t jj = 0; jj < sh->kw; jj++) horizontal[jj] = awkward(15);
        steps = 2 * (int)(sh->kh + sh->kw + 1);
    }
    char where[160];
    snprintf(where, sizeof where, "width %td rows %td kernel %tdx%td terms %td stride %td dilation %td maps %td lead %td",
             sh->width, sh->rows, sh->kh, sh->kw, sh->terms, sh->stride, sh->dilation, sh->maps, sh->lead);
    /* Each set runs the entry once; maps past the group's count get NULL (Conv2D's nil). */
    float *out[MAX_SETS][FP_BLOCK];
    for (int s = 0; s < set_count; s++) {
        for (int m = 0; m < FP_BLOCK; m++) out[s][m] = m < maps && m < sh->maps ? output_buffer(plane) : NULL;
        switch (kernel) {
        case K_BLOCKED: fp_conv_blocked(sets[s], j, b.weights, b.biases, out[s]); break;
        case K_SINGLE: fp_conv_single(sets[s], j, b.weights, b.biases[0], out[s][0]); break;
        case K_SEPARABLE: {
            size_t count = (size_t)fp_separable_workspace(j);
            float *workspace = output_buffer(count);
            fp_conv_separable(sets[s], j, vertical, horizontal, b.biases[0], out[s][0], workspace);
            release(workspace, count);
            break;
        }
        default: fp_conv_scalar(sets[s], j, b.weights, b.biases, out[s]); break;
        }
    }
    for (int k = 0; k < maps && k < sh->maps; k++) {
        for (ptrdiff_t r = 0; r < sh->rows; r++)
            for (ptrdiff_t x = 0; x < sh->width; x++) {
                size_t n = (size_t)(r * sh->width + x);
                if (kernel != K_SEPARABLE) {
                    reference(&b, k, r, x, &ref[n], &size[n]);
                    continue;
                }
                double sum = 0, total = 0;
                const float *origin = j->scratch + j->slots[0] * j->slot_stride + r * j->row_stride + x;
                for (ptrdiff_t i = 0; i < sh->kh; i++) {
                    double row = 0, row_size = 0;
                    for (ptrdiff_t jj = 0; jj < sh->kw; jj++) {
                        double p = (double)horizontal[jj] * origin[i * sh->dilation * j->row_stride + jj * sh->dilation];
                        row += p;
                        row_size += magnitude(p);
                    }
                    sum += (double)vertical[i] * row;
                    total += magnitude((double)vertical[i]) * row_size;
                }
                ref[n] = sum + b.biases[0];
                size[n] = total + magnitude(b.biases[0]);
            }
        float *results[MAX_SETS];
        for (int s = 0; s < set_count; s++) results[s] = out[s][k];
        finish(kernel, results, plane, ref, size, steps, where);
    }
    for (int s = 0; s < set_count; s++)
        for (int m = 0; m < FP_BLOCK; m++)
            if (out[s][m]) release(out[s][m], plane);
    shape_count[nonfinite ? K_NONFINITE : kernel]++;
    free(ref);
    free(size);
    release(b.scratch, b.scratch_count);
}

static uint32_t bits(float f) {
    uint32_t b;
    memcpy(&b, &f, sizeof b);
    return b;
}

/* Max pool: bit-exact against a plain scalar loop of the documented rule. */
static float larger(float a, float b) { return b >= a ? b : a; }

static void run_pool(ptrdiff_t count, ptrdiff_t input_width) {
    float *top = guarded((size_t)input_width), *bottom = guarded((size_t)input_width);
    for (ptrdiff_t n = 0; n < input_width; n++) top[n] = pool_value();
    for (ptrdiff_t n = 0; n < input_width; n++) bottom[n] = pool_value();
    float *out[MAX_SETS];
    float *expected = malloc((size_t)(count + 1) * sizeof(float));
#pragma clang loop vectorize(disable)
    for (ptrdiff_t x = 0; x < count; x++)
        expected[x] = larger(larger(larger(top[2 * x], top[2 * x + 1]), bottom[2 * x]), bottom[2 * x + 1]);
    for (int s = 0; s < set_count; s++) {
        out[s] = output_buffer((size_t)count);
        fp_max_pool_2x2(sets[s], top, bottom, count, out[s]);
        for (ptrdiff_t x = 0; x < count; x++)
            if (memcmp(&out[s][x], &expected[x], sizeof(float)) != 0 && failures++ < 10)
                fprintf(stderr, "kernel-harness: %s maxpool count %td: out[%td] = %08" PRIx32 ", expected %08" PRIx32 "\n",
                        isa_names[sets[s]], count, x, bits(out[s][x]), bits(expected[x]));
        hashes[s][K_POOL] = fnv(hashes[s][K_POOL], out[s], (size_t)count * sizeof(float));
    }
    value_count[K_POOL] += (long)count;
    shape_count[K_POOL]++;
    for (int s = 0; s < set_count; s++) release(out[s], (size_t)count);
    free(expected);
    release(top, (size_t)input_width);
    release(bottom, (size_t)input_width);
}

/* Output widths crossing every set's strips (8 to 64 columns): 1..70 and some wider. */
static const ptrdiff_t wide[] = {95, 127, 128, 129, 200, 257};
static ptrdiff_t width_at(int n) { return n < 70 ? n + 1 : wide[n - 70]; }
#define WIDTHS (70 + (int)(sizeof wide / sizeof wide[0]))

int main(int argc, char **argv) {
    page_size = (size_t)sysconf(_SC_PAGESIZE);
    unsigned supported = fp_isa_supported();
    if (argc == 2 && strcmp(argv[1], "supported") == 0) {
        for (int isa = 0; isa < 4; isa++)
            if (supported & (1u << isa)) printf("%s%s", isa ? " " : "", isa_names[isa]);
        printf("\n");
        return 0;
    }
    if (argc < 2 || argc - 1 > MAX_SETS) {
        fprintf(stderr, "usage: kernel-harness supported | SET... (baseline, avx2, avx512, neon)\n");
        return 2;
    }
    for (int a = 1; a < argc; a++) {
        int isa = -1;
        for (int n = 0; n < 4; n++)
            if (strcmp(argv[a], isa_names[n]) == 0) isa = n;
        if (isa < 0 || !(supported & (1u << isa))) {
            fprintf(stderr, "kernel-harness: %s: %s\n", argv[a], isa < 0 ? "no such kernel set" : "this CPU cannot run it");
            return 2;
        }
        sets[set_count++] = isa;
    }
    for (int s = 0; s < set_count; s++)
        for (int k = 0; k < K_COUNT; k++) hashes[s][k] = 0xCBF29CE484222325ULL;

    static const ptrdiff_t sizes[] = {1, 3, 5, 7};
    /* Stride 1: blocked (1..4 maps of a group), single and separable, dilation 1 and 2. */
    int n = 0;
    for (int w = 0; w < WIDTHS; w++)
        for (int z = 0; z < 4; z++)
            for (ptrdiff_t d = 1; d <= 2; d++, n++) {
                ptrdiff_t kh = sizes[z], kw = sizes[(z + w) % 4];
                shape sh = {width_at(w), 1 + n % 3, kh, kw, 1 + n % 3, 1, d, 1 + n % FP_BLOCK, n % 2};
                run_conv(K_BLOCKED, &sh);
                sh.terms = 1 + (n + 1) % 3;
                run_conv(K_SINGLE, &sh);
                sh.terms = 1;
                run_conv(K_SEPARABLE, &sh);
            }
    /* The scalar kernel at strides 2 and 3, dilation 1 and 2. */
    n = 0;
    for (int w = 0; w < WIDTHS; w += 1 + (w >= 40))
        for (int z = 0; z < 4; z++)
            for (ptrdiff_t s = 2; s <= 3; s++, n++) {
                shape sh = {width_at(w), 1 + n % 3, sizes[z], sizes[(z + w) % 4], 1 + n % 3, s, 1 + n % 2, 1 + n % FP_BLOCK, n % 2};
                run_conv(K_SCALAR, &sh);
            }
    for (ptrdiff_t count = 0; count <= 300; count++) run_pool(count, 2 * count + count % 2);
    /* Non-finite inputs through each conv entry, at every width up to 70 and a few wider. */
    nonfinite = 1;
    for (int w = 0; w < WIDTHS; w++) {
        ptrdiff_t kh = sizes[w % 4], kw = sizes[(w / 4) % 4];
        shape sh = {width_at(w), 1 + w % 3, kh, kw, 1 + w % 3, 1, 1 + w % 2, 1 + w % FP_BLOCK, w % 2};
        run_conv(K_BLOCKED, &sh);
        sh.terms = 1;
        run_conv(K_SINGLE, &sh);
        run_conv(K_SEPARABLE, &sh);
        sh.stride = 2;
        sh.terms = 1 + w % 3;
        run_conv(K_SCALAR, &sh);
    }
    nonfinite = 0;

    uint64_t combined[MAX_SETS];
    for (int s = 0; s < set_count; s++) {
        combined[s] = fnv(0xCBF29CE484222325ULL, hashes[s], K_COMBINED * sizeof hashes[s][0]);
        for (int k = 0; k < K_COUNT; k++) printf("hash %s %s %016" PRIx64 "\n", isa_names[sets[s]], kernel_names[k], hashes[s][k]);
        printf("hash %s all %016" PRIx64 "\n", isa_names[sets[s]], combined[s]);
        printf("error %s %.3f\n", isa_names[sets[s]], worst_error[s]);
    }
    printf("nonfinite nan %ld inf %ld\n", nan_count, inf_count);
    for (int k = 0; k < K_RAW; k++) printf("shapes %s %ld values %ld\n", kernel_names[k], shape_count[k], value_count[k]);
    long total_values = 0;
    for (int k = 0; k < K_POOL; k++) total_values += value_count[k];
    for (int s = 0; s < set_count; s++)
        if (sets[s] != FP_ISA_BASELINE && set_count > 1)
            printf("deviation %s %.3f differing %ld of %ld\n", isa_names[sets[s]], worst_deviation[s], differing[s], total_values);
    if (failures) fprintf(stderr, "kernel-harness: %d failed checks\n", failures);
    return failures ? 1 : 0;
}
