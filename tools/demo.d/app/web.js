// The demo's front end: every request to it calls the books service over HTTP/1.1 and the
// authors service over gRPC (both by their Service VIPs, which the kernel steers to the node
// proxy), and answers 200 with both answers, or 502 when either failed.
//   node web.js LISTEN_IP:PORT BOOKS_VIP:PORT AUTHORS_VIP:PORT
const http = require('http');
const path = require('path');
const grpcDir = path.join(__dirname, '../../../tests/apps/grpc/node_modules');
const grpc = require(path.join(grpcDir, '@grpc/grpc-js'));
const loader = require(path.join(grpcDir, '@grpc/proto-loader'));

const [listen, books, authorsTarget] = process.argv.slice(2);
const def = loader.loadSync(path.join(__dirname, '../../../tests/apps/grpc/echo.proto'));
const Echo = grpc.loadPackageDefinition(def).weir.test.Echo;
const authors = new Echo(authorsTarget, grpc.credentials.createInsecure());
const agent = new http.Agent({keepAlive: true, maxSockets: 16});
const [host, port] = listen.split(':');
const [booksHost, booksPort] = books.split(':');

function getBooks() {
  return new Promise((resolve) => {
    const req = http.get({host: booksHost, port: booksPort, path: '/books', agent, timeout: 3000}, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve(res.statusCode === 200 ? body : null));
    });
    req.on('error', () => resolve(null));
    req.on('timeout', () => req.destroy());
  });
}

function getAuthor() {
  return new Promise((resolve) => {
    authors.Say({text: 'who wrote it?'}, {deadline: new Date(Date.now() + 3000)},
                (err, res) => resolve(err ? null : res.server));
  });
}

http.createServer(async (req, res) => {
  const [b, a] = await Promise.all([getBooks(), getAuthor()]);
  res.writeHead(b !== null && a !== null ? 200 : 502, {'content-type': 'application/json'});
  res.end(JSON.stringify({books: b, author: a}) + '\n');
}).listen(Number(port), host, () => console.log(`web listening ${listen}`));
