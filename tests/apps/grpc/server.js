// A gRPC server (grpc-js, plaintext HTTP/2) for weir's tests and demo.
//   node server.js IP:PORT
const grpc = require('@grpc/grpc-js');
const loader = require('@grpc/proto-loader');
const path = require('path');

const def = loader.loadSync(path.join(__dirname, 'echo.proto'));
const echo = grpc.loadPackageDefinition(def).weir.test.Echo;
const address = process.argv[2];

const server = new grpc.Server();
server.addService(echo.service, {
  Say: (call, cb) => cb(null, {text: call.request.text, server: address}),
  Fail: (call, cb) => cb({code: call.request.code || grpc.status.INTERNAL, details: 'asked to fail'}),
  Stream: (call) => {
    for (let i = 0; i < (call.request.count || 1); i++) {
      call.write({text: `${call.request.text} ${i}`, server: address});
    }
    call.end();
  },
});
server.bindAsync(address, grpc.ServerCredentials.createInsecure(), (err) => {
  if (err) {
    console.error(err.message);
    process.exit(1);
  }
  console.log(`listening ${address}`);
});
