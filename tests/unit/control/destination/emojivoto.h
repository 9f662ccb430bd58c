#pragma once

// An emojivoto-like mesh as users write it: three Services (one with a named targetPort, one
// declared opaque) and their ExternalWorkloads on two nodes. Tests append documents to it.

namespace weir::control::testing {

inline constexpr char kEmojivoto[] = R"(apiVersion: v1
kind: Namespace
metadata:
  name: emojivoto
  annotations:
    linkerd.io/inject: enabled
---
apiVersion: v1
kind: Service
metadata: {name: web-svc, namespace: emojivoto}
spec:
  clusterIP: 10.96.0.10
  selector: {app: web-svc}
  ports:
  - {name: http, port: 80, targetPort: http}
---
apiVersion: v1
kind: Service
metadata: {name: emoji-svc, namespace: emojivoto}
spec:
  clusterIP: 10.96.0.20
  selector: {app: emoji-svc}
  ports:
  - {name: grpc, port: 8080}
  - {name: prom, port: 8801}
---
apiVersion: v1
kind: Service
metadata:
  name: voting-svc
  namespace: emojivoto
  annotations:
    config.linkerd.io/opaque-ports: "8080"
spec:
  clusterIP: 10.96.0.30
  selector: {app: voting-svc}
  ports:
  - {name: grpc, port: 8080}
---
apiVersion: workload.linkerd.io/v1beta1
kind: ExternalWorkload
metadata:
  name: web-1
  namespace: emojivoto
  labels: {app: web-svc}
  annotations: {weir.io/node: node-a}
spec:
  meshTLS:
    identity: web.emojivoto.serviceaccount.identity.linkerd.cluster.local
    serverName: web-1.emojivoto.external.identity.linkerd.cluster.local
  workloadIPs: [{ip: 10.0.1.10}]
  ports: [{name: http, port: 8080}]
---
apiVersion: workload.linkerd.io/v1beta1
kind: ExternalWorkload
metadata:
  name: web-2
  namespace: emojivoto
  labels: {app: web-svc}
  annotations: {weir.io/node: node-b, weir.io/weight: "3"}
spec:
  meshTLS:
    identity: web.emojivoto.serviceaccount.identity.linkerd.cluster.local
    serverName: web-2.emojivoto.external.identity.linkerd.cluster.local
  workloadIPs: [{ip: 10.0.2.10}]
  ports: [{name: http, port: 8081}]
---
apiVersion: workload.linkerd.io/v1beta1
kind: ExternalWorkload
metadata:
  name: emoji-1
  namespace: emojivoto
  labels: {app: emoji-svc}
  annotations: {weir.io/node: node-a, config.linkerd.io/opaque-ports: prom}
spec:
  meshTLS:
    identity: emoji.emojivoto.serviceaccount.identity.linkerd.cluster.local
    serverName: emoji-1.emojivoto.external.identity.linkerd.cluster.local
  workloadIPs: [{ip: 10.0.1.20}]
  ports: [{name: grpc, port: 8080}, {name: prom, port: 8801}]
---
apiVersion: workload.linkerd.io/v1beta1
kind: ExternalWorkload
metadata:
  name: voting-1
  namespace: emojivoto
  labels: {app: voting-svc}
  annotations: {weir.io/node: node-b}
spec:
  meshTLS:
    identity: voting.emojivoto.serviceaccount.identity.linkerd.cluster.local
    serverName: voting-1.emojivoto.external.identity.linkerd.cluster.local
  workloadIPs: [{ip: 10.0.2.30}]
  ports: [{name: grpc, port: 8080}]
)";

}  // namespace weir::control::testing
