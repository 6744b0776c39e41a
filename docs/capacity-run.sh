#!/bin/sh
# Runs the send pipeline with N gateway processes on one database and one
# NATS server (built from the linked nats-server module), and prints the
# load generator's figures with per-message costs (docs/capacity.md).
#
#   docs/capacity-run.sh N [loadgen flags…]     e.g. docs/capacity-run.sh 2 -rate 400 -duration 30s
#
# Needs PostgreSQL at 127.0.0.1:5432 (trust auth). Uses /tmp/capacity and
# the database sc_capacity, both recreated on every run; ports 18080+,
# 19464+, 14222 and 18099. Run it under `flock /work/wt/cpu.lock`.
set -eu
n=$1; shift
root=$(cd "$(dirname "$0")/.." && pwd)
bin=/tmp/capacity/bin; work=/tmp/capacity/run
mkdir -p $bin
(cd "$root" && go build -o $bin/scgw ./cmd/gateway && go build -o $bin/loadgen ./cmd/loadgen \
  && go build -o $bin/nats-server github.com/nats-io/nats-server/v2)
rm -rf $work; mkdir -p $work
export PGHOST=127.0.0.1 PGUSER=postgres
dropdb --if-exists sc_capacity; createdb sc_capacity
export DATABASE_URL="postgres://postgres@127.0.0.1:5432/sc_capacity?sslmode=disable"
$bin/scgw migrate up >/dev/null
TOKEN=$($bin/scgw users add --name load --role admin | grep -o 'sc_[A-Za-z0-9_]*')
$bin/scgw keys init --key-file $work/keys.json >/dev/null
$bin/scgw keys audit-keypair --out $work/audit >/dev/null
$bin/nats-server -js -sd $work/nats -a 127.0.0.1 -p 14222 >$work/nats.log 2>&1 &
pids=$!
trap 'kill $pids 2>/dev/null' EXIT
sleep 1
gws=""
i=0
while [ $i -lt "$n" ]; do
  port=$((18080 + i))
  TWILIO_ACCOUNT_SID=AC00000000000000000000000000000001 TWILIO_AUTH_TOKEN=loadtest0123456789 \
  TWILIO_API_URL=http://127.0.0.1:18099 TWILIO_FROM=+15005550006 GATEWAY_SMS_RATE=0 \
  GATEWAY_PUBLIC_URL=http://127.0.0.1:$port GATEWAY_LOG_LEVEL=warn \
  GATEWAY_AUDIT_PUBLIC_KEY_FILE=$work/audit/audit-public.key NATS_URL=nats://127.0.0.1:14222 \
    $bin/scgw serve --addr 127.0.0.1:$port --metrics-addr 127.0.0.1:$((19464 + i)) \
      --data-dir $work/data$i --key-file $work/keys.json >$work/gw$i.log 2>&1 &
  pids="$pids $!"
  gws="$gws${gws:+,}http://127.0.0.1:$port"
  i=$((i + 1))
done
for g in $(echo $gws | tr , ' '); do
  until curl -sf $g/readyz >/dev/null; do sleep 0.2; done
done
# PostgreSQL recycles WAL segments at checkpoints and this server has no
# replication access: keep copies of the segments as they fill.
pgwal=/var/lib/postgresql/15/main/pg_wal
mkdir -p $work/wal
(while :; do cp -u $pgwal/0000000* $work/wal/ 2>/dev/null; sleep 0.3; done) &
pids="$pids $!"
echo "# $(date -u +%FT%TZ) $(uptime) | $n gateway(s), code $(cd "$root" && git rev-parse --short HEAD)"
$bin/loadgen -gateway $gws -token $TOKEN -database-url "$DATABASE_URL" \
  -cpu-procs scgw,nats-server:$work/nats,postgres,postgres:sc_capacity "$@" | tee $work/loadgen.out
# This database's share of the WAL: records on its relations, and the
# commit records of the transactions that wrote them.
cp -u $pgwal/0000000* $work/wal/ 2>/dev/null
range=$(grep -o 'LSN [0-9A-F/]* to [0-9A-F/]*' $work/loadgen.out | awk '{print $2, $4}')
oid=$(psql -Atc "SELECT oid FROM pg_database WHERE datname = 'sc_capacity'" postgres)
accepted=$(awk '/^accepted:/ {print $2}' $work/loadgen.out)
set -- $range
/usr/lib/postgresql/15/bin/pg_waldump -p $work/wal -s $1 -e $2 2>/dev/null |
  awk -v db="/$oid/" -v n="$accepted" '
    { split($0, a, "tx:"); split(a[2], b, ","); tx = b[1] + 0
      split($0, c, "len [(]rec/tot[)]:"); split(c[2], d, "/"); split(d[2], e, ","); tot = e[1] + 0; all += tot }
    index($0, db) { mine += tot; if (tx) seen[tx] = 1; if (index($0, "FPI") || index($0, "FPW")) fpi += tot; next }
    /rmgr: Transaction/ && (tx in seen) { mine += tot }
    END { if (all == 0) { print "pg_waldump: no records in the range"; exit }
      printf "WAL of this database per message (pg_waldump): %.0f bytes (%.0f%% of the range; full-page images %.0f bytes/message)\n", mine / n, 100 * mine / all, fpi / n }'
# Commits per message by pipeline stage, told apart by the tables a
# transaction wrote (indexes counted as their table, sequences ignored):
# accept writes messages and outbox; the relay deletes from outbox alone;
# worker claims and records and provider callbacks write messages without
# outbox; the audit sequencer writes audit tables alone. Read-only
# transactions write no WAL and are not here (they are in xact_commit).
psql -AtF' ' -c "SELECT c.relfilenode, coalesce(t.relname, c.relname) FROM pg_class c
  LEFT JOIN pg_index i ON i.indexrelid = c.oid LEFT JOIN pg_class t ON t.oid = i.indrelid
  WHERE c.relfilenode <> 0" sc_capacity > $work/relmap
/usr/lib/postgresql/15/bin/pg_waldump -p $work/wal -s $1 -e $2 2>/dev/null |
  awk -v db="1663/$oid/" -v n="$accepted" -v relmap=$work/relmap '
    BEGIN { while ((getline line < relmap) > 0) { split(line, f, " "); name[f[1]] = f[2] } }
    { split($0, a, "tx:"); split(a[2], b, ","); tx = b[1] + 0 }
    /rmgr: Transaction/ && / COMMIT/ { if (tx in w) { x = w[tx]
        st = index(x, " outbox ") ? (index(x, " messages ") ? "accept" : "relay") : \
             index(x, " messages ") ? "worker and callbacks" : \
             (x ~ /^( audit_[a-z]+ )+$/) ? "audit sequencer" : "other"
        stage[st]++; total++; delete w[tx] } next }
    tx && index($0, db) { s = $0; while ((p = index(s, db)) > 0) { s = substr(s, p + length(db)); split(s, r, /[^0-9]/)
        t = (r[1] in name) ? name[r[1]] : "rel" r[1]
        if (t !~ /_seq$/ && index(w[tx], " " t " ") == 0) w[tx] = w[tx] " " t " " } }
    END { printf "commits per message by stage (pg_waldump; %.2f in all):", total / n
      for (k in stage) printf " %s %.3f;", k, stage[k] / n; print "" }'
