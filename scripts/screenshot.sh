#!/usr/bin/env bash
# Screenshot of a report page for docs/, with headless Chromium (scripts/setup.sh installs it).
#   scripts/screenshot.sh PAGE.html[#SECTION] OUT.png [HEIGHT]
# SECTION is a heading's id (the reports number them s1, s2, ...): the shot starts there. The page
# is shown 1280 px wide in a frame, so the shot begins at the section and not at the page's top.
set -euo pipefail
if [[ $# -lt 2 ]]; then
  echo "usage: $0 PAGE.html[#SECTION] OUT.png [HEIGHT]" >&2
  exit 2
fi
page="${1%%#*}"
section=""
[[ "$1" == *"#"* ]] && section="#${1#*#}"
out="$2"
height="${3:-1500}"
if [[ ! -f "$page" ]]; then
  echo "$0: no page at $page" >&2
  exit 1
fi
browser=$(command -v chromium || command -v chromium-browser || true)
if [[ -z "$browser" ]]; then
  echo "$0: Chromium is not installed: run scripts/setup.sh" >&2
  exit 1
fi
frame=$(mktemp -d)
trap 'rm -rf "$frame"' EXIT
cat >"$frame/frame.html" <<HTML
<!doctype html><html><body style="margin:0">
<iframe src="file://$(realpath "$page")$section" style="width:1280px;height:${height}px;border:0"></iframe>
</body></html>
HTML
"$browser" --headless=new --no-sandbox --disable-gpu --hide-scrollbars --virtual-time-budget=5000 \
  --window-size="1280,$height" --screenshot="$(realpath -m "$out")" "file://$frame/frame.html" \
  >/dev/null 2>&1
[[ -s "$out" ]] || { echo "$0: Chromium wrote no screenshot to $out" >&2; exit 1; }
echo "$out"
