#!/usr/bin/env bash
# End to end: nginx in front of a stub model server, asking `ward serve` through auth_request.
#   tools/nginx_e2e.sh WARD_BIN
# Starts `WARD_BIN serve` on the ai-gateway example, a stub upstream (python3) and nginx (all on
# 127.0.0.1, on free ports, unprivileged, everything in a temporary directory), then sends
# requests through nginx with curl and checks what comes back, what reached the upstream and
# what ward's /metrics counted. The nginx configuration is the one docs/gateways.md shows: the
# test fails when the two differ. A missing tool (nginx, curl, python3) fails the test.
set -euo pipefail

die() { echo "nginx_e2e: $*" >&2; exit 1; }

[[ $# -eq 1 ]] || die "usage: tools/nginx_e2e.sh WARD_BIN"
ward_bin=$1
[[ -x $ward_bin ]] || die "$ward_bin: not an executable"
ward_bin=$(cd "$(dirname "$ward_bin")" && pwd)/$(basename "$ward_bin")
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
example=$root/examples/ai-gateway

if [[ -x /usr/sbin/nginx ]]; then
  nginx_bin=/usr/sbin/nginx
else
  nginx_bin=$(command -v nginx) || die "nginx is missing (tools/install-deps.sh installs it)"
fi
command -v curl >/dev/null || die "curl is missing (tools/install-deps.sh installs it)"
command -v python3 >/dev/null || die "python3 is missing"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/ward-nginx-e2e.XXXXXX")
ward_pid='' upstream_pid='' nginx_pid=''

stop() {  # stop PID: TERM, then KILL after 5 s
  local pid=$1 i
  [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < 50; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}
cleanup() {
  local rc=$?
  trap - EXIT
  stop "$nginx_pid"
  stop "$upstream_pid"
  stop "$ward_pid"
  rm -rf "$tmp"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

show_logs() {
  echo "---- ward serve stderr ----"
  cat "$tmp/ward.stderr" 2>/dev/null || true
  echo "---- nginx error log ----"
  cat "$tmp/error.log" 2>/dev/null || true
  echo "---- nginx access log ----"
  cat "$tmp/access.log" 2>/dev/null || true
  echo "----"
}
fatal() { echo "nginx_e2e: $*" >&2; show_logs >&2; exit 1; }

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Waits up to $2 seconds for file $1 to hold a whole line while process $3 lives.
wait_for_file() {
  local file=$1 seconds=$2 pid=$3 i
  for ((i = 0; i < seconds * 10; i++)); do
    [[ -s $file && $(tail -c 1 "$file" | wc -l) -eq 1 ]] && return 0
    kill -0 "$pid" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}

# ---- ward serve, trusting the grants of an approval service's key ----
"$ward_bin" keygen --out "$tmp/approvals" >/dev/null || fatal "ward keygen failed"
"$ward_bin" serve --policy "$example/schema.ward" --policy "$example/rules.ward" \
  --entities "$example/entities.json" --listen 127.0.0.1:0 --port-file "$tmp/ward.port" \
  --approval-key "$tmp/approvals.pub" >"$tmp/ward.stdout" 2>"$tmp/ward.stderr" &
ward_pid=$!
wait_for_file "$tmp/ward.port" 20 "$ward_pid" || fatal "ward serve did not write its port file within 20 s"
ward_port=$(tr -d '[:space:]' <"$tmp/ward.port")
[[ $ward_port =~ ^[0-9]+$ ]] || fatal "ward serve's port file holds '$ward_port'"

# ---- the stub upstream: 200 and "upstream:PATH" for every GET; logs what it got ----
cat >"$tmp/upstream.py" <<'PY'
import http.server, json, os, sys

log_path, port_path = sys.argv[1], sys.argv[2]

class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        with open(log_path, "a") as log:
            log.write(json.dumps({"path": self.path,
                                  "obligations": self.headers.get("X-Ward-Obligations")}) + "\n")
        body = ("upstream:" + self.path).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass

server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
with open(port_path + ".tmp", "w") as f:
    f.write("%d\n" % server.server_address[1])
os.rename(port_path + ".tmp", port_path)
server.serve_forever()
PY
: >"$tmp/upstream.log"
python3 "$tmp/upstream.py" "$tmp/upstream.log" "$tmp/upstream.port" 2>"$tmp/upstream.stderr" &
upstream_pid=$!
wait_for_file "$tmp/upstream.port" 10 "$upstream_pid" || fatal "the stub upstream did not start: $(cat "$tmp/upstream.stderr")"
upstream_port=$(tr -d '[:space:]' <"$tmp/upstream.port")

# ---- nginx ----
# The gateway's part of the configuration, word for word as docs/gateways.md shows it, with
# ward at 127.0.0.1:8181, the models at 127.0.0.1:9000 and nginx listening on 127.0.0.1:8080.
# The test replaces the three addresses with its own.
read -r -d '' gateway_conf <<'NGINX' || true
# Goes inside http { }. The client (or the authenticating proxy in front of this one) sends
# X-User: the id of the authenticated user. Each protected location turns its URL into a
# question for ward, which the internal location /_ward asks:
#
#   GET /models/MODEL/prompt          user:$http_x_user  prompt  model:MODEL
#   GET /data/CLASS[?records=N]       user:$http_x_user  reveal  data:CLASS
#                                     context {"channel":"direct"[,"record_count":N]}
#
# and X-Approval, when the client sends it, is the grant for a request that needed approval.
# ward answers 200 (ALLOW: nginx proxies to the models) or 403 (DENY, NEEDS_APPROVAL: the
# client gets 403). Anything else, a missing X-User included, makes ward answer 400 and
# nginx 500: the request does not pass.

upstream ward {
    server 127.0.0.1:8181;
    keepalive 16;
    keepalive_timeout 4s;    # less than the 5 s ward serve keeps an idle connection
}

upstream models {
    server 127.0.0.1:9000;
}

# The context of a reveal, built from ?records=N. Only a plain number gets in; anything else
# makes the location answer 400 without asking ward.
map $arg_records $ward_reveal_context {
    ""                                           '{"channel":"direct"}';
    "~^(?<ward_records>0|[1-9][0-9]{0,8})$"      '{"channel":"direct","record_count":$ward_records}';
    default                                      "";
}

server {
    listen 127.0.0.1:8080;

    # What ward said, passed on: the effect, the reason and the approval digest to the client
    # ("always": on the 403 too), the obligations (ALLOW only) to the models, which must
    # honour them. proxy_set_header replaces any X-Ward-Obligations the client sent.
    auth_request_set $ward_effect      $upstream_http_x_ward_effect;
    auth_request_set $ward_reason      $upstream_http_x_ward_reason;
    auth_request_set $ward_digest      $upstream_http_x_ward_approval_digest;
    auth_request_set $ward_obligations $upstream_http_x_ward_obligations;
    add_header X-Ward-Effect          $ward_effect always;
    add_header X-Ward-Reason          $ward_reason always;
    add_header X-Ward-Approval-Digest $ward_digest always;
    proxy_set_header X-Ward-Obligations $ward_obligations;

    # Ids are letters, digits, '.', '_' and '-': nothing else reaches a header.
    location ~ ^/models/(?<ward_model>[A-Za-z0-9._-]+)/prompt$ {
        set $ward_action   prompt;
        set $ward_resource model:$ward_model;
        set $ward_context  "";
        auth_request /_ward;
        proxy_pass http://models;
    }

    location ~ ^/data/(?<ward_class>[A-Za-z0-9._-]+)$ {
        if ($ward_reveal_context = "") {
            return 400;
        }
        set $ward_action   reveal;
        set $ward_resource data:$ward_class;
        set $ward_context  $ward_reveal_context;
        auth_request /_ward;
        proxy_pass http://models;
    }

    # The question to ward. No header the client sent reaches ward: only the ones set here.
    location = /_ward {
        internal;
        proxy_pass http://ward/v1/auth;
        proxy_pass_request_body off;
        proxy_pass_request_headers off;
        proxy_set_header Content-Length "";
        proxy_http_version 1.1;
        proxy_set_header Connection "";
        proxy_set_header X-Ward-Subject  user:$http_x_user;
        proxy_set_header X-Ward-Action   $ward_action;
        proxy_set_header X-Ward-Resource $ward_resource;
        proxy_set_header X-Ward-Context  $ward_context;
        # A grant is signed for one request and lets it through once: the client may carry it.
        proxy_set_header X-Ward-Approval $http_x_approval;
        proxy_connect_timeout 5s;
        proxy_read_timeout 5s;
    }

    location / {
        return 404;
    }
}
NGINX

# The documented configuration must be the one tested.
doc=$root/docs/gateways.md
awk '/^<!-- nginx-config -->$/ { inside = 1; next }
     /^<!-- \/nginx-config -->$/ { inside = 0 }
     inside && /^```/ { next }
     inside { print }' "$doc" >"$tmp/doc.conf"
printf '%s\n' "$gateway_conf" >"$tmp/script.conf"
if ! diff -u "$tmp/doc.conf" "$tmp/script.conf" >"$tmp/conf.diff"; then
  cat "$tmp/conf.diff" >&2
  fatal "the nginx configuration in docs/gateways.md (between <!-- nginx-config --> and <!-- /nginx-config -->) is not the one this test runs"
fi

nginx_e=()
if "$nginx_bin" -h 2>&1 | grep -q -- '-e filename'; then nginx_e=(-e "$tmp/error.log"); fi

start_nginx() {
  nginx_port=$(free_port)
  {
    echo "# Written by tools/nginx_e2e.sh: nginx unprivileged, everything in $tmp."
    echo "daemon off;"
    echo "worker_processes 1;"
    echo "pid $tmp/nginx.pid;"
    echo "error_log $tmp/error.log info;"
    echo "events { worker_connections 64; }"
    echo "http {"
    echo "    access_log $tmp/access.log;"
    echo "    default_type text/plain;"
    for t in client_body proxy fastcgi uwsgi scgi; do echo "    ${t}_temp_path $tmp/$t;"; done
    printf '%s\n' "$gateway_conf" | sed -e "s/127\.0\.0\.1:8181;/127.0.0.1:$ward_port;/" \
      -e "s/127\.0\.0\.1:9000;/127.0.0.1:$upstream_port;/" \
      -e "s/listen 127\.0\.0\.1:8080;/listen 127.0.0.1:$nginx_port;/" | sed -e 's/^/    /'
    echo "}"
  } >"$tmp/nginx.conf"
  "$nginx_bin" -t -q -p "$tmp/" -c "$tmp/nginx.conf" "${nginx_e[@]}" >"$tmp/nginx-t.out" 2>&1 ||
    { cat "$tmp/nginx-t.out" >&2; fatal "nginx -t rejects the configuration"; }
  "$nginx_bin" -p "$tmp/" -c "$tmp/nginx.conf" "${nginx_e[@]}" >"$tmp/nginx.out" 2>&1 &
  nginx_pid=$!
  local i
  for ((i = 0; i < 100; i++)); do
    kill -0 "$nginx_pid" 2>/dev/null || return 1
    # /nowhere answers 404 from nginx itself: nothing asks ward.
    [[ $(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$nginx_port/nowhere") == 404 ]] && return 0
    sleep 0.1
  done
  return 1
}
started=
for _ in 1 2 3; do  # another process may take the free port first
  if start_nginx; then started=1; break; fi
  stop "$nginx_pid"
  nginx_pid=
done
[[ -n $started ]] || fatal "nginx did not start: $(cat "$tmp/nginx.out")"

# ---- the checks ----
failures=0
checks=0
check() {  # check NAME EXPECTED GOT
  checks=$((checks + 1))
  if [[ $2 == "$3" ]]; then
    printf 'ok    %s: %s\n' "$1" "$3"
  else
    printf 'FAIL  %s: expected %s, got %s\n' "$1" "$2" "$3"
    failures=$((failures + 1))
  fi
}
check_match() {  # check_match NAME REGEX GOT
  checks=$((checks + 1))
  if [[ $3 =~ $2 ]]; then
    printf 'ok    %s: %s\n' "$1" "$3"
  else
    printf 'FAIL  %s: expected /%s/, got "%s"\n' "$1" "$2" "$3"
    failures=$((failures + 1))
  fi
}

# get URL-PATH [CURL-ARGS...]: sets $status, $body and the response headers in $tmp/headers.
get() {
  local path=$1
  shift
  status=$(curl -s -o "$tmp/body" -D "$tmp/headers" -w '%{http_code}' "$@" "http://127.0.0.1:$nginx_port$path") ||
    status="curl failed ($?)"
  body=$(cat "$tmp/body" 2>/dev/null || true)
}
header() {  # header NAME: the value of the last response's header NAME ("" when absent)
  { grep -i "^$1:" "$tmp/headers" || true; } | tail -n 1 | cut -d: -f2- | tr -d '\r' | sed -e 's/^ *//'
}
reached_upstream() {  # reached_upstream PATH: how many requests for PATH the upstream got
  python3 - "$tmp/upstream.log" "$1" <<'PY'
import json, sys
print(sum(1 for line in open(sys.argv[1]) if json.loads(line)["path"] == sys.argv[2]))
PY
}
obligations_for() {  # obligations_for PATH: the X-Ward-Obligations of the last request for PATH
  python3 - "$tmp/upstream.log" "$1" <<'PY'
import json, sys
got = [json.loads(line) for line in open(sys.argv[1])]
got = [g["obligations"] for g in got if g["path"] == sys.argv[2]]
print(got[-1] if got and got[-1] is not None else "")
PY
}

echo "ward serve on 127.0.0.1:$ward_port, stub upstream on 127.0.0.1:$upstream_port, nginx on 127.0.0.1:$nginx_port"
ask_ward=0  # requests that reach ward and get a decision
allows=0 denies=0 approvals=0

# a. allowed: u-alice (clearance 2) prompts general-large (min clearance 1)
get /models/general-large/prompt -H 'X-User: u-alice'
ask_ward=$((ask_ward + 1)) allows=$((allows + 1))
check "a. u-alice prompts general-large: status" 200 "$status"
check "a. u-alice prompts general-large: body" "upstream:/models/general-large/prompt" "$body"
check "a. u-alice prompts general-large: X-Ward-Effect" ALLOW "$(header X-Ward-Effect)"
obl=$(obligations_for /models/general-large/prompt) || obl=
check_match "a. the upstream got the obligations" '"output_tokens":8000' "$obl"
python3 -c 'import json, sys; json.loads(sys.argv[1])' "$obl" 2>/dev/null && ok=yes || ok=no
check "a. the obligations are JSON" yes "$ok"

# a. allowed: u-bob (support) reveals customer records in a private session; a client's own
# X-Ward-Obligations is replaced by ward's
get /data/customer-records -H 'X-User: u-bob' -H 'X-Ward-Obligations: {"redact":[]}'
ask_ward=$((ask_ward + 1)) allows=$((allows + 1))
check "a. u-bob reveals customer-records: status" 200 "$status"
check "a. u-bob reveals customer-records: body" "upstream:/data/customer-records" "$body"
check_match "a. the upstream got ward's obligations, not the client's" '\[SSN\]' "$(obligations_for /data/customer-records)"

# b. denied: u-dave (contractor) prompts internal-finetune
get /models/internal-finetune/prompt -H 'X-User: u-dave'
ask_ward=$((ask_ward + 1)) denies=$((denies + 1))
check "b. u-dave prompts internal-finetune: status" 403 "$status"
check "b. u-dave prompts internal-finetune: X-Ward-Effect" DENY "$(header X-Ward-Effect)"
check "b. u-dave prompts internal-finetune: X-Ward-Reason" forbidden "$(header X-Ward-Reason)"
check "b. the upstream never got it" 0 "$(reached_upstream /models/internal-finetune/prompt)"

# c. approval required: u-bob asks for 5000 customer records
get '/data/customer-records?records=5000' -H 'X-User: u-bob'
ask_ward=$((ask_ward + 1)) approvals=$((approvals + 1))
check "c. u-bob reveals 5000 customer records: status" 403 "$status"
check "c. u-bob reveals 5000 customer records: X-Ward-Effect" NEEDS_APPROVAL "$(header X-Ward-Effect)"
check_match "c. u-bob reveals 5000 customer records: X-Ward-Approval-Digest" '^[0-9a-f]{64}$' "$(header X-Ward-Approval-Digest)"
check "c. the upstream never got it" 0 "$(reached_upstream '/data/customer-records?records=5000')"
# u-grace (privacy office) approves; the grant lets the request through once
digest=$(header X-Ward-Approval-Digest)
grant=$("$ward_bin" approve --key "$tmp/approvals.key" --approver user:u-grace --digest "$digest") ||
  grant=
get '/data/customer-records?records=5000' -H 'X-User: u-bob' -H "X-Approval: $grant"
ask_ward=$((ask_ward + 1)) allows=$((allows + 1))
check "c. with u-grace's grant: status" 200 "$status"
check "c. with u-grace's grant: body" "upstream:/data/customer-records?records=5000" "$body"
get '/data/customer-records?records=5000' -H 'X-User: u-bob' -H "X-Approval: $grant"
ask_ward=$((ask_ward + 1)) approvals=$((approvals + 1))
check "c. the same grant again: X-Ward-Effect" NEEDS_APPROVAL "$(header X-Ward-Effect)"
check "c. the upstream got it once" 1 "$(reached_upstream '/data/customer-records?records=5000')"

# d. no X-User: ward answers 400, nginx 500 (support-small: any known user may prompt it)
get /models/support-small/prompt
bad_requests=1
check_match "d. no X-User: refused (not 2xx)" '^[013-9][0-9][0-9]$' "$status"
check "d. no X-User: status" 500 "$status"
check "d. the upstream never got it" 0 "$(reached_upstream /models/support-small/prompt)"

# e. a client's own X-Ward-* headers do not reach ward: u-bob claims to be u-carol (hr), who
# may see salaries; ward decides for u-bob
get /data/salaries -H 'X-User: u-bob' -H 'X-Ward-Subject: user:u-carol' \
  -H 'X-Ward-On-Behalf-Of: user:u-carol' -H 'X-Ward-Approval: forged'
ask_ward=$((ask_ward + 1)) denies=$((denies + 1))
check "e. u-bob with forged X-Ward-* headers reveals salaries: status" 403 "$status"
check "e. the upstream never got it" 0 "$(reached_upstream /data/salaries)"
get /data/salaries -H 'X-User: u-carol'
ask_ward=$((ask_ward + 1)) allows=$((allows + 1))
check "e. u-carol reveals salaries: status" 200 "$status"

# f. a context that is not a plain number never reaches ward
get '/data/customer-records?records=1,"channel":"x"' -H 'X-User: u-bob'
check "f. records not a number: status" 400 "$status"
get '/models/general-large%0aX-Ward-Subject:%20user:u-carol/prompt' -H 'X-User: u-dave'
check "f. a model id with a newline: status" 404 "$status"

# g. SIGHUP reloads the policy and the entities; decisions go on
kill -HUP "$ward_pid"
reloads=absent
for ((i = 0; i < 50; i++)); do
  reloads=$(curl -s "http://127.0.0.1:$ward_port/metrics" |
    awk '$1 == "ward_reloads_total{result=\"ok\"}" { print $2 }') || reloads=absent
  [[ $reloads == 1 ]] && break
  sleep 0.1
done
check "g. after SIGHUP: ward_reloads_total{result=\"ok\"}" 1 "${reloads:-absent}"
get /models/general-large/prompt -H 'X-User: u-alice'
ask_ward=$((ask_ward + 1)) allows=$((allows + 1))
check "g. after SIGHUP: u-alice prompts general-large: status" 200 "$status"

# h. /metrics, asked directly, counts what nginx asked
metrics=$(curl -s "http://127.0.0.1:$ward_port/metrics") || metrics=
metric_sum() {  # metric_sum NAME [LABEL-REGEX]: sum of the samples of NAME whose labels match
  printf '%s\n' "$metrics" | awk -v name="$1" -v labels="${2:-}" '
    $1 !~ /^#/ {
      split($1, parts, "{")
      if (parts[1] != name) next
      if (labels != "" && $1 !~ labels) next
      sum += $NF; found = 1
    }
    END { if (found) printf "%g\n", sum; else print "absent" }'
}
check "h. /metrics: ward_decisions_total (all effects)" "$ask_ward" "$(metric_sum ward_decisions_total)"
check "h. /metrics: ward_decisions_total{effect=\"ALLOW\"}" "$allows" "$(metric_sum ward_decisions_total 'effect="ALLOW"')"
check "h. /metrics: ward_decisions_total{effect=\"DENY\"}" "$denies" "$(metric_sum ward_decisions_total 'effect="DENY"')"
check "h. /metrics: ward_decisions_total{effect=\"NEEDS_APPROVAL\"}" "$approvals" "$(metric_sum ward_decisions_total 'effect="NEEDS_APPROVAL"')"
check "h. /metrics: ward_bad_requests_total" "$bad_requests" "$(metric_sum ward_bad_requests_total)"
check "h. /metrics: ward_decide_latency_seconds_count" "$ask_ward" "$(metric_sum ward_decide_latency_seconds_count)"

# i. SIGTERM stops ward serve, with exit status 0
kill -TERM "$ward_pid"
for ((i = 0; i < 50; i++)); do
  kill -0 "$ward_pid" 2>/dev/null || break
  sleep 0.1
done
if kill -0 "$ward_pid" 2>/dev/null; then
  ward_exit="still running after 5 s"
else
  ward_exit=0
  wait "$ward_pid" || ward_exit=$?
  ward_pid=''
fi
check "i. SIGTERM stops ward serve: exit status" 0 "$ward_exit"

echo "$((checks - failures)) of $checks checks passed"
if ((failures > 0)); then
  show_logs
  exit 1
fi
