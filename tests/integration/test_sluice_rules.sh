#!/bin/bash
# sluice-rules, the offline rules tester: the RFC 5424 section 6.5 and RFC
# 3164 section 5.4 examples parse to their exact fields; every action, the
# matches list, tags and the default; conditions tried with --transport,
# --port and --tenant (without a tenant file only tenant default exists;
# other names are exact FILE:LINE errors); sample 3 over 10 lines keeps lines 1, 4, 7 and 10; --check exit
# codes and its exact FILE:LINE: rule NAME: error lines; invalid UTF-8 and
# NUL give valid JSON that holds the bytes; CRLF, empty and over-long lines;
# the text format; --cache; --bench prints ns/msg; flag errors exit 2
# naming the flag.
#
# usage: test_sluice_rules.sh BUILD_DIR
set -u
build=${1:?usage: test_sluice_rules.sh BUILD_DIR}
bin="$build/app/sluice-rules/sluice-rules"
tmp=$(mktemp -d /tmp/sl-rules-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fail=0
ok() { echo "ok - $*"; }
nok() { echo "not ok - $*"; fail=1; }

if [ ! -x "$bin" ]; then
	nok "$bin is not built"
	exit 1
fi

# check.py GOT EXPECT: GOT has one valid JSON object per line, as many as
# EXPECT, and each object has every member of its EXPECT object, equal.
cat >"$tmp/check.py" <<'PY'
import json, sys
got_lines = open(sys.argv[1], 'rb').read().split(b'\n')
if got_lines and got_lines[-1] == b'':
    got_lines.pop()
exp = [json.loads(l) for l in open(sys.argv[2]) if l.strip()]
bad = 0
if len(got_lines) != len(exp):
    print('# %d lines, expected %d' % (len(got_lines), len(exp)))
    bad = 1
for i, (g, e) in enumerate(zip(got_lines, exp)):
    try:
        g = json.loads(g)
    except ValueError as x:
        print('# line %d is not JSON (%s): %r' % (i + 1, x, g[:200]))
        bad = 1
        continue
    for k, v in e.items():
        if g.get(k, '<absent>') != v:
            print('# line %d: %s = %r, expected %r' % (i + 1, k, g.get(k, '<absent>'), v))
            bad = 1
sys.exit(bad)
PY

# expect NAME EXPECT_FILE ARGS... < input: run, compare, print the result.
expect() {
	local name=$1 exp=$2 rc
	shift 2
	"$bin" "$@" >"$tmp/got.jsonl" 2>"$tmp/got.err"
	rc=$?
	if [ $rc -eq 0 ] && python3 "$tmp/check.py" "$tmp/got.jsonl" "$exp" >"$tmp/diff"; then
		ok "$name"
	else
		nok "$name (exit $rc)"
		sed 's/^/# /' "$tmp/got.err" | head -5
		head -20 "$tmp/diff"
	fi
}

: >"$tmp/empty.rules"
bom=$(printf '\357\273\277')

# ---- RFC 5424 section 6.5: the four examples, every field -------------------
{
	echo "<34>1 2003-10-11T22:14:15.003Z mymachine.example.com su - ID47 - ${bom}'su root' failed for lonvick on /dev/pts/8"
	echo "<165>1 2003-08-24T05:14:15.000003-07:00 192.0.2.1 myproc 8710 - - %% It's time to make the do-nuts."
	echo "<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut=\"3\" eventSource=\"Application\" eventID=\"1011\"] ${bom}An application event log entry..."
	echo "<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut=\"3\" eventSource=\"Application\" eventID=\"1011\"][examplePriority@32473 class=\"high\"]"
} >"$tmp/5424.txt"
cat >"$tmp/5424.exp" <<'EOF'
{"line":1,"format":"rfc5424","version":1,"facility":4,"severity":2,"timestamp":"2003-10-11T22:14:15.003000000Z","hostname":"mymachine.example.com","appname":"su","procid":null,"msgid":"ID47","structured_data":null,"msg":"'su root' failed for lonvick on /dev/pts/8","parse_error":false,"parse_flags":["bom"],"truncated":false}
{"line":2,"format":"rfc5424","version":1,"facility":20,"severity":5,"timestamp":"2003-08-24T12:14:15.000003000Z","hostname":"192.0.2.1","appname":"myproc","procid":"8710","msgid":null,"structured_data":null,"msg":"%% It's time to make the do-nuts.","parse_error":false,"parse_flags":[],"truncated":false}
{"line":3,"format":"rfc5424","version":1,"facility":20,"severity":5,"timestamp":"2003-10-11T22:14:15.003000000Z","hostname":"mymachine.example.com","appname":"evntslog","procid":null,"msgid":"ID47","structured_data":{"exampleSDID@32473":{"iut":"3","eventSource":"Application","eventID":"1011"}},"msg":"An application event log entry...","parse_error":false,"parse_flags":["bom"],"truncated":false}
{"line":4,"format":"rfc5424","version":1,"facility":20,"severity":5,"timestamp":"2003-10-11T22:14:15.003000000Z","hostname":"mymachine.example.com","appname":"evntslog","procid":null,"msgid":"ID47","structured_data":{"exampleSDID@32473":{"iut":"3","eventSource":"Application","eventID":"1011"},"examplePriority@32473":{"class":"high"}},"msg":null,"parse_error":false,"parse_flags":[],"truncated":false}
EOF
expect "RFC 5424 6.5 examples: every field exact (BOM, offset zone, SD object, no MSG)" \
	"$tmp/5424.exp" --rules "$tmp/empty.rules" <"$tmp/5424.txt"

# Key order and the whole object, byte for byte, for the first example.
want='{"line":1,"format":"rfc5424","version":1,"facility":4,"severity":2,"timestamp":"2003-10-11T22:14:15.003000000Z","hostname":"mymachine.example.com","appname":"su","procid":null,"msgid":"ID47","structured_data":null,"msg":"'"'"'su root'"'"' failed for lonvick on /dev/pts/8","parse_error":false,"parse_flags":["bom"],"truncated":false,"matches":[],"rule":null,"action":"keep","stream":"default","tags":[]}'
got=$(head -1 "$tmp/5424.txt" | "$bin" --rules "$tmp/empty.rules")
if [ "$got" = "$want" ]; then ok "JSON line byte for byte (member order, no rules: keep in default)"; else
	nok "JSON line byte for byte"; echo "# got  $got"; echo "# want $want"; fi

# SD escapes, a repeated PARAM-NAME (array) and a repeated SD-ID (merged).
printf '%s\n' '<13>1 - h a p m [x@1 a="q\"uo\\te\]d" b="\n]" a="2"][y z=""][x@1 c="3"] m' >"$tmp/sd.txt"
cat >"$tmp/sd.exp" <<'EOF'
{"structured_data":{"x@1":{"a":["q\"uo\\te]d","2"],"b":"\\n]","c":"3"},"y":{"z":""}},"msg":"m","timestamp":null,"parse_error":false}
EOF
expect "structured data: unescaped values, repeated name -> array, repeated SD-ID merged" \
	"$tmp/sd.exp" --rules "$tmp/empty.rules" <"$tmp/sd.txt"

# Timestamps: always UTC with nine digits, before 1970 too; a leap second.
printf '%s\n' '<13>1 1969-12-31T23:59:59.999999Z h a - - - m' '<13>1 2003-10-11T22:14:60-02:00 h a - - - m' \
	'<13>1 2003-10-11T22:14:15.1234567Z h a - - - m' >"$tmp/ts.txt"
cat >"$tmp/ts.exp" <<'EOF'
{"timestamp":"1969-12-31T23:59:59.999999000Z","parse_flags":[]}
{"timestamp":"2003-10-12T00:15:00.000000000Z","parse_flags":["leap_second"]}
{"timestamp":null,"parse_flags":["bad_timestamp"],"parse_error":true}
EOF
expect "timestamps: RFC 3339 UTC with nanoseconds (pre-1970 floored, zone applied, leap second), invalid -> null" \
	"$tmp/ts.exp" --rules "$tmp/empty.rules" <"$tmp/ts.txt"

# ---- RFC 3164 section 5.4 examples (--year gives the missing year) ---------
cat >"$tmp/3164.txt" <<'EOF'
<34>Oct 11 22:14:15 mymachine su: 'su root' failed for lonvick on /dev/pts/8
Use the BFG!
<13>Feb  5 17:32:18 10.0.0.99 Use the BFG!
<165>Aug 24 05:34:00 CST 1987 mymachine myproc[10]: %% It's time to make the do-nuts.  %%  Ingredients: Mix=OK, Jelly=OK # Devices: Mixer=OK, Jelly_Injector=OK, Frier=OK # Transport: Conveyer1=OK, Conveyer2=OK # %%
<0>1990 Oct 22 10:52:01 TZ-6 scapegoat.dmz.example.org 10.1.2.3 sched[0]: That's All Folks!
<86>Mar  1 09:05:07 web01 sshd[4242]: Accepted publickey for root
EOF
cat >"$tmp/3164.exp" <<'EOF'
{"line":1,"format":"rfc3164","version":null,"facility":4,"severity":2,"timestamp":"2003-10-11T22:14:15.000000000Z","hostname":"mymachine","appname":"su","procid":null,"msgid":null,"structured_data":null,"msg":"'su root' failed for lonvick on /dev/pts/8","parse_error":false,"parse_flags":[]}
{"line":2,"format":"raw","version":null,"facility":null,"severity":null,"timestamp":null,"hostname":null,"appname":null,"procid":null,"msgid":null,"structured_data":null,"msg":"Use the BFG!","parse_error":false,"parse_flags":["no_pri"]}
{"line":3,"format":"rfc3164","version":null,"facility":1,"severity":5,"timestamp":"2003-02-05T17:32:18.000000000Z","hostname":"10.0.0.99","appname":null,"procid":null,"msgid":null,"structured_data":null,"msg":"Use the BFG!","parse_error":false,"parse_flags":[]}
{"line":4,"format":"rfc3164","version":null,"facility":20,"severity":5,"timestamp":"2003-08-24T05:34:00.000000000Z","hostname":"CST","appname":null,"procid":null,"msgid":null,"structured_data":null,"msg":"1987 mymachine myproc[10]: %% It's time to make the do-nuts.  %%  Ingredients: Mix=OK, Jelly=OK # Devices: Mixer=OK, Jelly_Injector=OK, Frier=OK # Transport: Conveyer1=OK, Conveyer2=OK # %%","parse_error":false,"parse_flags":[]}
{"line":5,"format":"rfc3164","version":null,"facility":0,"severity":0,"timestamp":null,"hostname":null,"appname":null,"procid":null,"msgid":null,"structured_data":null,"msg":"1990 Oct 22 10:52:01 TZ-6 scapegoat.dmz.example.org 10.1.2.3 sched[0]: That's All Folks!","parse_error":false,"parse_flags":["no_timestamp"]}
{"line":6,"format":"rfc3164","version":null,"facility":10,"severity":6,"timestamp":"2003-03-01T09:05:07.000000000Z","hostname":"web01","appname":"sshd","procid":"4242","msgid":null,"structured_data":null,"msg":"Accepted publickey for root","parse_error":false,"parse_flags":[]}
EOF
expect "RFC 3164 5.4 examples (and an rsyslog line): every field exact with --year 2003" \
	"$tmp/3164.exp" --rules "$tmp/empty.rules" --year 2003 <"$tmp/3164.txt"
cat >"$tmp/3164y0.exp" <<'EOF'
{"line":1,"timestamp":null,"hostname":"mymachine","parse_error":false}
EOF
head -1 "$tmp/3164.txt" >"$tmp/3164-1.txt"
expect "--year 0: RFC 3164 timestamps stay null, the rest parses" \
	"$tmp/3164y0.exp" --rules "$tmp/empty.rules" --year 0 <"$tmp/3164-1.txt"
y=$(date -u +%Y)
echo '{"timestamp":"'"$y"'-10-11T22:14:15.000000000Z"}' >"$tmp/3164yd.exp"
expect "RFC 3164 year defaults to this UTC year ($y)" \
	"$tmp/3164yd.exp" --rules "$tmp/empty.rules" <"$tmp/3164-1.txt"

# ---- actions, matches, tags, the default ------------------------------------
cat >"$tmp/a.rules" <<'EOF'
# tags do not decide; the first other matching rule does
t-fail   msg /fail/i      tag failure
t-root   msg /root/       tag root
r-su     app /^su$/       route auth
d-debug  msg /debug/      drop
s-noise  msg /noise/      sample 3
k-imp    msg /important/  keep
r-late   msg /fail/       route late
e-sev    msg /sev/        keep severity<=err facility=auth,authpriv
EOF
{
	echo "<34>1 2003-10-11T22:14:15.003Z mymachine.example.com su - ID47 - ${bom}'su root' failed for lonvick on /dev/pts/8"
	echo "plain debug line"
	echo "important, but debug first"
	echo "important"
	echo "nothing at all"
	echo "FAIL loudly"
	echo "noise"
	echo "noise"
	echo "<34>Oct 11 22:14:15 host app: sev crit auth"
	echo "<38>Oct 11 22:14:15 host app: sev info auth"
	echo "sev without a PRI"
} >"$tmp/a.txt"
cat >"$tmp/a.exp" <<'EOF'
{"matches":["t-fail","t-root","r-su","r-late"],"rule":"r-su","action":"route","stream":"auth","tags":["failure","root"]}
{"matches":["d-debug"],"rule":"d-debug","action":"drop","stream":null,"tags":[]}
{"matches":["d-debug","k-imp"],"rule":"d-debug","action":"drop","stream":null,"tags":[]}
{"matches":["k-imp"],"rule":"k-imp","action":"keep","stream":"default","tags":[]}
{"matches":[],"rule":null,"action":"keep","stream":"default","tags":[]}
{"matches":["t-fail"],"rule":null,"action":"keep","stream":"default","tags":["failure"]}
{"matches":["s-noise"],"rule":"s-noise","action":"sample-keep","stream":"default","tags":[]}
{"matches":["s-noise"],"rule":"s-noise","action":"sample-drop","stream":null,"tags":[]}
{"matches":["e-sev"],"rule":"e-sev","action":"keep","stream":"default","tags":[]}
{"matches":[],"rule":null,"action":"keep","stream":"default","tags":[]}
{"matches":[],"rule":null,"action":"keep","stream":"default","tags":[]}
EOF
expect "actions: route, drop, keep, sample-keep/-drop, tags, default; matches in file order, after the decider too; severity/facility conditions" \
	"$tmp/a.exp" --rules "$tmp/a.rules" <"$tmp/a.txt"

printf 'x  raw /x/ keep\ndefault drop\n' >"$tmp/d1.rules"
printf 'x\ny\n' >"$tmp/d.txt"
cat >"$tmp/d1.exp" <<'EOF'
{"matches":["x"],"rule":"x","action":"keep","stream":"default"}
{"matches":[],"rule":null,"action":"drop","stream":null}
EOF
expect "default drop: rule null, action drop, stream null" "$tmp/d1.exp" --rules "$tmp/d1.rules" <"$tmp/d.txt"
printf 'x  raw /x/ keep\ndefault route other\n' >"$tmp/d2.rules"
cat >"$tmp/d2.exp" <<'EOF'
{"matches":["x"],"rule":"x","action":"keep","stream":"default"}
{"matches":[],"rule":null,"action":"route","stream":"other"}
EOF
expect "default route other: rule null, action route, stream other" "$tmp/d2.exp" --rules "$tmp/d2.rules" <"$tmp/d.txt"

# ---- conditions tried with --transport and --port ---------------------------
cat >"$tmp/c.rules" <<'EOF'
c-tcp601  msg /cond/  route tcp601  transport=tcp port=601
c-udp     msg /cond/  route udp     transport=udp port!=5140-5149
c-any     msg /cond/  drop
EOF
echo "cond" >"$tmp/c.txt"
for case in "udp 514 c-udp,c-any c-udp route udp" \
	"tcp 601 c-tcp601,c-any c-tcp601 route tcp601" \
	"tcp 514 c-any c-any drop null" \
	"udp 5145 c-any c-any drop null"; do
	set -- $case
	m=$(echo "$3" | sed 's/\([^,]*\)/"\1"/g')
	s=$6
	[ "$s" = null ] || s="\"$s\""
	echo "{\"matches\":[$m],\"rule\":\"$4\",\"action\":\"$5\",\"stream\":$s}" >"$tmp/c.exp"
	expect "--transport $1 --port $2: matches [$3], $4 decides ($5)" "$tmp/c.exp" \
		--rules "$tmp/c.rules" --transport "$1" --port "$2" <"$tmp/c.txt"
done
set --

# ---- tenant conditions and --tenant (no tenant file: only default) ---------
cat >"$tmp/t.rules" <<'EOF'
t-other  msg /ten/  route other  tenant!=default
t-def    msg /ten/  route mine   tenant=default
t-any    msg /ten/  drop
EOF
echo "ten" >"$tmp/t.txt"
echo '{"matches":["t-def","t-any"],"rule":"t-def","action":"route","stream":"mine"}' >"$tmp/t.exp"
expect "tenant=default holds and tenant!=default fails for the messages (tenant default)" \
	"$tmp/t.exp" --rules "$tmp/t.rules" <"$tmp/t.txt"
expect "--tenant default: the same decisions" "$tmp/t.exp" \
	--rules "$tmp/t.rules" --tenant default <"$tmp/t.txt"
cat >"$tmp/tbad.rules" <<'EOF'
a  msg /x/  keep  tenant=acme
b  msg /x/  keep  tenant=default,x/y
c  msg /x/  keep  tenant<acme
d  msg /x/  keep  tenant!=default,beta
EOF
"$bin" --rules "$tmp/tbad.rules" --check >"$tmp/tbad.out" 2>"$tmp/tbad.err"
rc=$?
f="$tmp/tbad.rules"
cat >"$tmp/tbad.want" <<EOF
$f:1: rule a: unknown tenant 'acme' (no --tenants file)
$f:2: rule b: bad tenant name 'x/y' ([A-Za-z0-9_.-], at most 47 characters, not . or ..)
$f:3: rule c: tenant takes = or !=, not <
$f:4: rule d: unknown tenant 'beta' (no --tenants file)
EOF
if [ $rc -eq 1 ] && [ ! -s "$tmp/tbad.out" ] && diff "$tmp/tbad.want" "$tmp/tbad.err" >"$tmp/tbad.diff"; then
	ok "tenant names other than default without a tenant file: exit 1, one FILE:LINE: rule NAME: error each"
else
	nok "tenant errors (exit $rc)"; sed 's/^/# /' "$tmp/tbad.diff" | head -10
fi
out=$(echo ten | "$bin" --rules "$tmp/t.rules" --tenant acme 2>&1)
rc=$?
if [ $rc -eq 2 ] && [ "$out" = "sluice-rules: --tenant: unknown tenant 'acme' (no --tenants file)" ]; then
	ok "--tenant acme without a tenant file: exit 2, unknown tenant"
else
	nok "--tenant acme (exit $rc): $out"
fi

# ---- sample 3 over 10 matching lines: lines 1, 4, 7, 10 ---------------------
printf 's3 msg /match/ sample 3\n' >"$tmp/s.rules"
for i in $(seq 1 10); do echo "match $i"; done >"$tmp/s.txt"
"$bin" --rules "$tmp/s.rules" <"$tmp/s.txt" >"$tmp/s.out" 2>&1
kept=$(python3 -c '
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
ok = all((r["stream"] is None) == (r["action"] == "sample-drop") and r["rule"] == "s3" for r in rows)
print(",".join(str(r["line"]) for r in rows if r["action"] == "sample-keep") if ok and len(rows) == 10 else "bad")
' "$tmp/s.out" 2>&1)
if [ "$kept" = "1,4,7,10" ]; then ok "sample 3 over 10 matching lines keeps exactly lines 1,4,7,10"; else
	nok "sample 3 kept lines '$kept'"; head -3 "$tmp/s.out" | sed 's/^/# /'; fi

# ---- --check -----------------------------------------------------------------
out=$("$bin" --rules "$tmp/a.rules" --check 2>&1)
rc=$?
if [ $rc -eq 0 ] && echo "$out" | grep -Eq "^check: ok: $tmp/a.rules: 8 rules, 3 streams, 2 tags, [1-9][0-9]* database bytes, compiled in [0-9.]+ ms$"; then
	ok "--check on a good file: exit 0 and the summary line"
else
	nok "--check good file (exit $rc)"; echo "$out" | sed 's/^/# /' | head -5
fi
cat >"$tmp/bad.rules" <<'EOF'
good     msg /fine/        keep
bad-pat  msg /(unclosed/   keep
bad-fld  body /x/          keep
bad-act  msg /x/           explode
good     msg /again/       keep
bad-smp  msg /x/           sample 0
bad-cond msg /x/           keep severity<=loud
default tag x
EOF
"$bin" --rules "$tmp/bad.rules" --check >"$tmp/bad.out" 2>"$tmp/bad.err"
rc=$?
f="$tmp/bad.rules"
cat >"$tmp/bad.want" <<EOF
$f:2: rule bad-pat: pattern rejected by Hyperscan: Missing close parenthesis for group started at index 0.
$f:3: rule bad-fld: unknown field 'body' (raw, msg, app, host, msgid or sd)
$f:4: rule bad-act: unknown action 'explode' (expected keep, drop, route, sample or tag)
$f:5: rule good: duplicate rule name (first at line 1)
$f:6: rule bad-smp: sample needs N from 1 to 4294967295, not '0'
$f:7: rule bad-cond: bad severity 'loud' (0-7 or emerg, alert, crit, err, warning, notice, info, debug)
$f:8: default cannot be tag (keep, drop, route STREAM or sample N)
EOF
if [ $rc -eq 1 ] && [ ! -s "$tmp/bad.out" ] && diff "$tmp/bad.want" "$tmp/bad.err" >"$tmp/bad.diff"; then
	ok "--check on a file with 7 errors: exit 1, every error as FILE:LINE: rule NAME: reason on stderr"
else
	nok "--check bad file (exit $rc)"; sed 's/^/# /' "$tmp/bad.diff" | head -20
fi
out=$(echo x | "$bin" --rules "$tmp/bad.rules" 2>&1)
rc=$?
if [ $rc -eq 1 ] && echo "$out" | grep -q "^$f:2: rule bad-pat: "; then
	ok "without --check a bad file also exits 1 with its errors"; else nok "bad file without --check (exit $rc)"; fi
out=$("$bin" --rules "$tmp/no-such.rules" --check 2>&1)
rc=$?
if [ $rc -eq 1 ] && echo "$out" | grep -q "no-such.rules"; then
	ok "a missing rules file exits 1 naming it"; else nok "missing rules file (exit $rc): $out"; fi

# ---- bytes: invalid UTF-8, NUL, control characters -> valid JSON -------------
printf 'a\377b\000c\r\n<13>1 - h\376 a - - [x@1 v="\303\050" w="ok"] m\342\202\r\001\n<14>Oct 11 22:14:15 host app: tab\there \000 nul "q" \\ \001\n\303\251t\303\251\n' >"$tmp/bytes.txt"
"$bin" --rules "$tmp/empty.rules" <"$tmp/bytes.txt" >"$tmp/bytes.out" 2>&1
res=$(python3 - "$tmp/bytes.out" <<'PY'
import base64, json, sys
rows = []
for raw in open(sys.argv[1], 'rb').read().split(b'\n')[:-1]:
    try:
        rows.append(json.loads(raw.decode('utf-8')))   # strict UTF-8, strict JSON
    except Exception as e:
        print('line not valid JSON/UTF-8: %s %r' % (e, raw[:100])); sys.exit(0)
want = [
    (0, 'msg_b64', b'a\xffb\x00c'),
    (1, 'hostname_b64', b'h\xfe'),
    (1, 'msg_b64', b'm\xe2\x82\r\x01'),
    (2, 'msg', 'tab\there \x00 nul "q" \\ \x01'),
    (3, 'msg', '\u00e9t\u00e9'),
]
if len(rows) != 4:
    print('%d lines, expected 4' % len(rows)); sys.exit(0)
for i, k, v in want:
    got = rows[i].get(k)
    if isinstance(v, bytes):
        got = base64.b64decode(got) if got is not None else None
    if got != v:
        print('%s = %r, expected %r' % (k, got, v)); sys.exit(0)
sd = rows[1]['structured_data']
if sd != {'x@1': {'v_b64': base64.b64encode(b'\xc3(').decode(), 'w': 'ok'}}:
    print('structured_data %r' % sd); sys.exit(0)
if 'msg' in rows[0] or rows[1]['parse_error'] is not True:
    print('msg present beside msg_b64, or parse_error not set'); sys.exit(0)
print('ok')
PY
)
if [ "$res" = ok ]; then
	ok "invalid UTF-8, NUL, control bytes: every line strict JSON; NAME_b64 gives back the exact bytes"
else
	nok "bytes: $res"
fi

# ---- line handling: CRLF, empty lines, CR inside, no final LF, 64 KiB -------
printf 'a\r\n\r\n\nb\rc\nlast' >"$tmp/lines.txt"
cat >"$tmp/lines.exp" <<'EOF'
{"line":1,"msg":"a","format":"raw"}
{"line":2,"msg":null,"format":"raw","matches":[],"action":"keep"}
{"line":3,"msg":null,"format":"raw"}
{"line":4,"msg":"b\rc"}
{"line":5,"msg":"last"}
EOF
expect "CRLF and LF removed, empty lines are empty messages, inner CR kept, last line without LF" \
	"$tmp/lines.exp" --rules "$tmp/empty.rules" <"$tmp/lines.txt"
python3 -c '
import sys
sys.stdout.write("A" * 65536 + "\r\n" + "B" * 70000 + "\r\n" + "C" * 65537 + "\n" + "after\n")' >"$tmp/long.txt"
res=$("$bin" --rules "$tmp/empty.rules" <"$tmp/long.txt" | python3 -c '
import json, sys
r = [json.loads(l) for l in sys.stdin]
print(" ".join("%s%d:%s" % (x["msg"][0], len(x["msg"]), x["truncated"]) for x in r))')
if [ "$res" = "A65536:False B65536:True C65536:True a5:False" ]; then
	ok "64 KiB lines whole; longer ones cut at 65536 and marked truncated; the next line is intact"
else
	nok "long lines: $res"
fi

# ---- text format --------------------------------------------------------------
got=$(head -1 "$tmp/a.txt" | "$bin" --rules "$tmp/a.rules" --format text)
want="1: route stream=auth rule=r-su tags=failure,root matches=t-fail,t-root,r-su,r-late | rfc5424 auth.crit 2003-10-11T22:14:15.003000000Z host=mymachine.example.com app=su msgid=ID47 flags=bom msg='su root' failed for lonvick on /dev/pts/8"
if [ "$got" = "$want" ]; then ok "--format text: one readable line"; else
	nok "--format text"; echo "# got  $got"; echo "# want $want"; fi
got=$(printf 'plain debug\t\\x\n' | "$bin" --rules "$tmp/a.rules" --format text)
want='1: drop stream=- rule=d-debug tags=- matches=d-debug | raw - - flags=no_pri msg=plain debug\x09\x5cx'
if [ "$got" = "$want" ]; then ok "--format text: a drop, no PRI, control bytes escaped"; else
	nok "--format text drop"; echo "# got  $got"; echo "# want $want"; fi

# ---- --cache --------------------------------------------------------------------
o1=$("$bin" --rules "$tmp/a.rules" --cache "$tmp/cache" --check 2>&1)
o2=$("$bin" --rules "$tmp/a.rules" --cache "$tmp/cache" --check 2>&1)
r2=$("$bin" --rules "$tmp/a.rules" --cache "$tmp/cache" <"$tmp/a.txt" 2>&1 | md5sum)
r1=$("$bin" --rules "$tmp/a.rules" <"$tmp/a.txt" 2>&1 | md5sum)
if echo "$o1" | grep -q 'compiled in' && echo "$o2" | grep -q 'loaded from the cache in' && [ "$r1" = "$r2" ]; then
	ok "--cache: first run compiles, second loads from the cache, same decisions"
else
	nok "--cache"; echo "# $o1"; echo "# $o2"
fi

# ---- --bench ---------------------------------------------------------------------
out=$("$bin" --rules "$tmp/a.rules" --bench --iterations 200 <"$tmp/a.txt" 2>&1)
if echo "$out" | grep -Eq '^bench: 11 messages \([0-9]+ bytes on average\) x 200 passes in [0-9.]+ s: [0-9]+\.[0-9] ns/msg, [0-9]+ msgs/s'; then
	ok "--bench --iterations 200: $out"
else
	nok "--bench --iterations: $out"
fi
out=$("$bin" --rules "$tmp/a.rules" --bench <"$tmp/a.txt" 2>&1)
secs=$(echo "$out" | sed -n 's/.* passes in \([0-9.]*\) s: .*/\1/p')
if echo "$out" | grep -Eq ' [0-9]+\.[0-9] ns/msg' && python3 -c "import sys; sys.exit(not 0.99 <= float('${secs:-0}') < 3)"; then
	ok "--bench runs for about a second and prints ns/msg"
else
	nok "--bench: $out"
fi
out=$("$bin" --rules "$tmp/a.rules" --bench </dev/null 2>&1)
rc=$?
if [ $rc -eq 2 ] && echo "$out" | grep -q -- '--bench: no input'; then ok "--bench with no input exits 2"; else
	nok "--bench with no input (exit $rc): $out"; fi

# ---- usage ---------------------------------------------------------------------------
r="--rules $tmp/a.rules"
for bad in "$r --port 0" "$r --port 65536" "$r --port x" "$r --transport sctp" "$r --format xml" \
	"$r --year -1" "$r --year 10000" "$r --iterations 0 --bench" "$r --iterations 5" \
	"$r --check --bench" "$r --cache" "$r --bogus" "$r extra" "--rules" "--format json" \
	"$r --tenant" "$r --tenant a/b" "$r --tenant ." "$r --tenant beta"; do
	# shellcheck disable=SC2086 # the words are the arguments
	out=$("$bin" $bad </dev/null 2>&1)
	rc=$?
	flag=$(echo "${bad#"$r"}" | awk '{print $1}')
	[ "${bad#"$r"}" = "$bad" ] && flag=--rules # no --rules file given
	if [ $rc -eq 2 ] && echo "$out" | grep -q -- "$flag"; then
		ok "'${bad#"$r" }' exits 2 naming $flag"
	else
		nok "'${bad#"$r" }' (exit $rc): $out"
	fi
done
out=$("$bin" --help 2>&1)
if [ $? -eq 0 ] && echo "$out" | grep -q -- '--transport' && echo "$out" | grep -q -- '--tenant' &&
	echo "$out" | grep -q -- '--bench'; then
	ok "--help lists the flags, exit 0"; else nok "--help"; fi

exit $fail
