#!/bin/bash
# docs/CONFIG.md documents every key `trendguard config keys` knows, with its default.
set -u
missing=0
while IFS=, read -r section key type def; do
    [ "$section" = section ] && continue
    hdr="## [$section]"
    grep -qF "$hdr" "$TG_ROOT/docs/CONFIG.md" || { echo "missing section $hdr"; missing=1; continue; }
    row=$(awk -v h="$hdr" '$0==h{f=1;next} /^## /{f=0} f' "$TG_ROOT/docs/CONFIG.md" | grep -F "| \`$key\` |")
    [ -n "$row" ] || { echo "missing key [$section] $key"; missing=1; continue; }
    if [ -n "$def" ] && [[ "$row" != *"\`$def\`"* ]]; then echo "wrong default for [$section] $key (want $def)"; missing=1; fi
done < <("$TG" config keys)
exit $missing
