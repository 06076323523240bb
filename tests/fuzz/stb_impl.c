/* stb_impl.c - stb's decoders compiled into the harnesses, from Debian's own
 * headers (libstb-dev), so that they are instrumented like the library: the
 * program links Debian's shared libstb, which libFuzzer cannot see into
 * (no coverage to guide it) and ASan cannot check (only a read that faults
 * is seen). These definitions take the place of libstb's in the harnesses. */
#define STB_IMAGE_IMPLEMENTATION
#include <stb_image.h>
#define STB_IMAGE_RESIZE_IMPLEMENTATION
#include <stb_image_resize.h>
#define STB_TRUETYPE_IMPLEMENTATION
#include <stb_truetype.h>
