# The configuration of `tools/bench control`: one file of the generated mesh, on stdout.
#
#   awk -v file=K -v per_file=100 -v per_service=10 -v nodes=50 -v weight=W -f control_config.awk
#
# File K holds services K*per_file .. K*per_file+per_file-1 (Service bench/svc-I, VIP
# 10.96.(I/250).(I%250+1), port 80 -> 8080, selector app: svc-I) and their per_service
# ExternalWorkloads each (bench/ew-I-J, label app: svc-I, address 10.200.x.y, weir.io/node
# load-(N % nodes) where N = I*per_service+J, cgroup w-N on that node). One endpoint is the real
# node's: J=0 of the file's first service runs on n1 at 10.244.1.(10+K) in cgroup n1w-K, with
# weir.io/weight W. Its address sorts after the 10.200 ones, so it is the last slot of the service.
BEGIN {
  if (file == "" || weight == "") {
    print "control_config.awk: -v file=K -v weight=W are required" > "/dev/stderr"
    exit 2
  }
  if (per_file == "") per_file = 100
  if (per_service == "") per_service = 10
  if (nodes == "") nodes = 50
  first = file * per_file
  for (i = first; i < first + per_file; i++) {
    printf "---\napiVersion: v1\nkind: Service\nmetadata: {name: svc-%d, namespace: bench}\n", i
    printf "spec:\n  clusterIP: 10.96.%d.%d\n", int(i / 250), i % 250 + 1
    printf "  selector: {app: svc-%d}\n", i
    printf "  ports: [{name: http, port: 80, targetPort: 8080}]\n"
    for (j = 0; j < per_service; j++) {
      n = i * per_service + j
      if (i == first && j == 0) {
        ip = sprintf("10.244.1.%d", 10 + file)
        node = "n1"; cgroup = "n1w-" file; w = weight
      } else {
        ip = sprintf("10.200.%d.%d", int(n / 250), n % 250 + 1)
        node = "load-" (n % nodes); cgroup = "w-" n; w = 1
      }
      printf "---\napiVersion: workload.linkerd.io/v1beta1\nkind: ExternalWorkload\n"
      printf "metadata:\n  name: ew-%d-%d\n  namespace: bench\n  labels: {app: svc-%d}\n", i, j, i
      printf "  annotations: {weir.io/node: %s, weir.io/cgroup: %s,", node, cgroup
      printf " weir.io/weight: \"%d\"}\n", w
      printf "spec:\n  meshTLS: {identity: spiffe://cluster.local/ns/bench/sa/svc-%d,", i
      printf " serverName: ew-%d-%d.bench}\n", i, j
      printf "  workloadIPs: [{ip: %s}]\n  ports: [{port: 8080, name: http}]\n", ip
    }
  }
}
