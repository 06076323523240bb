#!/bin/sh
# make-man.sh - writes ffvae's man page from the program's own help.
#   man/make-man.sh PROGRAM OUTPUT
# Reads `PROGRAM --help` for the list of commands and `PROGRAM help CMD` for
# each one, turns them into a help2man include file (SYNOPSIS: every command's
# usage lines; COMMANDS: every command's help, verbatim) and runs help2man on
# PROGRAM with it and with man/ffvae.h2m (the sections written by hand).
# HELP2MAN names the help2man to run (default: help2man). Used by Makefile.am
# to make man/ffvae.1 and by tests/cli_install.sh to check it.
set -eu
[ $# -eq 2 ] || { echo "usage: man/make-man.sh PROGRAM OUTPUT" >&2; exit 2; }
prog=$1
out=$2
case $prog in */*) ;; *) prog=./$prog ;; esac # help2man must not search PATH
here=$(dirname "$0")
tmp=$(mktemp -d "${TMPDIR:-/tmp}/ffvae-man.XXXXXX")
trap 'rm -rf "$tmp"; rm -f "$out.tmp"' EXIT
die() { echo "make-man.sh: $*" >&2; exit 1; }

# Text as roff that prints it as it is: \ and - escaped, and \& first so that
# no line reads as a request, a help2man [section] or a /pattern/.
roff() { sed -e 's/\\/\\e/g' -e 's/-/\\-/g' -e 's/^/\\\&/'; }

# The usage lines of a help text, one synopsis a line without the leading
# "ffvae ": from the first "usage:" line to the next blank one; an indented
# line that does not start with "ffvae " continues the one before.
synopses() {
    awk '/^usage: / { on = 1; sub(/^usage: +/, "") }
         on && /^$/ { exit }
         on { sub(/^ +/, ""); if (/^ffvae /) { if (s != "") print s; s = substr($0, 7) } else s = s " " $0 }
         END { if (s != "") print s }'
}

"$prog" --help >"$tmp/overview" || die "'$prog --help' failed"
# "  NAME      summary" lines under "commands:".
awk '/^commands:$/ { on = 1; next } on && /^$/ { exit } on && /^  [a-z]/' "$tmp/overview" \
    >"$tmp/commands"
[ -s "$tmp/commands" ] || die "no commands listed by '$prog --help'"
# The NAME line: the overview's title after "ffvae VERSION - ".
name=$(sed -n '1s/^[^ ]* [^ ]* - //p' "$tmp/overview")
[ -n "$name" ] || die "no 'ffvae VERSION - what it is' first line in '$prog --help'"

{
    echo "[SYNOPSIS]"
    echo ".na" # ragged right: no stretched spaces in a wrapped synopsis
    synopses <"$tmp/overview" | while IFS= read -r s; do
        echo ".B ffvae"; printf '%s\n' "$s" | roff; echo ".br"
    done
    while read -r cmd summary; do
        "$prog" help "$cmd" >"$tmp/help-$cmd" || die "'$prog help $cmd' failed"
        grep -q '^usage: ' "$tmp/help-$cmd" || die "'$prog help $cmd' has no 'usage:' line"
        synopses <"$tmp/help-$cmd" | while IFS= read -r s; do
            echo ".B ffvae"; printf '%s\n' "$s" | roff; echo ".br"
        done
    done <"$tmp/commands"
    echo ".ad"

    echo "[COMMANDS]"
    printf '%s\n' "Each command's help, as \\fBffvae help\\fR \\fICOMMAND\\fR prints it."
    while read -r cmd summary; do
        echo ".SS \"ffvae $cmd\""
        printf '%s\n' "$summary" | roff
        echo ".PP"
        echo ".nf"
        roff <"$tmp/help-$cmd"
        echo ".fi"
    done <"$tmp/commands"
} >"$tmp/commands.h2m"

"${HELP2MAN:-help2man}" --no-info --name="$name" --include="$tmp/commands.h2m" \
    --include="$here/ffvae.h2m" --output="$out.tmp" "$prog" || die "help2man failed"
mv -f "$out.tmp" "$out"
