#!/usr/bin/env bash
# Restore a ledger store from a backup made by scripts/backup.sh, then check it with
# `ledger verify` (the hash chain, every index and the Merkle tree; with --expect REV:HASH or
# --checkpoint FILE also against an anchor kept outside the ledger).
#
#   scripts/restore.sh BACKUP-FILE STORE-URL [verify options …]
#
#   sqlite:///path/ledger.db        the file must not exist (move a damaged store aside first)
#   postgresql://user@host:port/db  the database must exist and hold no tables (createdb it)
#
# Exit 0: restored and verified. 1: restored, but `ledger verify` failed — do not serve it.
# 2: nothing restored (bad arguments, target not empty, unreadable backup). The `ledger`
# command is $LEDGER (default: ledger on PATH).
set -euo pipefail

if [ $# -lt 2 ]; then
    echo "usage: $0 BACKUP-FILE STORE-URL [ledger verify options …]" >&2
    exit 2
fi
backup=$1
url=$2
shift 2
ledger=${LEDGER:-ledger}
if [ ! -f "$backup" ]; then
    echo "restore: no backup file $backup" >&2
    exit 2
fi

case "$url" in
    sqlite:///*)
        db=${url#sqlite:///}
        if [ -e "$db" ] || [ -e "$db-wal" ]; then
            echo "restore: $db exists: move it aside first (a restore never overwrites a store)" >&2
            exit 2
        fi
        check=$(sqlite3 -readonly "$backup" "PRAGMA integrity_check" 2>&1 || true)
        if [ "$check" != "ok" ]; then
            echo "restore: $backup is not a sound SQLite database: $check" >&2
            exit 2
        fi
        case "$db" in *\'*) echo "restore: a file name without ' please" >&2; exit 2 ;; esac
        sqlite3 -readonly "$backup" ".backup '$db.restoring'"
        mv "$db.restoring" "$db"
        ;;
    postgresql://* | postgres://* | postgresql+*://*)
        conninfo=$(printf '%s' "${url%%\?*}" | sed -E 's#^postgresql\+[a-z0-9]+://#postgresql://#')
        tables=$(psql --no-psqlrc --quiet --tuples-only --no-align --dbname="$conninfo" --command \
            "SELECT count(*) FROM information_schema.tables WHERE table_schema NOT IN ('pg_catalog', 'information_schema')") || {
            echo "restore: cannot reach $url (create the database first: createdb NAME)" >&2
            exit 2
        }
        if [ "$tables" != "0" ]; then
            echo "restore: the database of $url holds $tables tables: restore into a new, empty database" >&2
            exit 2
        fi
        if ! pg_restore --exit-on-error --no-owner --no-privileges --dbname="$conninfo" "$backup"; then
            echo "restore: pg_restore failed (see above)" >&2
            exit 2
        fi
        ;;
    *)
        echo "restore: expected sqlite:///path or postgresql://user@host:port/dbname, got $url" >&2
        exit 2
        ;;
esac

echo "restore: $backup → $url; verifying…"
if $ledger --db "$url" verify "$@"; then
    echo "restore: verified — the store may be served"
else
    echo "restore: ledger verify FAILED on the restored store: do not serve it (keep the backup; try an older one)" >&2
    exit 1
fi
