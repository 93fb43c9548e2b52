/**
 * The enclave client over real HTTP on loopback: an early send says when its body is written, before
 * the answer; answers become bytes or JointlabErrors; a request on a kept-alive socket the server
 * closed meanwhile is sent again.
 */
import { strict as assert } from 'node:assert';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { Worker } from 'node:worker_threads';
import { EnclaveClient, Traffic } from '../../../lab/client/enclave-client';
import { JointlabError } from '../../../lab/errors';

function serve(handler: (req: IncomingMessage, body: Buffer, res: ServerResponse) => void): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => handler(req, Buffer.concat(chunks), res));
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` })));
}

describe('enclave client', () => {
  it('says an early request is written before its answer, then reads the answer and counts its bytes', async () => {
    let received = 0;
    const { server, url } = await serve((_req, body, res) => {
      received = body.length;
      setTimeout(() => res.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify({ got: body.length })), 300);
    });
    try {
      const traffic: Traffic = { up: 0, down: 0 };
      const body = Buffer.alloc(2_000_000, 7);
      const sent = new EnclaveClient(url, 't').sendEarly('POST', 'v1/x', { frames: body }, traffic);
      let answered = false;
      void sent.answer.then(() => (answered = true));
      await sent.written;
      assert.ok(!answered, 'written resolved only with the answer');
      assert.deepEqual(JSON.parse((await sent.answer).toString()), { got: body.length });
      assert.equal(received, body.length);
      assert.deepEqual(traffic, { up: body.length, down: JSON.stringify({ got: body.length }).length });
    } finally {
      server.close();
    }
  });

  it('turns a problem answer into its JointlabError and a closed port into enclave_unreachable, early or not', async () => {
    const { server, url } = await serve((_req, _body, res) => res.writeHead(409, { 'content-type': 'application/problem+json' }).end(JSON.stringify({ code: 'population_too_close', detail: 'too close' })));
    try {
      const client = new EnclaveClient(url);
      for (const attempt of [() => client.send('POST', 'v1/x', { json: {} }), () => client.sendEarly('POST', 'v1/x', { json: {} }).answer]) {
        await assert.rejects(attempt(), (e: unknown) => e instanceof JointlabError && e.code === 'population_too_close' && e.status === 409);
      }
    } finally {
      server.close();
    }
    const gone = new EnclaveClient(url);
    const early = gone.sendEarly('GET', 'v1/x');
    await early.written;
    await assert.rejects(early.answer, (e: unknown) => e instanceof JointlabError && e.code === 'enclave_unreachable');
    await assert.rejects(gone.send('GET', 'v1/x'), (e: unknown) => e instanceof JointlabError && e.code === 'enclave_unreachable');
  });

  it('sends a request again when its kept-alive socket was closed while this thread was busy', async () => {
    // The server in a thread of its own, dropping a connection 100 ms after each request: this thread is
    // blocked past that, as key generation blocks a bank's, so it sees the close only after reusing the socket.
    const worker = new Worker(
      `const http = require('node:http');
       const { parentPort } = require('node:worker_threads');
       let served = 0;
       const server = http.createServer((req, res) => { req.resume(); req.on('end', () => { served++; res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ served })); }); });
       // Each connection is dropped 100 ms after a request, however long it was meant to be kept alive.
       server.on('request', (req) => setTimeout(() => req.socket.destroy(), 100));
       server.listen(0, '127.0.0.1', () => parentPort.postMessage(server.address().port));
       parentPort.on('message', () => server.close(() => process.exit(0)));`,
      { eval: true },
    );
    try {
      const port = await new Promise<number>((resolve) => worker.once('message', resolve));
      const client = new EnclaveClient(`http://127.0.0.1:${port}`);
      assert.deepEqual(await client.request('GET', 'v1/x'), { served: 1 });
      const until = Date.now() + 300;
      while (Date.now() < until) {
        // Busy.
      }
      assert.deepEqual(await client.request('POST', 'v1/x', { json: { a: 1 } }), { served: 2 });
    } finally {
      worker.postMessage('stop');
      await new Promise((resolve) => worker.once('exit', resolve));
    }
  });
});
