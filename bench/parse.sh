#!/bin/bash
# bench/parse.sh - parser throughput per kind on the real captures in
# ../shared/fixtures (rows skipped when it is absent) and on a generated
# bench-site page (../shared/bench/gen_site.py shape): MB/s per core (thread
# CPU time, so other load on the machine matters less than wall time would)
# and records/s, from `trendguard parse --repeat N`; JSON rows show jansson's
# json_loadb alone on the same file as the peer. Every number is measured
# in this run. Knob: BENCH_PARSE_MB (work per row, default 60 MB).
set -u
cd "$(dirname "$0")/.."
TG=${TG:-$PWD/build/trendguard}
F="${SHARED:-../shared}/fixtures"
G="${SHARED:-../shared}/bench/gen_site.py"
MB=${BENCH_PARSE_MB:-60}
echo "parse bench: load before: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
d=$(mktemp -d); trap 'rm -rf "$d"' EXIT

row() { # kind file label goal [base-url] [peers]
    local kind=$1 file=$2 label=$3 goal=$4 base=${5:-https://www.ebay.com/} peers=${6:--}
    [ -f "$file" ] || { echo "| parse | $label | skipped (fixture absent) | $goal | $peers |"; return; }
    local bytes; bytes=$(stat -c %s "$file")
    local n=$(( MB * 1000000 / bytes )); [ $n -lt 3 ] && n=3
    local out; out=$("$TG" parse --repeat "$n" --base "$base" "$kind" "$file") || { echo "| parse | $label | FAILED | $goal | $peers |"; return; }
    local mbs rps recs
    mbs=$(echo "$out" | grep -o '"mb_s": [0-9.]*' | grep -o '[0-9.]*$')
    rps=$(echo "$out" | grep -o '"records_s": [0-9]*' | grep -o '[0-9]*$')
    recs=$(echo "$out" | grep -o '"records": [0-9]*' | grep -o '[0-9]*$')
    echo "| parse | $label ($((bytes / 1024)) KiB, $recs records) | $mbs MB/s per core, $rps records/s | $goal | $peers |"
}

row ebay-sold "$F/ebay/awwnchal_Web-Scraping__ebay_sold_search_amazon_gift_card_p01_raw.htm" "eBay sold HTML, s-item raw" "HTML >= 50 MB/s"
row ebay-sold "$F/ebay/Aish26_ebay-web-scraping__ebay_sold_search_amazon_gift_card_p1_bs4.html" "eBay sold HTML, s-item bs4" "HTML >= 50 MB/s"
row ebay-sold "$F/ebay/RaiAnsar_eBay-Scrapper__ebay_co_uk_search_blu_ray_2025_scard_layout.html" "eBay search HTML, s-card" "HTML >= 50 MB/s"
# jansson's own load time (json_loadb, DOM only, no adapter) on the same JSON
# file, for scale: the JSON adapters use the json_scan tokenizer instead
jansson() { # file -> "jansson json_loadb alone N MB/s" or "-"
    [ -x "$d/jl" ] && [ -f "$1" ] || { echo -; return; }
    echo "jansson json_loadb alone $("$d/jl" "$1" $(( MB * 1000000 / $(stat -c %s "$1") ))) MB/s"
}
cat > "$d/jl.c" <<'C'
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
int main(int argc, char **argv)
{
    FILE *f = fopen(argv[1], "rb");
    if (!f) return 1;
    fseek(f, 0, SEEK_END); long n = ftell(f); fseek(f, 0, SEEK_SET);
    char *b = malloc((size_t)n);
    if (!b || fread(b, 1, (size_t)n, f) != (size_t)n) return 1;
    int runs = atoi(argv[2]);
    struct timespec a, c;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &a);
    for (int i = 0; i < runs; i++) json_decref(json_loadb(b, (size_t)n, 0, NULL));
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &c);
    double s = (double)(c.tv_sec - a.tv_sec) + (double)(c.tv_nsec - a.tv_nsec) / 1e9;
    printf("%.1f\n", (double)n * runs / 1e6 / s);
    return 0;
}
C
cc -O2 -o "$d/jl" "$d/jl.c" -ljansson 2>/dev/null || true

row ebay-browse "$F/ebay/gaurav-arun_ebay-alerts__browse_item_summary_search_iphone_limit100_CONVERTED.json" "eBay Browse JSON" "JSON >= 150 MB/s" "" "$(jansson "$F/ebay/gaurav-arun_ebay-alerts__browse_item_summary_search_iphone_limit100_CONVERTED.json")"
row poshmark-search "$F/poshmark/michaelbutler_phposh__multi_item_response_1.json" "Poshmark closet JSON" "JSON >= 150 MB/s" "" "$(jansson "$F/poshmark/michaelbutler_phposh__multi_item_response_1.json")"
row tiktok-query "$F/tiktok/ericlingit_tiktok-trending__recommend_item_list_response.json" "TikTok feed JSON (itemList)" "JSON >= 150 MB/s" "" "$(jansson "$F/tiktok/ericlingit_tiktok-trending__recommend_item_list_response.json")"
row tiktok-query "$F/tiktok/Teerut26_tiktok_python__trending_itemstructs_2021.json" "TikTok item structs JSON" "JSON >= 150 MB/s" "" "$(jansson "$F/tiktok/Teerut26_tiktok_python__trending_itemstructs_2021.json")"
if [ -f "$G" ]; then
    /usr/bin/python3 "$G" "$d/site" 3 >/dev/null 2>&1  # 3 pages of 40 listings
    p=$(ls "$d"/site/p/*.html 2>/dev/null | head -1)
    if [ -n "$p" ]; then
        row ebay-listings "$p" "bench-site page (listings + links)" "HTML >= 50 MB/s" "http://127.0.0.1:8080/p/0.html"
    else
        echo "| parse | bench-site page | skipped (gen_site.py failed) | HTML >= 50 MB/s | - |"
    fi
else
    echo "| parse | bench-site page | skipped (../shared absent) | HTML >= 50 MB/s | - |"
fi
