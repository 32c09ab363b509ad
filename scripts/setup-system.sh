#!/usr/bin/env bash
# Installs the Debian packages the pipeline needs, only those missing. As root it installs them;
# otherwise it prints the exact apt-get line to run and stops.
set -euo pipefail
packages=(espeak-ng libespeak-ng1 fonts-noto-core fonts-noto-cjk gettext poppler-utils fontconfig
          libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 libreoffice-writer-nogui
          tesseract-ocr tesseract-ocr-eng tesseract-ocr-fra tesseract-ocr-spa tesseract-ocr-chi-sim
          tesseract-ocr-chi-tra tesseract-ocr-pan tesseract-ocr-ara tesseract-ocr-fas tesseract-ocr-vie
          tesseract-ocr-kor tesseract-ocr-fil)
packages+=(festival festvox-us-slt-hts)   # the English narration's voice (Festival HTS; eSpeak NG if missing)
packages+=(chromium chromium-driver)   # the status site's browser tests (headless, through Selenium)
command -v npm >/dev/null || packages+=(nodejs npm)   # installs axe-core for those tests (any Node.js with npm will do)
missing=()
for pkg in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$pkg")
done
if [[ ${#missing[@]} -eq 0 ]]; then
  exit 0
fi
line="apt-get update && apt-get install -y --no-install-recommends ${missing[*]}"
if [[ $(id -u) -ne 0 ]]; then
  echo "Missing system packages: ${missing[*]}" >&2
  echo "Run as root:  sudo sh -c '$line'" >&2
  exit 1
fi
echo "Installing system packages: ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
