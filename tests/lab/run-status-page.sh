#!/usr/bin/env bash
# The status page beside the metrics (GET / on metrics.listen): after a
# LAN client took a lease and sent traffic, the page lists the lease and
# draws a non-empty traffic graph for the wan zone, and after the
# client's DNS queries its DNS line counts them; headless Chromium
# (Debian's chromium) loads it with no console error and saves a
# screenshot (STATUS_PAGE_PNG, default $T_DIR/status-page.png, kept only
# when named).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/run-common.bash"
command -v dnsmasq >/dev/null || skip "dnsmasq not installed"
command -v curl >/dev/null || skip "curl not installed"
command -v chromium >/dev/null || skip "chromium not installed (Debian package chromium)"

run_config
printf 'metrics: { listen: "127.0.0.1:9630" }\n' >>"$T_DIR/router.yaml"
run_net
ip -n "$R" link set lo up
run_start
wait_for 20 sh -c "ip -n $R -4 addr show dev wan | grep -q 'inet 203\.0\.113\.'" ||
    fail "WAN got no address from DHCP"
client_lease "$C" eth0 client1 || fail "LAN client got no lease"
ip=$(lease_val "$C" ip)
nsx "$C" ping -c 40 -i 0.05 -q -s 1200 203.0.113.1 >/dev/null || fail "LAN → ISP ping failed"
sleep 1 # the page's last point is the rate since the last sample: let a second pass

page() { ip netns exec "$R" curl -sS --max-time 5 -o "$1" -w '%{http_code} %{content_type}' http://127.0.0.1:9630/; }
out=$(page "$T_DIR/page.html") || fail "curl /: $out"
case $out in "200 text/html"*) ;; *) fail "GET /: $out" ;; esac
grep -q "<td>$ip</td><td>[0-9a-f:]*</td><td>client1</td>" "$T_DIR/page.html" ||
    fail "the lease $ip client1 is not in the page: $(grep -A3 'id="leases"' "$T_DIR/page.html")"
grep -q '<td>wan</td><td>wan</td><td>up</td><td>203\.0\.113\.' "$T_DIR/page.html" ||
    fail "the wan port row: $(grep '<td>wan</td>' "$T_DIR/page.html")"
# The wan zone's "out" polyline: some point above the baseline (y < 120).
pts=$(sed -n '/data-zone="wan"/,/<\/svg>/p' "$T_DIR/page.html" | sed -n 's/.*class="out" fill="none" points="\([^"]*\)".*/\1/p')
[ -n "$pts" ] || fail "no traffic polyline for zone wan"
echo "$pts" | tr ' ' '\n' | awk -F, '$2 < 119 { found = 1 } END { exit !found }' ||
    fail "the wan graph is flat after traffic: $pts"
pass "GET /: $out; lease $ip client1 listed; wan port up with its address; wan traffic graph not flat"

# DNS: 5 queries for the router's own name, answered by dnsmasq itself;
# the page shows the last counters read (every 10 s, and after a load).
for i in 1 2 3 4 5; do
    nsx "$C" dig +short +time=2 +tries=2 @192.168.100.1 router.lan >/dev/null || fail "dig router.lan"
done
dns_local() {
    page "$T_DIR/dns.html" >/dev/null || return 1
    sed -n 's/.*<p id="dns">\([0-9]*\) queries answered locally.*/\1/p' "$T_DIR/dns.html"
}
n=""
for _ in $(seq 60); do
    n=$(dns_local) || n=""
    [ -n "$n" ] && [ "$n" -ge 5 ] && break
    sleep 0.5
done
[ -n "$n" ] && [ "$n" -ge 5 ] || fail "the page's DNS line: $(grep 'id="dns"' "$T_DIR/dns.html")"
pass "the page's DNS line: $(sed -n 's/.*<p id="dns">\(.*\)<\/p>.*/\1/p' "$T_DIR/dns.html")"

png=${STATUS_PAGE_PNG:-$T_DIR/status-page.png}
ip netns exec "$R" env HOME="$T_DIR" timeout 90 chromium --headless=new --no-sandbox --disable-gpu \
    --no-first-run --user-data-dir="$T_DIR/chromium" --enable-logging=stderr --v=0 \
    --window-size=1000,1300 --screenshot="$png" http://127.0.0.1:9630/ \
    >"$T_DIR/chromium.out" 2>"$T_DIR/chromium.err" || fail "chromium exited $?: $(tail -5 "$T_DIR/chromium.err")"
[ -s "$png" ] || fail "no screenshot: $(tail -5 "$T_DIR/chromium.err")"
if grep -E 'CONSOLE|Uncaught' "$T_DIR/chromium.err" >"$T_DIR/console"; then
    fail "console messages: $(cat "$T_DIR/console")"
fi
pass "chromium: no console message, screenshot $png ($(stat -c %s "$png") bytes)"
ip netns exec "$R" env HOME="$T_DIR" timeout 90 chromium --headless=new --no-sandbox --disable-gpu \
    --no-first-run --user-data-dir="$T_DIR/chromium" --dump-dom http://127.0.0.1:9630/ \
    >"$T_DIR/dom.html" 2>/dev/null || fail "chromium --dump-dom exited $?"
grep -q "client1" "$T_DIR/dom.html" && grep -q '<polyline class="out"' "$T_DIR/dom.html" ||
    fail "the DOM Chromium built lacks the lease or the graph"
pass "the DOM Chromium built has the lease and the graph"
