// The demo's books service: a small JSON answer after a little work, and a share of failures.
//   node books.js LISTEN_IP:PORT FAIL_PERCENT WORK_MS
const http = require('http');
const [listen, failPercent, workMs] = process.argv.slice(2);
const [host, port] = listen.split(':');
let n = 0;
http.createServer((req, res) => {
  n++;
  // Deterministic: every (100 / FAIL_PERCENT)th request fails, so the success rate is exact.
  const fail = Number(failPercent) > 0 && n % Math.round(100 / Number(failPercent)) === 0;
  setTimeout(() => {
    res.writeHead(fail ? 500 : 200, {'content-type': 'application/json'});
    res.end(fail ? '{"error":"books unavailable"}\n' : `{"books":["Dune","Emma"],"server":"${listen}"}\n`);
  }, Number(workMs) * (0.5 + Math.random()));
}).listen(Number(port), host, () => console.log(`books listening ${listen}`));
