// A gRPC client (grpc-js) for weir's tests and demo. Every call has a deadline: nothing waits
// forever.
//   node client.js TARGET say COUNT          COUNT unary calls; prints "ok N failed M servers S..."
//   node client.js TARGET fail CODE          one call that fails with CODE; prints its code
//   node client.js TARGET stream COUNT       one server stream of COUNT messages; prints how many
//   node client.js TARGET loop RATE SECONDS  RATE calls/s for SECONDS (the demo's traffic)
const grpc = require('@grpc/grpc-js');
const loader = require('@grpc/proto-loader');
const path = require('path');

const def = loader.loadSync(path.join(__dirname, 'echo.proto'));
const Echo = grpc.loadPackageDefinition(def).weir.test.Echo;
const [target, mode, arg, arg2] = process.argv.slice(2);
const client = new Echo(target, grpc.credentials.createInsecure());
const deadline = () => new Date(Date.now() + 5000);

function say(i) {
  return new Promise((resolve) => {
    client.Say({text: `hello ${i}`}, {deadline: deadline()}, (err, res) => resolve(err ? {err} : res));
  });
}

async function main() {
  if (mode === 'say') {
    const n = Number(arg);
    let ok = 0, failed = 0;
    const servers = {};
    for (let i = 0; i < n; i += 16) {
      const batch = [];
      for (let j = i; j < Math.min(n, i + 16); j++) batch.push(say(j));
      for (const r of await Promise.all(batch)) {
        if (r.err) { failed++; console.error(r.err.message); } else { ok++; servers[r.server] = (servers[r.server] || 0) + 1; }
      }
    }
    console.log(`ok ${ok} failed ${failed} servers ${Object.keys(servers).sort().join(',')}`);
    process.exit(failed === 0 ? 0 : 1);
  }
  if (mode === 'fail') {
    client.Fail({code: Number(arg)}, {deadline: deadline()}, (err) => {
      console.log(`code ${err ? err.code : 0}`);
      process.exit(0);
    });
    return;
  }
  if (mode === 'stream') {
    let got = 0;
    const call = client.Stream({text: 'tick', count: Number(arg)}, {deadline: deadline()});
    call.on('data', () => got++);
    call.on('error', (e) => { console.log(`error ${e.code} after ${got}`); process.exit(1); });
    call.on('end', () => { console.log(`received ${got}`); process.exit(0); });
    return;
  }
  if (mode === 'loop') {
    const rate = Number(arg), until = Date.now() + Number(arg2) * 1000;
    let i = 0;
    const tick = setInterval(() => {
      if (Date.now() >= until) { clearInterval(tick); setTimeout(() => process.exit(0), 1000); return; }
      say(i++);
    }, 1000 / rate);
    return;
  }
  console.error('usage: client.js TARGET say|fail|stream|loop ...');
  process.exit(2);
}
main();
