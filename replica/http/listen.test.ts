import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Replica } from '../replica.ts';
import { MAX_REQUEST_BODY_BYTES } from './body.ts';
import { listen, type ReplicaServer } from './listen.ts';

describe('listen()', () => {
  let replica: Replica;
  let server: ReplicaServer;

  beforeAll(async () => {
    replica = await Replica.create();
    server = await listen(replica, { port: 0 });
  });
  afterAll(async () => {
    await server?.close();
    await replica?.close();
  });

  it('binds 127.0.0.1 by default and picks a free port for port 0', async () => {
    expect(server.url).toBe(`http://127.0.0.1:${server.port}`);
    expect(server.port).toBeGreaterThan(0);
    expect((await fetch(`${server.url}/api/v2/status`)).status).toBe(200);
  });

  it('answers 413 at once to a Content-Length over the cap', async () => {
    const response = await fetch(`${server.url}/api/v3/canister/aaaaa-aa/call`, { method: 'POST', body: new Uint8Array(MAX_REQUEST_BODY_BYTES + 1) });
    expect(response.status).toBe(413);
  });

  it('refuses a streamed body with 413 as soon as it passes the cap', async () => {
    const chunk = new Uint8Array(1024 * 1024);
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        // Far longer than the cap: the server must answer before the end.
        if (sent >= 256 * 1024 * 1024) return controller.close();
        sent += chunk.length;
        controller.enqueue(chunk);
      },
    });
    const response = await fetch(`${server.url}/api/v3/canister/aaaaa-aa/call`, { method: 'POST', body, duplex: 'half' } as RequestInit);
    expect(response.status).toBe(413);
    expect(sent).toBeLessThan(64 * 1024 * 1024);
  });

  it('fails with EADDRINUSE on a port that is taken', async () => {
    await expect(listen(replica, { port: server.port })).rejects.toMatchObject({ code: 'EADDRINUSE' });
  });

  it('close() ends keep-alive connections and resolves promptly', async () => {
    const own = await listen(replica, { port: 0 });
    expect((await fetch(`${own.url}/api/v2/status`)).status).toBe(200); // leaves a keep-alive connection
    const started = performance.now();
    await own.close();
    expect(performance.now() - started).toBeLessThan(1_000);
    await expect(fetch(`${own.url}/api/v2/status`)).rejects.toThrow();
  });
});
