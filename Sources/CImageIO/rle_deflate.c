/*
 * filterpipe's deflate coder for PNG rows: the default at level 1.
 *
 * PNG-filtered feature maps and photos leave little for general LZ77 to find: the residuals are
 * small numbers whose order-0 entropy is most of the story, plus long runs where a ReLU or a flat
 * region leaves the same byte (mostly 0) again and again. So this coder looks for nothing but
 * runs, matches at distance 1 of 5-258 bytes (shorter ones cost about what their literals do: on
 * the corpus, 5 gave 1-2% smaller files than 3 and 30% more speed), and codes the rest as literals with dynamic
 * Huffman codes fitted to each block of CIMAGEIO_RLE_BLOCK input bytes (zlib's Z_RLE strategy,
 * minus its general hashing machinery). On the benchmark corpus's Paeth-filtered outputs that
 * is 5-12% smaller than libdeflate's level 1 on Up-filtered rows, and several times faster
 * (BENCHMARKS.md).
 *
 * Per block: one pass counts byte values and finds the runs (16 bytes per step on x86), the
 * Huffman code lengths come from those counts (at most 15 bits), and a second pass writes the
 * literals three per 64-bit store. A block whose codes would not pay for themselves is stored.
 * The output is plain RFC 1951; zlib, libdeflate and libpng read it (tests and Fuzz/ check).
 */
#include <stdlib.h>
#include <string.h>
#include "rle_deflate.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

enum { LITLEN_SYMBOLS = 286, END_OF_BLOCK = 256, CODE_LENGTH_SYMBOLS = 19, STORED_MAX = 65535 };

/* ---- bits out, least significant bit first (RFC 1951 §3.1.1) ---- */

typedef struct {
    uint8_t *out;
    uint64_t bits;  /* pending, `count` of them; every bit above is 0 */
    unsigned count; /* < 8 after flush */
} bit_writer;

static inline void store64le(uint8_t *p, uint64_t value) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    memcpy(p, &value, 8);
#else
    for (int i = 0; i < 8; i++) p[i] = (uint8_t)(value >> (8 * i));
#endif
}

static inline uint64_t load64(const uint8_t *p) {
    uint64_t value;
    memcpy(&value, p, 8);
    return value;
}

/* Writes the whole bytes of the pending bits (the buffer has 8 bytes of slack for the store). */
static inline void flush_bits(bit_writer *w) {
    store64le(w->out, w->bits);
    unsigned bytes = w->count >> 3;
    w->out += bytes;
    w->bits = bytes == 8 ? 0 : w->bits >> (8 * bytes);
    w->count &= 7;
}

/* At most 57 bits may be pending between flushes. */
static inline void add_bits(bit_writer *w, uint64_t value, unsigned count) {
    w->bits |= value << w->count;
    w->count += count;
}

static void put_bits(bit_writer *w, uint64_t value, unsigned count) {
    add_bits(w, value, count);
    flush_bits(w);
}

/* ---- Huffman code lengths, limited to `limit` bits ---- */

typedef struct {
    uint32_t key; /* frequency, then (in place) a parent index, then a depth */
    uint16_t symbol;
} symbol_weight;

static int by_weight(const void *a, const void *b) {
    const symbol_weight *x = (const symbol_weight *)a, *y = (const symbol_weight *)b;
    if (x->key != y->key) return x->key < y->key ? -1 : 1;
    return (int)x->symbol - (int)y->symbol;
}

/* Moffat and Katajainen's in-place minimum-redundancy code (as in miniz): A sorted by ascending
 * frequency in, each entry's optimal code length out (not yet limited). */
static void minimum_redundancy(symbol_weight *A, int n) {
    int root = 0, leaf = 2, next;
    A[0].key += A[1].key;
    for (next = 1; next < n - 1; next++) {
        if (leaf >= n || A[root].key < A[leaf].key) {
            A[next].key = A[root].key;
            A[root++].key = (uint32_t)next;
        } else {
            A[next].key = A[leaf++].key;
        }
        if (leaf >= n || (root < next && A[root].key < A[leaf].key)) {
            A[next].key += A[root].key;
            A[root++].key = (uint32_t)next;
        } else {
            A[next].key += A[leaf++].key;
        }
    }
    A[n - 2].key = 0;
    for (next = n - 3; next >= 0; next--) A[next].key = A[A[next].key].key + 1;
    int available = 1, used = 0, depth = 0;
    root = n - 2;
    next = n - 1;
    while (available > 0) {
        while (root >= 0 && (int)A[root].key == depth) { used++; root--; }
        while (available > used) { A[next--].key = (uint32_t)depth; available--; }
        available = 2 * used;
        depth++;
        used = 0;
    }
}

/* Code lengths for freq[0..n) (0: unused), none over `limit`, the code complete. With fewer than
 * two used symbols, two get length 1 (inflaters reject some incomplete codes). */
static void huffman_lengths(const uint32_t *freq, int n, int limit, uint8_t *lengths) {
    symbol_weight items[LITLEN_SYMBOLS];
    int used = 0;
    memset(lengths, 0, (size_t)n);
    for (int s = 0; s < n; s++)
        if (freq[s]) items[used++] = (symbol_weight){freq[s], (uint16_t)s};
    if (used < 2) {
        int only = used ? items[0].symbol : 0;
        lengths[only] = 1;
        lengths[only == 0 ? 1 : 0] = 1;
        return;
    }
    qsort(items, (size_t)used, sizeof items[0], by_weight);
    minimum_redundancy(items, used);
    /* Lengths past the limit are cut to it, then codes are lengthened, shortest first, until the
     * Kraft sum is exactly 1 again (miniz's tdefl_huffman_enforce_max_code_size). */
    int count[LITLEN_SYMBOLS + 1] = {0};
    for (int i = 0; i < used; i++) count[items[i].key > (uint32_t)limit ? limit : (int)items[i].key]++;
    uint32_t total = 0;
    for (int length = limit; length > 0; length--) total += (uint32_t)count[length] << (limit - length);
    while (total > (1u << limit)) {
        count[limit]--;
        for (int length = limit - 1; length > 0; length--) {
            if (count[length]) {
                count[length]--;
                count[length + 1] += 2;
                break;
            }
        }
        total--;
    }
    /* The most frequent symbols (at the end of `items`) get the shortest codes. */
    int j = used;
    for (int length = 1; length <= limit; length++)
        for (int c = count[length]; c > 0; c--) lengths[items[--j].symbol] = (uint8_t)length;
}

/* Canonical codes (RFC 1951 §3.2.2), bit-reversed for least-significant-first output. */
static void canonical_codes(const uint8_t *lengths, int n, uint16_t *codes) {
    unsigned length_count[16] = {0}, next[16] = {0};
    for (int s = 0; s < n; s++) length_count[lengths[s]]++;
    length_count[0] = 0;
    unsigned code = 0;
    for (int bits = 1; bits < 16; bits++) {
        code = (code + length_count[bits - 1]) << 1;
        next[bits] = code;
    }
    for (int s = 0; s < n; s++) {
        unsigned length = lengths[s];
        if (length == 0) { codes[s] = 0; continue; }
        unsigned value = next[length]++, reversed = 0;
        for (unsigned b = 0; b < length; b++) reversed |= ((value >> b) & 1) << (length - 1 - b);
        codes[s] = (uint16_t)reversed;
    }
}

/* ---- match lengths (RFC 1951 §3.2.5) ---- */

static const uint16_t length_base[29] = {3,  4,  5,  6,  7,  8,  9,  10, 11,  13,  15,  17,  19,  23, 27,
                                         31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258};
static const uint8_t length_extra[29] = {0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2,
                                         2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0};

/* The length code (0-28, symbol 257 + it) of a match of `length` (3-258) bytes: the last code
 * whose base is at most `length`, tabulated from 3 on. */
static const uint8_t length_codes[256] = {
    0, 1, 2, 3, 4, 5, 6, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 12, 12, 13, 13, 13, 13, 14, 14, 14, 14, 15, 15, 15, 15,
    16, 16, 16, 16, 16, 16, 16, 16, 17, 17, 17, 17, 17, 17, 17, 17, 18, 18, 18, 18, 18, 18, 18, 18, 19, 19, 19, 19, 19, 19, 19, 19,
    20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 21, 21, 21, 21, 21, 21, 21, 21, 21, 21, 21, 21, 21, 21, 21, 21,
    22, 22, 22, 22, 22, 22, 22, 22, 22, 22, 22, 22, 22, 22, 22, 22, 23, 23, 23, 23, 23, 23, 23, 23, 23, 23, 23, 23, 23, 23, 23, 23,
    24, 24, 24, 24, 24, 24, 24, 24, 24, 24, 24, 24, 24, 24, 24, 24, 24, 24, 24, 24, 24, 24, 24, 24, 24, 24, 24, 24, 24, 24, 24, 24,
    25, 25, 25, 25, 25, 25, 25, 25, 25, 25, 25, 25, 25, 25, 25, 25, 25, 25, 25, 25, 25, 25, 25, 25, 25, 25, 25, 25, 25, 25, 25, 25,
    26, 26, 26, 26, 26, 26, 26, 26, 26, 26, 26, 26, 26, 26, 26, 26, 26, 26, 26, 26, 26, 26, 26, 26, 26, 26, 26, 26, 26, 26, 26, 26,
    27, 27, 27, 27, 27, 27, 27, 27, 27, 27, 27, 27, 27, 27, 27, 27, 27, 27, 27, 27, 27, 27, 27, 27, 27, 27, 27, 27, 27, 27, 27, 28,
};

static inline int length_code(unsigned length) { return length_codes[length - 3]; }

/* ---- runs ---- */

typedef struct {
    uint32_t at;     /* offset in the block of the run's first byte; the byte before it repeats */
    uint32_t length; /* MIN_RUN-258 */
} run;

/* Bytes in[p..) equal to `value`, at most `limit`. */
static inline size_t run_length(const uint8_t *p, uint8_t value, size_t limit) {
    uint64_t pattern = 0x0101010101010101ull * value;
    size_t length = 0;
    while (length + 8 <= limit) {
        uint64_t differ = load64(p + length) ^ pattern;
        if (differ) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
            return length + (size_t)(__builtin_ctzll(differ) >> 3);
#else
            break;
#endif
        }
        length += 8;
    }
    while (length < limit && p[length] == value) length++;
    return length;
}

#ifndef CIMAGEIO_RLE_MIN_RUN
#define CIMAGEIO_RLE_MIN_RUN 5
#endif
enum { MIN_RUN = CIMAGEIO_RLE_MIN_RUN };

/* The first p in [i, end - MIN_RUN] with in[p - 1] == in[p] == ... == in[p + MIN_RUN - 1], or
 * `end`. i >= 1; `in` is the whole input, so in[i - 1] is readable. */
static inline size_t next_run(const uint8_t *in, size_t i, size_t end) {
#if defined(__SSE2__)
    /* Bit k of `same`: in[i + k] == in[i + k - 1]; MIN_RUN in a row from bit k start a run. */
    while (i + 16 <= end) {
        __m128i here = _mm_loadu_si128((const __m128i *)(in + i));
        __m128i before = _mm_loadu_si128((const __m128i *)(in + i - 1));
        unsigned same = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(here, before)), starts = same;
        for (int k = 1; k < MIN_RUN; k++) starts &= same >> k;
        starts &= (1u << (17 - MIN_RUN)) - 1;
        if (starts) return i + (size_t)__builtin_ctz(starts);
        i += 17 - MIN_RUN;
    }
#elif defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    /* Eight bytes per step: a zero byte of `differ` is a position equal to the one before. */
    const uint64_t low7 = 0x7F7F7F7F7F7F7F7Full;
    while (i + 8 <= end) {
        uint64_t differ = load64(in + i) ^ load64(in + i - 1);
        uint64_t zero = ~(((differ & low7) + low7) | differ | low7), starts = zero; /* 0x80: equal */
        for (int k = 1; k < MIN_RUN; k++) starts &= zero >> (8 * k);
        starts &= 0x8080808080808080ull >> (8 * (MIN_RUN - 1));
        if (starts) return i + (size_t)(__builtin_ctzll(starts) >> 3);
        i += 9 - MIN_RUN;
    }
#endif
    for (; i + MIN_RUN <= end; i++) {
        int k = 0;
        while (k < MIN_RUN && in[i + k] == in[i - 1]) k++;
        if (k == MIN_RUN) return i;
    }
    return end;
}

/* The runs of in[start..end) (greedy, each at most 258 bytes) into runs[]; returns their count. */
static size_t find_runs(const uint8_t *in, size_t start, size_t end, run *runs) {
    size_t count = 0, i = start == 0 ? 1 : start;
    while (i < end) {
        size_t p = next_run(in, i, end);
        if (p >= end) break;
        size_t limit = end - p < 258 ? end - p : 258;
        size_t length = MIN_RUN + run_length(in + p + MIN_RUN, in[p - 1], limit - MIN_RUN);
        runs[count++] = (run){(uint32_t)(p - start), (uint32_t)length};
        i = p + length;
    }
    return count;
}

/* Counts of each byte value of in[0..n): eight bytes per load, spread over four tables so that
 * repeats of a value (most bytes are 0 in a rectified map) wait less on each other's increments.
 * (Eight tables measured slower.) */
static void byte_histogram(const uint8_t *in, size_t n, uint32_t *histogram) {
    uint32_t t[4][256];
    memset(t, 0, sizeof t);
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w = load64(in + i);
        t[0][w & 255]++;
        t[1][(w >> 8) & 255]++;
        t[2][(w >> 16) & 255]++;
        t[3][(w >> 24) & 255]++;
        t[0][(w >> 32) & 255]++;
        t[1][(w >> 40) & 255]++;
        t[2][(w >> 48) & 255]++;
        t[3][w >> 56]++;
    }
    for (; i < n; i++) t[0][in[i]]++;
    for (int v = 0; v < 256; v++) histogram[v] = t[0][v] + t[1][v] + t[2][v] + t[3][v];
}

/* ---- blocks ---- */

static size_t stored_pieces(size_t n) { return n == 0 ? 1 : (n + STORED_MAX - 1) / STORED_MAX; }

size_t cimageio_rle_deflate_bound(size_t size, size_t block) {
    if (block == 0) block = 1;
    /* Each stored piece costs at most 6 bytes beyond its data (3 header bits, alignment,
     * LEN/NLEN); a block never takes more than storing it; 8 bytes of slack for 64-bit stores. */
    size_t blocks = size / block + 1;
    return size + 6 * (size / STORED_MAX + blocks + 1) + 16;
}

static void write_stored(bit_writer *w, const uint8_t *in, size_t n, int final) {
    size_t pieces = stored_pieces(n);
    for (size_t k = 0; k < pieces; k++) {
        size_t length = n < STORED_MAX ? n : STORED_MAX;
        put_bits(w, (uint64_t)(final && k + 1 == pieces), 3); /* BFINAL, BTYPE 00 */
        w->count = (w->count + 7) & ~7u;                      /* to a byte boundary (pending bits are 0) */
        flush_bits(w);
        uint8_t header[4] = {(uint8_t)length, (uint8_t)(length >> 8), (uint8_t)~length, (uint8_t)(~length >> 8)};
        memcpy(w->out, header, 4);
        memcpy(w->out + 4, in, length);
        w->out += 4 + length;
        in += length;
        n -= length;
    }
}

/* The code-length sequence of RFC 1951 §3.2.7: symbols 0-18, with 16/17/18 repeats. */
typedef struct {
    uint8_t symbol[LITLEN_SYMBOLS + 32];
    uint8_t extra[LITLEN_SYMBOLS + 32];
    int count;
} length_sequence;

static void encode_lengths(const uint8_t *lengths, int n, length_sequence *sequence) {
    sequence->count = 0;
    for (int i = 0; i < n;) {
        uint8_t value = lengths[i];
        int repeat = 1;
        while (i + repeat < n && lengths[i + repeat] == value) repeat++;
        i += repeat;
        if (value == 0) {
            while (repeat >= 11) {
                int take = repeat < 138 ? repeat : 138;
                sequence->symbol[sequence->count] = 18;
                sequence->extra[sequence->count++] = (uint8_t)(take - 11);
                repeat -= take;
            }
            if (repeat >= 3) {
                sequence->symbol[sequence->count] = 17;
                sequence->extra[sequence->count++] = (uint8_t)(repeat - 3);
                repeat = 0;
            }
        } else {
            sequence->symbol[sequence->count] = value;
            sequence->extra[sequence->count++] = 0;
            repeat--;
            while (repeat >= 3) {
                int take = repeat < 6 ? repeat : 6;
                sequence->symbol[sequence->count] = 16;
                sequence->extra[sequence->count++] = (uint8_t)(take - 3);
                repeat -= take;
            }
        }
        while (repeat-- > 0) {
            sequence->symbol[sequence->count] = value;
            sequence->extra[sequence->count++] = 0;
        }
    }
}

static const uint8_t code_length_order[CODE_LENGTH_SYMBOLS] = {16, 17, 18, 0, 8, 7, 9, 6, 10, 5,
                                                               11, 4,  12, 3, 13, 2, 14, 1, 15};
static const uint8_t code_length_extra[CODE_LENGTH_SYMBOLS] = {[16] = 2, [17] = 3, [18] = 7};

/* Literals in[0..n) through `table` (code | length << 16), three per flush (≤ 45 + 7 bits). */
static inline void write_literals(bit_writer *w, const uint8_t *in, size_t n, const uint32_t *table) {
    uint64_t bits = w->bits;
    unsigned count = w->count;
    uint8_t *out = w->out;
    size_t i = 0;
    for (; i + 3 <= n; i += 3) {
        uint32_t e0 = table[in[i]], e1 = table[in[i + 1]], e2 = table[in[i + 2]];
        bits |= (uint64_t)(e0 & 0xFFFF) << count;
        count += e0 >> 16;
        bits |= (uint64_t)(e1 & 0xFFFF) << count;
        count += e1 >> 16;
        bits |= (uint64_t)(e2 & 0xFFFF) << count;
        count += e2 >> 16;
        store64le(out, bits);
        out += count >> 3;
        bits >>= count & ~7u; /* count ≤ 52 here */
        count &= 7;
    }
    for (; i < n; i++) {
        uint32_t e = table[in[i]];
        bits |= (uint64_t)(e & 0xFFFF) << count;
        count += e >> 16;
    }
    w->bits = bits;
    w->count = count;
    w->out = out;
    flush_bits(w); /* ≤ 2 × 15 + 7 bits */
}

/* One block, in[start..end) of the whole input `in`: dynamic Huffman, or stored if that is smaller. */
static void write_block(bit_writer *w, const uint8_t *in, size_t start, size_t end, int final, run *runs) {
    const uint8_t *block = in + start;
    size_t n = end - start;
    uint32_t freq[LITLEN_SYMBOLS] = {0};
    byte_histogram(block, n, freq);
    size_t run_count = find_runs(in, start, end, runs);
    uint64_t extra_bits = 0;
    for (size_t r = 0; r < run_count; r++) {
        int code = length_code(runs[r].length);
        freq[in[start + runs[r].at - 1]] -= runs[r].length; /* those bytes are not literals */
        freq[257 + code]++;
        extra_bits += length_extra[code] + 1u; /* + the 1-bit distance code */
    }
    freq[END_OF_BLOCK] = 1;

    uint8_t lengths[LITLEN_SYMBOLS];
    huffman_lengths(freq, LITLEN_SYMBOLS, 15, lengths);
    int literal_count = LITLEN_SYMBOLS;
    while (literal_count > 257 && lengths[literal_count - 1] == 0) literal_count--;
    /* The header's one sequence: literal/length code lengths, then distance codes 0 and 1 at one
     * bit each (only code 0, distance 1, is used). */
    uint8_t all_lengths[LITLEN_SYMBOLS + 2];
    memcpy(all_lengths, lengths, (size_t)literal_count);
    all_lengths[literal_count] = 1;
    all_lengths[literal_count + 1] = 1;

    length_sequence sequence;
    encode_lengths(all_lengths, literal_count + 2, &sequence);
    uint32_t sequence_freq[CODE_LENGTH_SYMBOLS] = {0};
    for (int i = 0; i < sequence.count; i++) sequence_freq[sequence.symbol[i]]++;
    uint8_t sequence_lengths[CODE_LENGTH_SYMBOLS];
    uint16_t sequence_codes[CODE_LENGTH_SYMBOLS];
    huffman_lengths(sequence_freq, CODE_LENGTH_SYMBOLS, 7, sequence_lengths);
    canonical_codes(sequence_lengths, CODE_LENGTH_SYMBOLS, sequence_codes);
    int order_count = CODE_LENGTH_SYMBOLS;
    while (order_count > 4 && sequence_lengths[code_length_order[order_count - 1]] == 0) order_count--;

    uint64_t bits = 3 + 5 + 5 + 4 + 3u * (unsigned)order_count + extra_bits;
    for (int i = 0; i < sequence.count; i++)
        bits += sequence_lengths[sequence.symbol[i]] + code_length_extra[sequence.symbol[i]];
    for (int s = 0; s < LITLEN_SYMBOLS; s++) bits += (uint64_t)freq[s] * lengths[s];
    uint64_t stored_bits = (uint64_t)stored_pieces(n) * (3 + 7 + 32) + 8 * (uint64_t)n;
    if (bits >= stored_bits) {
        write_stored(w, block, n, final);
        return;
    }

    put_bits(w, (uint64_t)(final ? 1 : 0) | (2u << 1), 3); /* BFINAL, BTYPE 10 (dynamic) */
    put_bits(w, (uint64_t)(literal_count - 257) | (1u << 5) | ((uint64_t)(order_count - 4) << 10), 14);
    for (int i = 0; i < order_count; i++) put_bits(w, sequence_lengths[code_length_order[i]], 3);
    for (int i = 0; i < sequence.count; i++) {
        int symbol = sequence.symbol[i];
        put_bits(w, sequence_codes[symbol], sequence_lengths[symbol]);
        if (code_length_extra[symbol]) put_bits(w, sequence.extra[i], code_length_extra[symbol]);
    }

    uint16_t codes[LITLEN_SYMBOLS];
    canonical_codes(lengths, LITLEN_SYMBOLS, codes);
    uint32_t literal_table[256];
    for (int v = 0; v < 256; v++) literal_table[v] = codes[v] | ((uint32_t)lengths[v] << 16);
    /* A whole match: length code, its extra bits, then distance code 0 (the bit 0). */
    uint32_t match_bits[259];
    uint8_t match_count[259];
    for (unsigned length = 3; length <= 258; length++) {
        int code = length_code(length);
        int symbol = 257 + code;
        match_bits[length] = codes[symbol] | ((length - length_base[code]) << lengths[symbol]);
        match_count[length] = (uint8_t)(lengths[symbol] + length_extra[code] + 1);
    }

    size_t at = 0;
    for (size_t r = 0; r < run_count; r++) {
        write_literals(w, block + at, runs[r].at - at, literal_table);
        put_bits(w, match_bits[runs[r].length], match_count[runs[r].length]);
        at = runs[r].at + runs[r].length;
    }
    write_literals(w, block + at, n - at, literal_table);
    put_bits(w, codes[END_OF_BLOCK], lengths[END_OF_BLOCK]);
}

size_t cimageio_rle_deflate_raw(const uint8_t *in, size_t size, size_t block, uint8_t *out) {
    if (block == 0) block = 1;
    if (block > ((size_t)1 << 30)) block = (size_t)1 << 30; /* run offsets are 32-bit */
    size_t per_block = block < size ? block : size;
    run *runs = (run *)malloc((per_block / MIN_RUN + 1) * sizeof(run));
    if (runs == NULL) return 0;
    bit_writer w = {out, 0, 0};
    size_t start = 0;
    do {
        size_t end = size - start < block ? size : start + block;
        write_block(&w, in, start, end, end == size, runs);
        start = end;
    } while (start < size);
    free(runs);
    /* The last partial byte (its unused high bits are 0). */
    w.count = (w.count + 7) & ~7u;
    flush_bits(&w);
    return (size_t)(w.out - out);
}
