/** Starts an express app on a loopback or chosen host with the socket settings every jointlab service needs (the enclave and the hub). */
import { RequestListener, Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { answerClientError, answerExpectation } from './problem';

export async function listen(handler: RequestListener, port: number, host: string): Promise<{ server: Server; port: number }> {
  const server: Server = await new Promise((resolve, reject) => {
    const s = createServer(handler).listen(port, host, () => resolve(s));
    s.once('error', reject);
  });
  server.on('clientError', answerClientError);
  server.on('checkExpectation', answerExpectation);
  // Idle keep-alive sockets outlive a client's 5-second blocks (a bank generating keys in the same
  // process, a busy machine): with Node's default of 5 s, the server closes a socket just as the client
  // reuses it, and a large upload dies with ECONNRESET.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  // A streamed dataset import of millions of rows is read at the pace of its checks, for minutes:
  // Node's default of 300 s for a whole request would cut it off (headersTimeout still bounds slow headers).
  server.requestTimeout = 3_600_000;
  return { server, port: (server.address() as AddressInfo).port };
}
