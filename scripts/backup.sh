#!/usr/bin/env bash
# Back up a ledger store: a consistent copy while `ledger serve` and imports keep running.
#
#   scripts/backup.sh STORE-URL BACKUP-FILE
#
#   sqlite:///path/ledger.db           → sqlite3's online .backup (a copy of one committed state;
#                                        never `cp` a live database: its -wal file holds recent writes)
#   postgresql://user@host:port/db     → pg_dump --format=custom (one snapshot; with ?schema=NAME
#                                        only that schema)
#
# The backup file must not exist yet. Restore with scripts/restore.sh (docs/deployment.md).
set -euo pipefail

if [ $# -ne 2 ]; then
    echo "usage: $0 STORE-URL BACKUP-FILE" >&2
    exit 2
fi
url=$1
out=$2
if [ -e "$out" ]; then
    echo "backup: $out exists already: give a new file name (backups are never overwritten)" >&2
    exit 2
fi

case "$url" in
    sqlite:///*)
        db=${url#sqlite:///}
        if [ ! -f "$db" ]; then
            echo "backup: no SQLite store at $db" >&2
            exit 2
        fi
        case "$out" in *\'*) echo "backup: a file name without ' please" >&2; exit 2 ;; esac
        sqlite3 "$db" ".backup '$out'"
        ;;
    postgresql://* | postgres://* | postgresql+*://*)
        conninfo=$(printf '%s' "${url%%\?*}" | sed -E 's#^postgresql\+[a-z0-9]+://#postgresql://#')
        schema=$(printf '%s' "$url" | sed -nE 's#.*[?&]schema=([a-z_][a-z0-9_]*).*#\1#p')
        pg_dump --format=custom --no-owner --no-privileges ${schema:+--schema="$schema"} --file="$out" "$conninfo"
        ;;
    *)
        echo "backup: expected sqlite:///path or postgresql://user@host:port/dbname, got $url" >&2
        exit 2
        ;;
esac
echo "backup: $url → $out ($(wc -c < "$out") bytes)"
