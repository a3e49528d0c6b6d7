#!/bin/bash
# Disk full: the store lives on a small tmpfs that fills up during a crawl of
# the simulated world (frozen virtual clock). The crawler must stop with a
# clear error and exit 74, the store must stay consistent (store stats,
# python3-lmdb reads every database), and once the tmpfs is grown
# (remount size=) the crawl resumes and finishes with the same records and
# frontier as one uninterrupted crawl on a normal disk (as crawl_kill.sh).
#
# The tmpfs is mounted in a private mount namespace: `unshare -m` as root,
# `unshare -rm` (user namespace) otherwise; without either the test skips.
set -u
TG=${TG:-build/trendguard}
if [ -z "${TG_DISKFULL_NS:-}" ]; then
    if [ "$(id -u)" = 0 ] && unshare -m true 2>/dev/null; then
        exec env TG_DISKFULL_NS=1 unshare -m --propagation private bash "$0" "$@"
    elif unshare -rm true 2>/dev/null; then
        exec env TG_DISKFULL_NS=1 unshare -rm --propagation private bash "$0" "$@"
    fi
    echo "skip: cannot mount a tmpfs (not root and no user namespaces)"
    exit 77
fi
work=$(mktemp -d)
simpid= crawlpid=
cleanup() {
    [ -n "$crawlpid" ] && kill -9 "$crawlpid" 2>/dev/null
    [ -n "$simpid" ] && kill "$simpid" 2>/dev/null
    wait 2>/dev/null
    umount "$work/small" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; exit 1; }
cp "$TG" "$work/tg" 2>/dev/null || { sleep 2; cp "$TG" "$work/tg"; } || fail "cannot copy $TG"
TG=$work/tg
root=${TG_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
cd "$work"
. "$root/tests/fixtures/crawl/frozen_sim.sh"
frozen_sim_start "$work"
frozen_sim_conf "$work/ref" 300 >ref.ini
frozen_sim_conf "$work/small/store" 300 >small.ini
timeout 120 "$TG" crawl -c ref.ini --once --no-progress 2>ref.log || { tail ref.log; fail "reference crawl"; }
ref_kb=$(du -sk ref | cut -f1)
echo "reference crawl: store ${ref_kb} KiB"
[ "$ref_kb" -ge 256 ] || fail "reference store too small (${ref_kb} KiB) to fill a tmpfs with"

# a tmpfs of about a third of what the crawl needs
mkdir small
size_kb=$((ref_kb / 3))
mount -t tmpfs -o size=${size_kb}k tmpfs small || { echo "skip: mount tmpfs failed"; exit 77; }
timeout 120 "$TG" crawl -c small.ini --once --no-progress 2>full.log
rc=$?
df -k small | tail -1
[ $rc -eq 74 ] || { tail -5 full.log; fail "crawl on a full disk exited $rc, want 74"; }
grep -qi "no space left on device" full.log || { tail -5 full.log; fail "no clear error in the log"; }
grep -i "no space" full.log | head -2
[ "$(du -sk small | cut -f1)" -ge $((size_kb * 3 / 4)) ] || fail "the tmpfs did not fill up"

# consistent: our reader and LMDB's Python binding read everything
"$TG" store stats -c small.ini --format json >stats.json || fail "store stats after ENOSPC"
/usr/bin/python3 - small/store <<'PY' || fail "python3-lmdb cannot read the store"
import lmdb, sys
env = lmdb.open(sys.argv[1], readonly=True, lock=False, max_dbs=64, subdir=True)
n = 0
with env.begin() as txn:
    names = [k for k, _ in txn.cursor()]
    for name in names:
        db = env.open_db(name, txn=txn, create=False)
        for _k, _v in txn.cursor(db=db):
            n += 1
print("python3-lmdb read", len(names), "databases,", n, "entries")
PY

# grow the tmpfs and resume
mount -o remount,size=$((ref_kb * 4))k small || fail "remount bigger"
for i in 1 2 3; do
    timeout 120 "$TG" crawl -c small.ini --once --no-progress 2>>resume.log && break
    [ $i -lt 3 ] || { tail -5 resume.log; fail "resume after freeing space"; }
done

for db in videos video_tags snapshots hashtag_days listings prices frontier_idx seen; do
    "$TG" store scan -c ref.ini --db $db >$db.ref.jsonl || fail "scan $db (ref)"
    "$TG" store scan -c small.ini --db $db >$db.small.jsonl || fail "scan $db (resumed)"
    if [ $db = frontier_idx ]; then # due times differ between runs; the set of items must not
        sed -i 's/"value_hex": *"[0-9a-f]*"//' $db.ref.jsonl $db.small.jsonl
    fi
    if ! cmp -s $db.ref.jsonl $db.small.jsonl; then
        diff $db.ref.jsonl $db.small.jsonl | head -5
        fail "$db differs after the disk-full stop and resume"
    fi
    echo "$db: $(wc -l <$db.ref.jsonl) entries, identical"
done
[ "$(wc -l <videos.ref.jsonl)" -gt 100 ] || fail "reference crawl too small"
echo ok
