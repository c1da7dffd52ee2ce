#!/bin/sh
# Nightly PostgreSQL backup of central, keeping 30 days. Run from cron as the postgres user:
#   15 2 * * * /opt/exchange-kiosk/deploy/central/backup-central.sh
set -eu
dir=/var/backups/exchange-central
mkdir -p "$dir"
pg_dump --format=custom --file="$dir/central-$(date +%Y%m%d).dump" central
find "$dir" -name 'central-*.dump' -mtime +30 -delete
