#!/usr/bin/env bash
# ban-traffic.sh with `blackhole: { check: connection }`: the same cuts,
# refusals and unbans when the bans are looked up once per connection
# (after conntrack, the connection then marked checked; docs/bans.md).
BAN_CHECK=connection exec bash "$(dirname "$0")/ban-traffic.sh"
