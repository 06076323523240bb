#!/usr/bin/env python3
"""make_corpus.py - writes the seed corpora of tests/fuzz/corpus from real files.

    tests/fuzz/make_corpus.py FFVAE [OUT]      (OUT: tests/fuzz/corpus)

FFVAE is a built ffvae program (it writes the HDF5 seeds, as a user's files are
written). The sources, all on a Debian 12 machine with the packages installed:
  idx/        slices of Debian's Fashion-MNIST (dataset-fashion-mnist): the first
              3 test images and 8 test labels, plain and gzipped, with their
              headers saying 3 and 8 items
  image/      two Fashion-MNIST test images encoded as PNG (grey, 16-bit grey,
              Adam7-interlaced, palette with transparency, RGBA non-square, every
              row filter), GIF, BMP (24-bit, 8-bit palette), TGA (plain, RLE) and
              PNM; the JPEGs and the other fixtures of tests/fixtures/images are
              replayed from there (corpus/image.list)
  fonts/      DejaVu Sans (fonts-dejavu-core, 760 kB) cut down to six glyphs
              (A, a, g, 0, O and .notdef: 2.6 kB, TrueType outlines) and
              EBGaramond-InitialsF2.otf (fonts-ebgaramond-extra, 5.6 kB, CFF
              outlines) as it is
  dataset/    datasets ffvae writes: tests/fixtures/mnist imported (5x4 grey),
              tests/fixtures/images imported at 8x8 RGB (label names), the two
              fonts above imported at 8x8 (faces)
  checkpoint/ tests/fixtures/tiny-5x4.ini trained 2 steps on that dataset, and
              the same model with a dense decoder
The model .ini files, tests/fixtures/v1/*.h5 and the fixture images are seeds
too, replayed from where they are (corpus/<harness>.list); this script only
writes what exists nowhere else. The encoders here are written out by hand (no
PIL on Debian's minimal python3) and follow the formats' specifications.
"""
import gzip
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import zlib

FMNIST = "/usr/share/datasets/fashion-mnist"
DEJAVU = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
GARAMOND = "/usr/share/fonts/opentype/ebgaramond/EBGaramond-InitialsF2.otf"
TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def write(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)


# ---- IDX -----------------------------------------------------------------
def fmnist_images(n):
    with gzip.open(os.path.join(FMNIST, "t10k-images-idx3-ubyte.gz")) as f:
        head = f.read(16)
        _, _, rows, cols = struct.unpack(">IIII", head)
        data = f.read(n * rows * cols)
    return rows, cols, data


def fmnist_labels(n):
    with gzip.open(os.path.join(FMNIST, "t10k-labels-idx1-ubyte.gz")) as f:
        f.read(8)
        return f.read(n)


def idx_seeds(out):
    rows, cols, data = fmnist_images(3)
    images = struct.pack(">BBBBIII", 0, 0, 8, 3, 3, rows, cols) + data
    labels = struct.pack(">BBBBI", 0, 0, 8, 1, 8) + fmnist_labels(8)
    write(os.path.join(out, "images-3-idx3-ubyte"), images)
    write(os.path.join(out, "images-3-idx3-ubyte.gz"), gzip.compress(images, mtime=0))
    write(os.path.join(out, "labels-8-idx1-ubyte"), labels)
    write(os.path.join(out, "labels-8-idx1-ubyte.gz"), gzip.compress(labels, mtime=0))


# ---- images --------------------------------------------------------------
def png_chunk(kind, body):
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def paeth(a, b, c):
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    return a if pa <= pb and pa <= pc else (b if pb <= pc else c)


def png_filter(rows, bpp, first_filter=0):
    """Each row with a filter byte, cycling through the five filters."""
    out, prev = bytearray(), bytes(len(rows[0]))
    for y, row in enumerate(rows):
        ft = (first_filter + y) % 5
        line = bytearray([ft])
        for i, x in enumerate(row):
            a = row[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            pred = [0, a, b, (a + b) // 2, paeth(a, b, c)][ft]
            line.append((x - pred) & 255)
        out += line
        prev = row
    return bytes(out)


def png(w, h, ctype, depth, rows, bpp, extra=b"", interlace=0):
    ihdr = struct.pack(">IIBBBBB", w, h, depth, ctype, 0, 0, interlace)
    raw = png_filter(rows, bpp) if not interlace else rows  # interlaced: pre-filtered
    return (b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr) + extra +
            png_chunk(b"IDAT", zlib.compress(raw, 9)) + png_chunk(b"IEND", b""))


def adam7(pix, w, h):
    """The seven passes of grey 8-bit pixels, each row filtered."""
    passes = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4),
              (1, 0, 2, 2), (0, 1, 1, 2)]
    out = b""
    for k, (x0, y0, dx, dy) in enumerate(passes):
        rows = [bytes(pix[y * w + x] for x in range(x0, w, dx)) for y in range(y0, h, dy)]
        if rows and rows[0]:
            out += png_filter(rows, 1, k)
    return out


def gif(w, h, pix):
    """A grey 256-colour GIF; LZW with a clear code every 250 pixels, so every
    code stays 9 bits wide (valid LZW, no dictionary needed)."""
    palette = b"".join(bytes([i, i, i]) for i in range(256))
    codes = []
    for i, p in enumerate(pix):
        if i % 250 == 0:
            codes.append(256)
        codes.append(p)
    codes.append(257)
    bits, nbits, data = 0, 0, bytearray()
    for c in codes:
        bits |= c << nbits
        nbits += 9
        while nbits >= 8:
            data.append(bits & 255)
            bits >>= 8
            nbits -= 8
    if nbits:
        data.append(bits & 255)
    blocks = b"".join(bytes([len(data[i:i + 255])]) + bytes(data[i:i + 255])
                      for i in range(0, len(data), 255))
    return (b"GIF89a" + struct.pack("<HHBBB", w, h, 0xF7, 0, 0) + palette +
            b"\x21\xf9\x04\x00\x00\x00\x00\x00" +                  # graphic control
            b"," + struct.pack("<HHHHB", 0, 0, w, h, 0) + b"\x08" + blocks + b"\x00;")


def bmp24(w, h, rgb):
    stride = (3 * w + 3) & ~3
    body = b""
    for y in range(h - 1, -1, -1):  # bottom-up
        row = b"".join(bytes([rgb[(y * w + x) * 3 + 2], rgb[(y * w + x) * 3 + 1],
                              rgb[(y * w + x) * 3]]) for x in range(w))
        body += row + bytes(stride - len(row))
    head = struct.pack("<2sIHHI", b"BM", 54 + len(body), 0, 0, 54)
    info = struct.pack("<IiiHHIIiiII", 40, w, h, 1, 24, 0, len(body), 2835, 2835, 0, 0)
    return head + info + body


def bmp8(w, h, pix):
    stride = (w + 3) & ~3
    palette = b"".join(bytes([i, i, i, 0]) for i in range(256))
    body = b"".join(bytes(pix[y * w:(y + 1) * w]) + bytes(stride - w) for y in range(h - 1, -1, -1))
    off = 54 + len(palette)
    head = struct.pack("<2sIHHI", b"BM", off + len(body), 0, 0, off)
    info = struct.pack("<IiiHHIIiiII", 40, w, h, 1, 8, 0, len(body), 2835, 2835, 256, 0)
    return head + info + palette + body


def tga(w, h, rgb, rle):
    head = struct.pack("<BBBHHBHHHHBB", 0, 0, 10 if rle else 2, 0, 0, 0, 0, 0, w, h, 24, 0x20)
    px = [bytes([rgb[i * 3 + 2], rgb[i * 3 + 1], rgb[i * 3]]) for i in range(w * h)]
    if not rle:
        return head + b"".join(px)
    body, i = b"", 0
    while i < len(px):  # runs of equal pixels, else literal packets (per row, as the spec asks)
        row_end = (i // w + 1) * w
        j = i
        while j + 1 < row_end and px[j + 1] == px[i] and j - i < 127:
            j += 1
        if j > i:
            body += bytes([0x80 | (j - i)]) + px[i]
            i = j + 1
        else:
            j = i
            while j + 1 < row_end and px[j + 1] != px[j] and j - i < 127:
                j += 1
            body += bytes([j - i]) + b"".join(px[i:j + 1])
            i = j + 1
    return head + body


def image_seeds(out):
    rows, cols, data = fmnist_images(2)
    a, b = data[:rows * cols], data[rows * cols:]
    w, h = cols, rows
    grey_rows = [a[y * w:(y + 1) * w] for y in range(h)]
    # RGB: the second image tinted, so the channels differ.
    rgb = bytes(v for p in b for v in (p, (p * 3) // 4, 255 - p))
    rgb_rows = [rgb[y * 3 * w:(y + 1) * 3 * w] for y in range(h)]
    # RGBA, 28 wide x 20 high (non-square: the crop matters).
    rgba = [bytes(v for x in range(w) for v in (rgb[(y * w + x) * 3], rgb[(y * w + x) * 3 + 1],
                                                    rgb[(y * w + x) * 3 + 2], a[y * w + x]))
            for y in range(4, 24)]
    grey16 = [bytes(v for p in r for v in (p, p ^ 0x5a)) for r in grey_rows]
    pal = [bytes(p >> 4 for p in r) for r in grey_rows]  # 16 levels, 8-bit indices
    plte = png_chunk(b"PLTE", b"".join(bytes([i * 17, i * 17, i * 17]) for i in range(16)))
    trns = png_chunk(b"tRNS", bytes([0]) + bytes([255] * 15))
    write(os.path.join(out, "grey.png"), png(w, h, 0, 8, grey_rows, 1))
    write(os.path.join(out, "grey16.png"), png(w, h, 0, 16, grey16, 2))
    write(os.path.join(out, "rgb.png"), png(w, h, 2, 8, rgb_rows, 3))
    write(os.path.join(out, "rgba-28x20.png"), png(w, 20, 6, 8, rgba, 4))
    write(os.path.join(out, "palette.png"), png(w, h, 3, 8, pal, 1, plte + trns))
    write(os.path.join(out, "interlaced.png"), png(w, h, 0, 8, adam7(a, w, h), 1, interlace=1))
    write(os.path.join(out, "grey.gif"), gif(w, h, a))
    write(os.path.join(out, "rgb.bmp"), bmp24(w, h, rgb))
    write(os.path.join(out, "grey.bmp"), bmp8(w, h, a))
    write(os.path.join(out, "rgb.tga"), tga(w, h, rgb, rle=False))
    write(os.path.join(out, "rgb-rle.tga"), tga(w, h, rgb, rle=True))
    write(os.path.join(out, "grey.pgm"), b"P5\n%d %d\n255\n" % (w, h) + a)


# ---- fonts: a TrueType subset --------------------------------------------
def tables(font):
    n = struct.unpack(">H", font[4:6])[0]
    t = {}
    for i in range(n):
        tag, _, off, length = struct.unpack(">4sIII", font[12 + 16 * i:28 + 16 * i])
        t[tag] = font[off:off + length]
    return t


def cmap_lookup(cmap, cp):
    """The glyph of cp from the (3, 1) format 4 subtable."""
    n = struct.unpack(">H", cmap[2:4])[0]
    for i in range(n):
        pid, eid, off = struct.unpack(">HHI", cmap[4 + 8 * i:12 + 8 * i])
        if (pid, eid) != (3, 1):
            continue
        sub = cmap[off:]
        segx2 = struct.unpack(">H", sub[6:8])[0]
        ends = struct.unpack(">%dH" % (segx2 // 2), sub[14:14 + segx2])
        base = 16 + segx2
        starts = struct.unpack(">%dH" % (segx2 // 2), sub[base:base + segx2])
        deltas = struct.unpack(">%dh" % (segx2 // 2), sub[base + segx2:base + 2 * segx2])
        ro_at = base + 2 * segx2
        ros = struct.unpack(">%dH" % (segx2 // 2), sub[ro_at:ro_at + segx2])
        for s in range(segx2 // 2):
            if starts[s] <= cp <= ends[s]:
                if ros[s] == 0:
                    return (cp + deltas[s]) & 0xFFFF
                at = ro_at + 2 * s + ros[s] + 2 * (cp - starts[s])
                g = struct.unpack(">H", sub[at:at + 2])[0]
                return (g + deltas[s]) & 0xFFFF if g else 0
    raise SystemExit("make_corpus: no (3, 1) cmap entry for %r" % chr(cp))


def subset_ttf(font, chars):
    t = tables(font)
    head, hhea, maxp, hmtx, loca, glyf = (t[b"head"], t[b"hhea"], t[b"maxp"], t[b"hmtx"],
                                          t[b"loca"], t[b"glyf"])
    long_loca = struct.unpack(">h", head[50:52])[0] == 1
    n_glyphs = struct.unpack(">H", maxp[4:6])[0]
    if long_loca:
        offs = struct.unpack(">%dI" % (n_glyphs + 1), loca[:4 * (n_glyphs + 1)])
    else:
        offs = [2 * o for o in struct.unpack(">%dH" % (n_glyphs + 1), loca[:2 * (n_glyphs + 1)])]
    n_hm = struct.unpack(">H", hhea[34:36])[0]

    def metrics(g):
        i = min(g, n_hm - 1)
        adv = struct.unpack(">H", hmtx[4 * i:4 * i + 2])[0]
        lsb = (struct.unpack(">h", hmtx[4 * g:4 * g + 2])[0] if g < n_hm else
               struct.unpack(">h", hmtx[4 * n_hm + 2 * (g - n_hm):4 * n_hm + 2 * (g - n_hm) + 2])[0])
        return adv, lsb

    old = [0] + [cmap_lookup(t[b"cmap"], ord(c)) for c in chars]
    new_glyf, new_offs, new_hmtx = b"", [0], b""
    for g in old:
        data = glyf[offs[g]:offs[g + 1]]
        if data and struct.unpack(">h", data[:2])[0] < 0:
            raise SystemExit("make_corpus: glyph %d is composite; pick another character" % g)
        data += bytes((-len(data)) % 4)
        new_glyf += data
        new_offs.append(len(new_glyf))
        new_hmtx += struct.pack(">Hh", *metrics(g))
    n = len(old)
    new_loca = struct.pack(">%dI" % (n + 1), *new_offs)
    new_head = head[:8] + b"\0\0\0\0" + head[12:50] + struct.pack(">h", 1) + head[52:]
    new_hhea = hhea[:34] + struct.pack(">H", n)
    new_maxp = maxp[:4] + struct.pack(">H", n) + maxp[6:]
    # cmap: one (3, 1) format 4 subtable, a segment per character, then 0xFFFF.
    segs = sorted((ord(c), i + 1) for i, c in enumerate(chars)) + [(0xFFFF, 0)]
    sc = len(segs)
    ends = struct.pack(">%dH" % sc, *[s[0] for s in segs])
    starts = struct.pack(">%dH" % sc, *[s[0] for s in segs])
    deltas = struct.pack(">%dH" % sc, *[((g - c) & 0xFFFF) if c != 0xFFFF else 1 for c, g in segs])
    sub = (struct.pack(">HHHHHHH", 4, 0, 0, 2 * sc, 0, 0, 0) + ends + b"\0\0" + starts + deltas +
           bytes(2 * sc))
    sub = sub[:2] + struct.pack(">H", len(sub)) + sub[4:]
    new_cmap = struct.pack(">HHHHI", 0, 1, 3, 1, 12) + sub
    # name: family and style (IDs 1, 2), Windows Unicode BMP English, as ffvae reads them.
    strings = [(1, "DejaVu Sans Subset".encode("utf-16-be")), (2, "Book".encode("utf-16-be"))]
    recs, pool = b"", b""
    for nid, s in strings:
        recs += struct.pack(">HHHHHH", 3, 1, 0x409, nid, len(s), len(pool))
        pool += s
    new_name = struct.pack(">HHH", 0, len(strings), 6 + len(recs)) + recs + pool
    out = {b"cmap": new_cmap, b"glyf": new_glyf, b"head": new_head, b"hhea": new_hhea,
           b"hmtx": new_hmtx, b"loca": new_loca, b"maxp": new_maxp, b"name": new_name}
    tags = sorted(out)
    offset = 12 + 16 * len(tags)
    directory, body = b"", b""
    for tag in tags:
        data = out[tag]
        padded = data + bytes((-len(data)) % 4)
        csum = sum(struct.unpack(">%dI" % (len(padded) // 4), padded)) & 0xFFFFFFFF
        directory += struct.pack(">4sIII", tag, csum, offset + len(body), len(data))
        body += padded
    es = max(k for k in range(5) if (1 << k) <= len(tags))
    return (struct.pack(">IHHHH", 0x00010000, len(tags), 16 << es, es, len(tags) * 16 - (16 << es))
            + directory + body)


def font_seeds(out):
    with open(DEJAVU, "rb") as f:
        write(os.path.join(out, "dejavu-sans-subset.ttf"), subset_ttf(f.read(), "Aag0O"))
    shutil.copyfile(GARAMOND, os.path.join(out, "ebgaramond-initials.otf"))


# ---- HDF5 files, written by ffvae ------------------------------------------
def run(*args):
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL)


def h5_seeds(ffvae, out, fonts_dir):
    ds = os.path.join(out, "dataset")
    ck = os.path.join(out, "checkpoint")
    os.makedirs(ds, exist_ok=True)
    os.makedirs(ck, exist_ok=True)
    fx = os.path.join(TOP, "tests", "fixtures")
    mnist = os.path.join(ds, "mnist-5x4.h5")
    run(ffvae, "import", "mnist", os.path.join(fx, "mnist"), "-o", mnist, "--force")
    run(ffvae, "import", "images", os.path.join(fx, "images"), "-o",
        os.path.join(ds, "images-8x8-rgb.h5"), "--size", "8", "--force")
    run(ffvae, "import", "fonts", fonts_dir, "-o", os.path.join(ds, "glyphs-8x8.h5"),
        "--size", "8", "--chars", "Aag0O", "--test-fraction", "0.5", "--force")
    ini = os.path.join(fx, "tiny-5x4.ini")
    with tempfile.TemporaryDirectory() as tmp:
        for name, extra in (("tiny-5x4", []), ("tiny-5x4-dense", ["--set", "encoding.kind=none", "--set", "decoder.kind=dense"])):
            run_dir = os.path.join(tmp, name)
            run(ffvae, "train", "-m", ini, "-d", mnist, "-o", run_dir, "--steps", "2",
                "--seed", "1", *extra)
            shutil.copyfile(os.path.join(run_dir, "checkpoint.h5"), os.path.join(ck, name + ".h5"))


def main():
    if len(sys.argv) < 2:
        raise SystemExit(__doc__)
    ffvae = os.path.abspath(sys.argv[1])
    out = sys.argv[2] if len(sys.argv) > 2 else os.path.join(TOP, "tests", "fuzz", "corpus")
    idx_seeds(os.path.join(out, "idx"))
    image_seeds(os.path.join(out, "image"))
    font_seeds(os.path.join(out, "fonts"))
    h5_seeds(ffvae, out, os.path.join(out, "fonts"))


if __name__ == "__main__":
    main()
