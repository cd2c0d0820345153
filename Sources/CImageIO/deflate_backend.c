/*
 * Which deflate implementation PNG data goes through.
 *
 * Compression at level 1, filterpipe's default, is filterpipe's own run-length coder
 * (rle_deflate.c): smaller and several times faster than the libraries' level 1 on PNG rows.
 * Everything else (levels 2-9, level 0's stored blocks, the PNG fast path's inflate, CRC-32 and
 * Adler-32) goes to a library: libdeflate when its shared library can be loaded at run time, zlib
 * otherwise. libdeflate is 1.1-2x faster than zlib at deflate level 1 and about 2x at inflate
 * (measured in BENCHMARKS.md), but it is not on every machine, and SwiftPM cannot link a library
 * only where its header happens to be installed. So nothing links it: the first use dlopens
 * "libdeflate.so.0" (macOS: libdeflate.0.dylib, also under /opt/homebrew/lib and /usr/local/lib),
 * the one runtime package libdeflate0, and looks up the nine functions used, declared below from
 * libdeflate's stable ABI (soname 0 since 1.0). If the library or any function is missing, zlib
 * (always present beside libpng) does that work. FILTERPIPE_DEFLATE=zlib or =libdeflate makes
 * that library do all of it, level 1 included. All write valid zlib streams; the compressed bytes
 * differ, the decoded pixels never do (tests check each).
 */
#define _GNU_SOURCE /* dladdr */
#include <dlfcn.h>
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <zlib.h>
#include "common.h"
#include "deflate_backend.h"
#include "rle_deflate.h"

/* The parts of libdeflate.h used here (libdeflate 1.x; the library is never included). */
struct libdeflate_compressor;
struct libdeflate_decompressor;
enum { LIBDEFLATE_SUCCESS = 0 };

typedef struct {
    struct libdeflate_compressor *(*alloc_compressor)(int level);
    size_t (*zlib_compress)(struct libdeflate_compressor *, const void *in, size_t in_size, void *out, size_t out_size);
    size_t (*zlib_compress_bound)(struct libdeflate_compressor *, size_t in_size);
    void (*free_compressor)(struct libdeflate_compressor *);
    struct libdeflate_decompressor *(*alloc_decompressor)(void);
    int (*zlib_decompress)(struct libdeflate_decompressor *, const void *in, size_t in_size, void *out,
                           size_t out_size, size_t *actual_out_size);
    void (*free_decompressor)(struct libdeflate_decompressor *);
    uint32_t (*crc32)(uint32_t crc, const void *data, size_t size);
    uint32_t (*adler32)(uint32_t adler, const void *data, size_t size);
} libdeflate_api;

enum { KIND_ZLIB = 1, KIND_LIBDEFLATE = 2, KIND_RLE = 3 };

struct cimageio_deflate {
    int kind;
    char name[CIMAGEIO_MESSAGE_SIZE];
    const cimageio_deflate *library; /* KIND_RLE: what does all but level-1 compression */
};

static libdeflate_api libdeflate;
static cimageio_deflate zlib_backend = {KIND_ZLIB, "", NULL}, libdeflate_backend = {KIND_LIBDEFLATE, "", NULL};
static cimageio_deflate rle_backend = {KIND_RLE, "", NULL};
static const cimageio_deflate *libdeflate_loaded; /* NULL: not loadable */
static cimageio_deflate active_backend;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static int load_libdeflate(const char **tried) {
#if defined(__APPLE__)
    static const char *const names[] = {"libdeflate.0.dylib", "/opt/homebrew/lib/libdeflate.0.dylib",
                                        "/usr/local/lib/libdeflate.0.dylib"};
#else
    static const char *const names[] = {"libdeflate.so.0"};
#endif
    *tried = names[0];
    void *library = NULL;
    for (size_t i = 0; library == NULL && i < sizeof names / sizeof names[0]; i++)
        library = dlopen(names[i], RTLD_NOW | RTLD_LOCAL);
    if (library == NULL) return 0;
    /* POSIX: a function pointer converts from dlsym's void * (memcpy keeps -Wpedantic quiet). */
#define LOOKUP(field, symbol)                                     \
    do {                                                          \
        void *address = dlsym(library, symbol);                   \
        if (address == NULL) goto missing;                        \
        memcpy(&libdeflate.field, &address, sizeof address);      \
    } while (0)
    LOOKUP(alloc_compressor, "libdeflate_alloc_compressor");
    LOOKUP(zlib_compress, "libdeflate_zlib_compress");
    LOOKUP(zlib_compress_bound, "libdeflate_zlib_compress_bound");
    LOOKUP(free_compressor, "libdeflate_free_compressor");
    LOOKUP(alloc_decompressor, "libdeflate_alloc_decompressor");
    LOOKUP(zlib_decompress, "libdeflate_zlib_decompress");
    LOOKUP(free_decompressor, "libdeflate_free_decompressor");
    LOOKUP(crc32, "libdeflate_crc32");
    LOOKUP(adler32, "libdeflate_adler32");
#undef LOOKUP
    /* The check value of CRC-32 (ISO-HDLC): a library with another ABI would not give it. */
    if (libdeflate.crc32(0, "123456789", 9) != 0xCBF43926u || libdeflate.adler32(1, "123456789", 9) != 0x091E01DEu)
        goto missing;
    Dl_info info;
    void *symbol = NULL;
    memcpy(&symbol, &libdeflate.crc32, sizeof symbol);
    const char *path = dladdr(symbol, &info) && info.dli_fname ? info.dli_fname : *tried;
    cimageio_set_message(libdeflate_backend.name, "libdeflate (%s)", path);
    return 1;
missing:
    dlclose(library);
    memset(&libdeflate, 0, sizeof libdeflate);
    return 0;
}

static void choose(void) {
    cimageio_set_message(zlib_backend.name, "zlib %s", zlibVersion());
    const char *tried = "";
    const char *forced = getenv("FILTERPIPE_DEFLATE");
    int want_zlib = forced != NULL && strcmp(forced, "zlib") == 0;
    int want_libdeflate = forced != NULL && strcmp(forced, "libdeflate") == 0;
    int understood = forced == NULL || forced[0] == 0 || want_zlib || want_libdeflate;
    libdeflate_loaded = load_libdeflate(&tried) ? &libdeflate_backend : NULL;
    cimageio_deflate library;
    if (libdeflate_loaded) {
        library = libdeflate_backend;
    } else {
        library = zlib_backend;
        cimageio_set_message(library.name, "%s (no usable %s)", zlib_backend.name, tried);
    }
    rle_backend.library = libdeflate_loaded ? libdeflate_loaded : &zlib_backend;
    cimageio_set_message(rle_backend.name, "filterpipe run-length coder at level 1, else %.180s", library.name);
    if (want_zlib) {
        active_backend = zlib_backend;
        cimageio_set_message(active_backend.name, "%s (FILTERPIPE_DEFLATE=zlib)", zlib_backend.name);
    } else if (want_libdeflate) {
        active_backend = library;
        cimageio_set_message(active_backend.name, "%.200s (FILTERPIPE_DEFLATE=libdeflate)", library.name);
    } else {
        active_backend = rle_backend;
    }
    if (!understood) {
        char name[CIMAGEIO_MESSAGE_SIZE];
        memcpy(name, active_backend.name, sizeof name);
        cimageio_set_message(active_backend.name,
                             "%.100s (FILTERPIPE_DEFLATE=%.40s not understood: zlib or libdeflate)", name, forced);
    }
}

const cimageio_deflate *cimageio_deflate_get(int backend) {
    pthread_once(&once, choose);
    switch (backend) {
    case CIMAGEIO_DEFLATE_ACTIVE: return &active_backend;
    case CIMAGEIO_DEFLATE_ZLIB: return &zlib_backend;
    case CIMAGEIO_DEFLATE_LIBDEFLATE: return libdeflate_loaded;
    case CIMAGEIO_DEFLATE_RLE: return &rle_backend;
    default: return NULL;
    }
}

const char *cimageio_deflate_backend_name(int backend) {
    const cimageio_deflate *chosen = cimageio_deflate_get(backend);
    return chosen ? chosen->name : NULL;
}

/* zlib's lengths are unsigned int: big buffers go through in pieces of at most this. */
static const size_t zlib_piece = (size_t)1 << 30;

/* zlib's crc32 or adler32 over data[0..size), continuing from `value`, in pieces zlib can take. */
static uint32_t zlib_checksum(uLong (*checksum)(uLong, const Bytef *, uInt), uLong value, const void *data,
                              size_t size) {
    const Bytef *bytes = (const Bytef *)data;
    do {
        size_t piece = size < zlib_piece ? size : zlib_piece;
        value = checksum(value, bytes, (uInt)piece);
        bytes += piece;
        size -= piece;
    } while (size > 0);
    return (uint32_t)value;
}

uint32_t cimageio_deflate_crc32(const cimageio_deflate *backend, uint32_t crc, const void *data, size_t size) {
    if (backend->kind == KIND_RLE) backend = backend->library;
    if (backend->kind == KIND_LIBDEFLATE) return libdeflate.crc32(crc, data, size);
    return zlib_checksum(crc32, crc, data, size);
}

/* At level 1, filterpipe's default, Z_RLE: on the benchmark corpus (Up-filtered rows) it took 17%
 * less CPU than zlib's default strategy on W0 (the photos written back; same size) and 13% less on
 * W1 (feature maps; 13% smaller). Other levels keep the default strategy, so --png-level 9 still
 * means smaller files. Level 0 stores, whatever the strategy. */
static const char *zlib_compress(const uint8_t *in, size_t size, int level, int advise_huge, uint8_t **out,
                                 size_t *out_size) {
    z_stream stream;
    memset(&stream, 0, sizeof stream);
    int strategy = level == 1 ? Z_RLE : Z_DEFAULT_STRATEGY;
    if (size > (uLong)-1 || deflateInit2(&stream, level, Z_DEFLATED, 15, 8, strategy) != Z_OK)
        return "cannot start zlib deflate";
    size_t bound = deflateBound(&stream, (uLong)size);
    uint8_t *buffer = (uint8_t *)malloc(bound);
    if (buffer == NULL) {
        deflateEnd(&stream);
        return "out of memory";
    }
    if (advise_huge) cimageio_advise_huge(buffer, bound);
    size_t in_left = size, out_left = bound;
    stream.next_in = (Bytef *)(uintptr_t)in;
    stream.next_out = buffer;
    int result;
    for (;;) {
        if (stream.avail_in == 0 && in_left > 0) {
            stream.avail_in = (uInt)(in_left < zlib_piece ? in_left : zlib_piece);
            in_left -= stream.avail_in;
        }
        if (stream.avail_out == 0) {
            if (out_left == 0) { result = Z_BUF_ERROR; break; } /* beyond deflateBound: never expected */
            stream.avail_out = (uInt)(out_left < zlib_piece ? out_left : zlib_piece);
            out_left -= stream.avail_out;
        }
        result = deflate(&stream, in_left == 0 ? Z_FINISH : Z_NO_FLUSH);
        if (result != Z_OK) break;
    }
    size_t written = bound - out_left - stream.avail_out;
    deflateEnd(&stream);
    if (result != Z_STREAM_END) {
        free(buffer);
        return "zlib deflate failed";
    }
    *out = buffer;
    *out_size = written;
    return NULL;
}

static const char *libdeflate_compress(const uint8_t *in, size_t size, int level, int advise_huge, uint8_t **out,
                                       size_t *out_size) {
    struct libdeflate_compressor *compressor = libdeflate.alloc_compressor(level);
    if (compressor == NULL) return "cannot create libdeflate compressor";
    size_t bound = libdeflate.zlib_compress_bound(compressor, size);
    uint8_t *buffer = (uint8_t *)malloc(bound);
    if (buffer == NULL) {
        libdeflate.free_compressor(compressor);
        return "out of memory";
    }
    if (advise_huge) cimageio_advise_huge(buffer, bound);
    size_t written = libdeflate.zlib_compress(compressor, in, size, buffer, bound);
    libdeflate.free_compressor(compressor);
    if (written == 0) {
        free(buffer);
        return "libdeflate failed";
    }
    *out = buffer;
    *out_size = written;
    return NULL;
}

static uint32_t adler32_of(const cimageio_deflate *backend, const uint8_t *data, size_t size) {
    if (backend->kind == KIND_LIBDEFLATE) return libdeflate.adler32(1, data, size);
    return zlib_checksum(adler32, 1, data, size);
}

/* A zlib stream (RFC 1950) around rle_deflate.c's raw deflate: header 78 01 (32 KiB window,
 * fastest), the blocks, the Adler-32 of the input. */
static const char *rle_compress(const cimageio_deflate *library, const uint8_t *in, size_t size, int advise_huge,
                                uint8_t **out, size_t *out_size) {
    size_t bound = cimageio_rle_deflate_bound(size, CIMAGEIO_RLE_BLOCK);
    if (bound > SIZE_MAX - 6) return "out of memory";
    uint8_t *buffer = (uint8_t *)malloc(bound + 6);
    if (buffer == NULL) return "out of memory";
    if (advise_huge) cimageio_advise_huge(buffer, bound + 6);
    buffer[0] = 0x78;
    buffer[1] = 0x01;
    size_t written = cimageio_rle_deflate_raw(in, size, CIMAGEIO_RLE_BLOCK, buffer + 2);
    if (written == 0) {
        free(buffer);
        return "out of memory";
    }
    uint32_t adler = adler32_of(library, in, size);
    uint8_t *tail = buffer + 2 + written;
    tail[0] = (uint8_t)(adler >> 24); tail[1] = (uint8_t)(adler >> 16); tail[2] = (uint8_t)(adler >> 8); tail[3] = (uint8_t)adler;
    *out = buffer;
    *out_size = written + 6;
    return NULL;
}

const char *cimageio_deflate_compress(const cimageio_deflate *backend, const uint8_t *in, size_t size, int level,
                                      int advise_huge, uint8_t **out, size_t *out_size) {
    *out = NULL;
    *out_size = 0;
    if (level < 0) level = 0;
    if (level > 9) level = 9;
    if (backend->kind == KIND_RLE) {
        if (level == 1) return rle_compress(backend->library, in, size, advise_huge, out, out_size);
        backend = backend->library;
    }
    return backend->kind == KIND_LIBDEFLATE ? libdeflate_compress(in, size, level, advise_huge, out, out_size)
                                            : zlib_compress(in, size, level, advise_huge, out, out_size);
}

/* As libdeflate_zlib_decompress with no actual-size pointer: the stream must end after exactly
 * out_size bytes (one spare byte catches a longer one); input after its end is not looked at. */
static int zlib_inflate_exact(const uint8_t *in, size_t in_size, uint8_t *out, size_t out_size) {
    z_stream stream;
    memset(&stream, 0, sizeof stream);
    if (inflateInit(&stream) != Z_OK) return 0;
    size_t in_left = in_size, out_left = out_size;
    uint8_t spare;
    int on_spare = 0, ok = 0;
    stream.next_in = (Bytef *)(uintptr_t)in;
    stream.next_out = out;
    for (;;) {
        if (stream.avail_in == 0 && in_left > 0) {
            stream.avail_in = (uInt)(in_left < zlib_piece ? in_left : zlib_piece);
            in_left -= stream.avail_in;
        }
        if (stream.avail_out == 0) {
            if (on_spare) break; /* more bytes than the image holds */
            if (out_left > 0) {
                stream.avail_out = (uInt)(out_left < zlib_piece ? out_left : zlib_piece);
                out_left -= stream.avail_out;
            } else {
                stream.next_out = &spare;
                stream.avail_out = 1;
                on_spare = 1;
            }
        }
        int result = inflate(&stream, Z_NO_FLUSH);
        if (result == Z_STREAM_END) {
            ok = on_spare ? stream.avail_out == 1 : (out_left == 0 && stream.avail_out == 0);
            break;
        }
        /* Z_BUF_ERROR with input left to give is only a refill; otherwise the stream is cut short. */
        if (result == Z_BUF_ERROR && (in_left > 0 || stream.avail_out == 0)) continue;
        if (result != Z_OK) break;
    }
    inflateEnd(&stream);
    return ok;
}

int cimageio_deflate_inflate_exact(const cimageio_deflate *backend, const uint8_t *in, size_t in_size, uint8_t *out,
                                   size_t out_size) {
    if (backend->kind == KIND_RLE) backend = backend->library;
    if (backend->kind == KIND_ZLIB) return zlib_inflate_exact(in, in_size, out, out_size);
    struct libdeflate_decompressor *inflater = libdeflate.alloc_decompressor();
    if (inflater == NULL) return 0;
    int ok = libdeflate.zlib_decompress(inflater, in, in_size, out, out_size, NULL) == LIBDEFLATE_SUCCESS;
    libdeflate.free_decompressor(inflater);
    return ok;
}

size_t cimageio_rle_deflate_check(const uint8_t *in, size_t size, size_t block) {
    uint8_t *compressed = (uint8_t *)malloc(cimageio_rle_deflate_bound(size, block));
    uint8_t *back = (uint8_t *)malloc(size + 1);
    size_t written = compressed && back ? cimageio_rle_deflate_raw(in, size, block, compressed) : 0;
    int same = 0;
    z_stream stream;
    memset(&stream, 0, sizeof stream);
    if (written > 0 && written <= UINT_MAX && size < UINT_MAX && inflateInit2(&stream, -15) == Z_OK) {
        stream.next_in = compressed;
        stream.avail_in = (uInt)written;
        stream.next_out = back;
        stream.avail_out = (uInt)size + 1; /* one spare byte: a longer stream shows */
        int result = inflate(&stream, Z_FINISH);
        same = result == Z_STREAM_END && stream.avail_in == 0 && stream.total_out == size &&
               memcmp(back, in, size) == 0;
        inflateEnd(&stream);
    }
    free(compressed);
    free(back);
    return same ? written : 0;
}

