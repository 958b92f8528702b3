#!/bin/sh
# One-shot setup for the Temporal server of docker-compose.yml, run by the admin-tools image:
# its database schemas before the server starts (`schema`), then the namespace and the
# search attributes Tongbao's workflows set (`namespace`). Safe to run on every `up`.
set -eu

# temporal-sql-tool reads SQL_PLUGIN, SQL_HOST, SQL_PORT, SQL_USER and SQL_PASSWORD from the
# environment. Both steps are no-ops on a database that is already up to date.
schema() {
  for db in temporal visibility; do
    name=temporal
    [ "$db" = visibility ] && name=temporal_visibility
    temporal-sql-tool --db "$name" setup-schema -v 0.0
    temporal-sql-tool --db "$name" update-schema --schema-name "postgresql/v12/$db"
  done
}

# The same list as SEARCH_ATTRIBUTES in scripts/temporal.mjs.
ATTRIBUTES="MerchantId=Keyword PaymentId=Keyword Provider=Keyword Channel=Keyword PaymentStatus=Keyword AmountMinor=Int RefundId=Keyword RefundStatus=Keyword EventId=Keyword EventType=Keyword DeliveryStatus=Keyword"

namespace() {
  until temporal operator cluster health | grep -q SERVING; do sleep 1; done
  temporal operator namespace describe -n "$TEMPORAL_NAMESPACE" >/dev/null 2>&1 ||
    temporal operator namespace create -n "$TEMPORAL_NAMESPACE" --retention 72h
  # A new namespace takes a few seconds to reach the frontend's cache.
  until existing=$(temporal operator search-attribute list -n "$TEMPORAL_NAMESPACE" 2>/dev/null); do sleep 1; done
  for pair in $ATTRIBUTES; do
    name=${pair%=*}
    echo "$existing" | grep -qw "$name" ||
      temporal operator search-attribute create -n "$TEMPORAL_NAMESPACE" --name "$name" --type "${pair#*=}"
  done
  temporal operator search-attribute list -n "$TEMPORAL_NAMESPACE"
}

"$1"
