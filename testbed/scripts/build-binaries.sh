#!/usr/bin/env bash
# Builds the test bed's Go binaries (kube-apiserver, kube-controller-manager, kube-scheduler, etcd,
# minio) and the chart checks' CLIs (kubectl, helm, kubeconform) from the wrapper modules in
# testbed/go, once per pinned version, into a stable cache:
#   $HEIMDEX_CACHE_DIR/bin/<component>-<version>/
# A warm machine finds them there and builds nothing. GOTOOLCHAIN=local: a dependency's newer `go`
# line must not make the go command try to download a toolchain.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cache=${HEIMDEX_CACHE_DIR:-$HOME/.cache/heimdex}
export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-mod=mod

modver() { # modver <go.mod> <module>: the version a wrapper module requires
  sed -nE "s#^[[:space:]]*(require[[:space:]]+)?$2[[:space:]]+(v[^[:space:]]+).*#\2#p" "$1" | head -n1
}
K8S_VERSION=$(modver "$here/go/kubernetes/go.mod" k8s.io/kubernetes)
ETCD_VERSION=$(modver "$here/go/etcd/go.mod" go.etcd.io/etcd/server/v3)
MINIO_VERSION=$(modver "$here/go/minio/go.mod" github.com/minio/minio)
HELM_VERSION=$(modver "$here/go/helm/go.mod" helm.sh/helm/v3)
KUBECONFORM_VERSION=$(modver "$here/go/kubeconform/go.mod" github.com/yannh/kubeconform)

build() { # build <module dir> <out dir> <ldflags> <package>...
  local dir=$1 out=$2 ldflags=$3; shift 3
  local pkg name
  for pkg in "$@"; do
    name=$(basename "$pkg"); [ "$name" = v3 ] && name=etcd
    if [ -x "$out/$name" ]; then continue; fi
    echo "building $name into $out (first time only; minutes on 2 cores)" >&2
    mkdir -p "$out.tmp"
    (cd "$dir" && go build -trimpath -ldflags "$ldflags" -o "$out.tmp/$name" "$pkg")
    mkdir -p "$out" && mv "$out.tmp/$name" "$out/$name" && rmdir "$out.tmp" 2>/dev/null || true
  done
}

only=${1:-all}
if [ "$only" = all ] || [ "$only" = kubernetes ]; then
  minor=$(echo "$K8S_VERSION" | cut -d. -f2)
  # Version stamping as upstream's hack/lib/version.sh does, so /version reports the real release.
  ld="-s -w -X k8s.io/component-base/version.gitVersion=$K8S_VERSION -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=$minor -X k8s.io/client-go/pkg/version.gitVersion=$K8S_VERSION -X k8s.io/component-base/version.gitTreeState=clean"
  build "$here/go/kubernetes" "$cache/bin/kubernetes-$K8S_VERSION" "$ld" \
    k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager k8s.io/kubernetes/cmd/kube-scheduler
fi
if [ "$only" = all ] || [ "$only" = kubectl ]; then
  minor=$(echo "$K8S_VERSION" | cut -d. -f2)
  ld="-s -w -X k8s.io/component-base/version.gitVersion=$K8S_VERSION -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=$minor -X k8s.io/client-go/pkg/version.gitVersion=$K8S_VERSION -X k8s.io/component-base/version.gitTreeState=clean"
  build "$here/go/kubernetes" "$cache/bin/kubectl-$K8S_VERSION" "$ld" k8s.io/kubernetes/cmd/kubectl
fi
if [ "$only" = all ] || [ "$only" = etcd ]; then
  build "$here/go/etcd" "$cache/bin/etcd-$ETCD_VERSION" "-s -w" go.etcd.io/etcd/server/v3
fi
if [ "$only" = all ] || [ "$only" = minio ]; then
  build "$here/go/minio" "$cache/bin/minio-$MINIO_VERSION" "-s -w -X github.com/minio/minio/cmd.Version=$MINIO_VERSION" github.com/minio/minio
fi
if [ "$only" = all ] || [ "$only" = helm ]; then
  # Stamped as helm's Makefile does: the release, and the Kubernetes version `helm template` and
  # `helm lint` assume (1.<client-go minor>), so charts with a kubeVersion render offline.
  kminor=$(modver "$here/go/helm/go.mod" k8s.io/client-go | cut -d. -f2)
  ld="-s -w -X helm.sh/helm/v3/internal/version.version=$HELM_VERSION -X helm.sh/helm/v3/internal/version.gitTreeState=clean"
  for p in pkg/lint/rules pkg/chartutil; do
    ld="$ld -X helm.sh/helm/v3/$p.k8sVersionMajor=1 -X helm.sh/helm/v3/$p.k8sVersionMinor=$kminor"
  done
  build "$here/go/helm" "$cache/bin/helm-$HELM_VERSION" "$ld" helm.sh/helm/v3/cmd/helm
fi
if [ "$only" = all ] || [ "$only" = kubeconform ]; then
  build "$here/go/kubeconform" "$cache/bin/kubeconform-$KUBECONFORM_VERSION" "-s -w -X main.version=$KUBECONFORM_VERSION" github.com/yannh/kubeconform/cmd/kubeconform
fi
echo "KUBERNETES_BIN=$cache/bin/kubernetes-$K8S_VERSION"
echo "ETCD_BIN=$cache/bin/etcd-$ETCD_VERSION"
echo "MINIO_BIN=$cache/bin/minio-$MINIO_VERSION"
echo "KUBECTL_BIN=$cache/bin/kubectl-$K8S_VERSION"
echo "HELM_BIN=$cache/bin/helm-$HELM_VERSION"
echo "KUBECONFORM_BIN=$cache/bin/kubeconform-$KUBECONFORM_VERSION"
