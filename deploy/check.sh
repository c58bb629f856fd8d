#!/bin/sh
# Checks the deployment files as far as this machine can: the Kubernetes
# manifest is parsed by PyYAML and its cross-references asserted; the
# Nomad job is validated by `nomad job validate` when nomad is installed,
# and `kubectl apply --dry-run=client` runs when kubectl is.
set -eu
cd "$(dirname "$0")"
/usr/bin/python3 - <<'PY'
import yaml
docs = list(yaml.safe_load_all(open("kubernetes.yaml")))
assert [d["kind"] for d in docs] == ["Deployment", "Service"]
dep, svc = docs
pod = dep["spec"]["template"]["spec"]
c = pod["containers"][0]
labels = dep["spec"]["template"]["metadata"]["labels"]
assert dep["spec"]["selector"]["matchLabels"] == labels
assert svc["spec"]["selector"] == labels
args = c["args"]
drain = args[args.index("--drain-timeout") + 1]
assert drain.endswith("s") and pod["terminationGracePeriodSeconds"] > int(drain[:-1])
assert c["livenessProbe"]["httpGet"]["path"] == "/healthz"
assert c["readinessProbe"]["httpGet"]["path"] == "/readyz"
assert {"name": "PORT", "value": "8080"} in c["env"]
assert c["ports"][0]["containerPort"] == 8080
assert pod["volumes"][0]["hostPath"]["path"] == "/dev/kvm"
print("kubernetes.yaml: parsed, selectors, probes, grace period, PORT, /dev/kvm ok")
PY
# kubectl's dry run still asks a cluster for its API groups: only then.
if command -v kubectl >/dev/null && kubectl version >/dev/null 2>&1; then
	kubectl apply --dry-run=server -f kubernetes.yaml
else
	echo "kubernetes.yaml: no cluster to dry-run against"
fi
if command -v nomad >/dev/null; then nomad job validate mote-serve.nomad.hcl; else
	echo "mote-serve.nomad.hcl: not validated (nomad is not installed)"; fi
