#!/usr/bin/env bash
# Scans every QR code SVG in a directory the way a phone would see a picture of
# it, and checks it reads back as its payload:
#
#     scripts/qr/check_decodes.sh DIRECTORY
#
# For each NAME.svg there must be a NAME.txt holding the exact payload. Each SVG
# is rendered to PNG (rsvg-convert) and decoded (zbarimg); the decoded bytes must
# equal the .txt's. Prints one line per symbol and exits non-zero on any
# mismatch, unreadable symbol, missing .txt, or an empty directory.
#
# `swift run -c release BasedQRBench svgs DIRECTORY [low|medium|quartile|high]`
# writes an SVG beside every .txt in DIRECTORY.
set -euo pipefail

directory=${1:?usage: check_decodes.sh DIRECTORY (of NAME.svg and NAME.txt)}

need=()
command -v rsvg-convert >/dev/null 2>&1 || need+=(librsvg2-bin)
command -v zbarimg >/dev/null 2>&1 || need+=(zbar-tools)
if [ ${#need[@]} -gt 0 ]; then
    SUDO=
    [ "$(id -u)" -ne 0 ] && SUDO=sudo
    echo "check_decodes: installing ${need[*]}"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

checked=0
failed=0
shopt -s nullglob
for svg in "$directory"/*.svg; do
    name=$(basename "$svg" .svg)
    expected="$directory/$name.txt"
    checked=$((checked + 1))
    if [ ! -f "$expected" ]; then
        echo "FAIL $name: no $name.txt beside it"
        failed=$((failed + 1))
        continue
    fi
    rsvg-convert --format png --output "$work/$name.png" "$svg"
    # zbarimg ends each symbol's text with a newline; its stderr only chats about D-Bus.
    if ! zbarimg --raw -q "$work/$name.png" > "$work/$name.decoded" 2>/dev/null; then
        echo "FAIL $name: no QR code found"
        failed=$((failed + 1))
        continue
    fi
    if { cat "$expected"; echo; } | cmp -s - "$work/$name.decoded"; then
        echo "ok   $name ($(wc -c < "$expected" | tr -d ' ') bytes)"
    else
        echo "FAIL $name: decoded $(head -c 80 "$work/$name.decoded" | tr '\n' ' ')"
        failed=$((failed + 1))
    fi
done

if [ "$checked" -eq 0 ]; then
    echo "check_decodes: no .svg files in $directory"
    exit 1
fi
echo "$((checked - failed)) passed, $failed failed"
[ "$failed" -eq 0 ]
