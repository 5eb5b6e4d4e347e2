#!/usr/bin/env bash
# The Docker image's steps without Docker (no engine runs on the build machines), then what the image runs:
#   1. a build folder holding exactly what the Dockerfile's build stage copies;
#   2. a clean virtual environment and the Dockerfile's own install command (`pip install -c requirements.lock .`);
#   3. the installed packages are exactly requirements.lock (the lock is complete and current);
#   4. matplotlib's font cache built as in the image, and a chart then drawn without rebuilding it;
#   5. `agora check` from an empty folder, as the image's user (uid 10001) when this runs as root;
#   6. as that user, a folder it cannot write: `agora check` fails with one line that says how to fix it.
# Usage: bash scripts/verify-image.sh   (a minute or so; .ci/run runs it)
set -euo pipefail
cd "$(dirname "$0")/.."

INSTALL="pip install --no-cache-dir -c requirements.lock ."
IMAGE_UID=10001

fail() {
  echo "verify-image: $*" >&2
  exit 1
}
step() { echo "verify-image: $*"; }

grep -qF -- "/opt/agora/bin/$INSTALL" Dockerfile || fail "the Dockerfile no longer runs '$INSTALL'; update this script"
wanted=$(sed -n 's/^ARG PYTHON_IMAGE=python:\([0-9]*\.[0-9]*\)\..*/\1/p' Dockerfile)
python=${PYTHON:-}
if [ -z "$python" ]; then
  # Debian's own python3.11 first: unlike a build under /root, the image's user can run it.
  for candidate in /usr/bin/python3.11 "python$wanted" python3; do
    if command -v "$candidate" >/dev/null; then python=$candidate && break; fi
  done
fi
have=$("$python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
[ "$have" = "$wanted" ] || fail "$python is Python $have; the image uses $wanted (set PYTHON=python$wanted)"

work=$(mktemp -d)
chmod 755 "$work"
trap 'rm -rf "$work"' EXIT

step "1. build folder with what the Dockerfile's build stage copies"
mkdir "$work/src"
sources=$(awk '/^FROM .* AS build/ {inside = 1; next} /^FROM / {inside = 0}
  inside && /^COPY / && !/--from/ {for (i = 2; i < NF; i++) print $i}' Dockerfile)
[ -n "$sources" ] || fail "found no COPY in the Dockerfile's build stage"
for source in $sources; do cp -r "$source" "$work/src/"; done

step "2. clean virtual environment ($("$python" -V)), then: $INSTALL"
"$python" -m venv "$work/agora"
# shellcheck disable=SC2086  # the install command is split into words on purpose, as the Dockerfile's RUN does
# With pip's download cache (the image has none to keep): the same packages, without downloading them again.
(cd "$work/src" && "$work/agora/bin/"${INSTALL/ --no-cache-dir/} -q --disable-pip-version-check)

step "3. the installed packages are exactly requirements.lock"
diff <(grep '==' requirements.lock | sort -f) <("$work/agora/bin/pip" freeze --exclude agora | sort -f) ||
  fail "requirements.lock differs from a clean install (above); run scripts/lock-requirements.sh"

step "4. matplotlib's font cache, built as in the image"
export MPLCONFIGDIR="$work/agora/matplotlib"
"$work/agora/bin/python" -c "import matplotlib.font_manager"
chmod -R a+rwX "$MPLCONFIGDIR"
ls "$MPLCONFIGDIR"/fontlist-*.json >/dev/null || fail "no font cache in $MPLCONFIGDIR"

# As the image's user when we can become it (root, setpriv, a Python that user may run); else as ourselves.
as_user=()
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null &&
  setpriv --reuid=$IMAGE_UID --regid=$IMAGE_UID --clear-groups "$work/agora/bin/python" -c "" 2>/dev/null; then
  as_user=(setpriv --reuid=$IMAGE_UID --regid=$IMAGE_UID --clear-groups)
fi
run_in() {  # run_in FOLDER COMMAND…: in FOLDER, with the image's environment only
  local folder=$1
  shift
  (cd "$folder" && "${as_user[@]}" env -i PATH="$work/agora/bin:/usr/bin:/bin" HOME="$folder" PYTHONUNBUFFERED=1 \
    MPLCONFIGDIR="$MPLCONFIGDIR" "$@")
}
user="uid $(id -u)"
[ ${#as_user[@]} -eq 0 ] || user="uid $IMAGE_UID"

chart='from models.polls.chart import ChartText, render_chart
print(len(render_chart(ChartText("Lunch?", "votes", "3 voters"), ["Pizza", "Salad"], [2, 1])))'
drawn=$(run_in "$work" python -c "$chart" 2>&1)
case "$drawn" in *"building the font cache"*) fail "matplotlib rebuilt its font cache: $drawn" ;; esac
[[ "$drawn" =~ ^[0-9]+$ ]] || fail "drawing a chart failed: $drawn"

step "5. agora check from an empty folder, as $user"
mkdir "$work/data"
[ ${#as_user[@]} -eq 0 ] || chown $IMAGE_UID "$work/data"
run_in "$work/data" agora check >"$work/check.out" 2>"$work/check.err" ||
  fail "agora check failed: $(cat "$work/check.err")"
grep -q "^configuration: ok" "$work/check.out" || fail "agora check said: $(cat "$work/check.out")"
[ -f "$work/data/agora.db" ] || fail "agora check created no SQLite file in its folder"
sed 's/^/    /' "$work/check.out" | grep -v "^      /"

if [ ${#as_user[@]} -gt 0 ]; then
  step "6. a folder the image's user cannot write (a root-owned bind mount): one line with the fix"
  mkdir "$work/root-owned"
  if run_in "$work/root-owned" agora check >/dev/null 2>"$work/refused.err"; then fail "agora check wrote in a folder it cannot"; fi
  [ "$(wc -l <"$work/refused.err")" = 1 ] || fail "expected one line, got: $(cat "$work/refused.err")"
  grep -q "is not writable by this user (uid $IMAGE_UID)" "$work/refused.err" || fail "$(cat "$work/refused.err")"
  sed 's/^/    /' "$work/refused.err"
else
  step "6. skipped: needs root and setpriv to act as the image's user"
fi
step "ok"
