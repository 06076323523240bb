#!/usr/bin/env bash
# quick.sh - the README's two quick-start commands, runnable on a fresh Debian 12 machine.
#   ./quick.sh demo   import Fashion-MNIST and compare three decoders on it (~5 min)
#   ./quick.sh test   build and run the whole test suite (make check)
#   ./quick.sh glyphs install Debian's Latin fonts and import data/glyphs.h5 (64x64)
# Each installs the Debian packages it needs when they are missing (as root or
# through sudo) and builds ffvae in build/ when needed.
set -euo pipefail
cd "$(dirname "$0")"
top=$(pwd)

# Build and test dependencies, by Debian package name.
BUILD_PACKAGES="build-essential autoconf automake pkg-config libopenblas-dev libhdf5-dev
  libstb-dev zlib1g-dev libinih-dev liblapacke-dev check help2man libdnnl-dev libfftw3-dev"
DATA_PACKAGES="dataset-fashion-mnist gnuplot-nox"
# Latin font packages for the glyph dataset (data/README.md): 815 distinct faces.
FONT_PACKAGES="fonts-dejavu-core fonts-noto-core fonts-dejavu-extra fonts-liberation2 fonts-urw-base35 fonts-freefont-ttf fonts-texgyre fonts-lmodern fonts-cmu fonts-roboto-unhinted fonts-lato fonts-ebgaramond fonts-linuxlibertine fonts-sil-gentiumplus fonts-sil-charis fonts-sil-andika fonts-crosextra-carlito fonts-crosextra-caladea fonts-cantarell fonts-hack fonts-inconsolata fonts-firacode fonts-open-sans fonts-noto-mono fonts-croscore fonts-adf-accanthis fonts-junicode fonts-stix fonts-jetbrains-mono fonts-mplus fonts-comfortaa fonts-league-spartan fonts-adf-baskervald fonts-adf-berenis fonts-adf-gillius fonts-adf-ikarius fonts-adf-irianis fonts-adf-libris fonts-adf-mekanus fonts-adf-oldania fonts-adf-romande fonts-adf-solothurn fonts-adf-switzera fonts-adf-tribun fonts-adf-universalis fonts-adf-verana fonts-cabin fonts-cardo fonts-clear-sans fonts-comic-neue fonts-courier-prime fonts-dosis fonts-ebgaramond-extra fonts-fantasque-sans fonts-freefont-otf fonts-gfs-artemisia fonts-gfs-baskerville fonts-gfs-didot fonts-gfs-neohellenic fonts-go fonts-inter fonts-karla fonts-lobster fonts-lobstertwo fonts-manrope fonts-mononoki fonts-oldstandard fonts-b612 fonts-averia-gwf fonts-averia-sans-gwf fonts-averia-serif-gwf fonts-anonymous-pro fonts-dancingscript fonts-junction fonts-jura fonts-kaushanscript fonts-monoid fonts-ocr-a fonts-ocr-b fonts-opendin fonts-liberation fonts-fanwood fonts-goudybookletter fonts-lindenhill fonts-linex fonts-beteckna fonts-bebas-neue"
TEST_PACKAGES="python3 python3-h5py python3-numpy python3-scipy fonts-dejavu-core"

ensure_packages() {
    local missing=()
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    echo "quick.sh: installing ${missing[*]}" >&2
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -q
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}"
}

# Configures build/ on first use; make itself decides what to rebuild.
ensure_built() {
    [ -x configure ] || ./autogen.sh
    mkdir -p build
    if [ ! -f build/Makefile ]; then
        (cd build && ../configure ${CONFIGURE_FLAGS:-})
    fi
    make -C build -j"$(nproc)"
}

case "${1:-}" in
demo)
    # shellcheck disable=SC2086
    ensure_packages $BUILD_PACKAGES $DATA_PACKAGES
    ensure_built
    mkdir -p data
    if [ ! -f data/fashion-mnist.h5 ]; then
        build/ffvae import fashion-mnist -o data/fashion-mnist.h5
    fi
    # A short comparison of raw coordinates, Fourier features and the dense
    # decoder; a second run finds the runs finished and rewrites the report.
    build/ffvae compare models/fmnist-coords.ini models/fmnist-fourier.ini \
        models/fmnist-dense.ini -d data/fashion-mnist.h5 -o reports/quickstart \
        --steps 300 --eval-images 2000
    ;;
glyphs)
    # shellcheck disable=SC2086
    ensure_packages $BUILD_PACKAGES $FONT_PACKAGES
    ensure_built
    mkdir -p data
    build/ffvae import fonts /usr/share/fonts -o data/glyphs.h5 --force
    ;;
test)
    # shellcheck disable=SC2086
    ensure_packages $BUILD_PACKAGES $DATA_PACKAGES $TEST_PACKAGES
    ensure_built
    make -C build -j"$(nproc)" check
    ;;
*)
    echo "usage: ./quick.sh demo | ./quick.sh test | ./quick.sh glyphs" >&2
    exit 2
    ;;
esac
