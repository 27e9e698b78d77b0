import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { createLogger } from '@idp/observability';
import { createWebApp, listen, mountStatic, type HttpServer } from './index.js';

const log = createLogger({ service: 'test', level: 'silent' });

describe('mountStatic', () => {
  let dir: string;
  let server: HttpServer;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'idp-static-'));
    await writeFile(join(dir, 'app.css'), 'main { color: red; }');
    const app = createWebApp({ log });
    mountStatic(app, dir);
    server = await listen(app, { host: '127.0.0.1', port: 0, log, name: 'test' });
  });
  after(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("serves the service's own files and the shared base.css, both cached for an hour", async () => {
    const own = await fetch(`${server.url}/static/app.css`);
    expect(own.status).to.equal(200);
    expect(await own.text()).to.equal('main { color: red; }');
    const base = await fetch(`${server.url}/static/base.css`);
    expect(base.status).to.equal(200);
    expect(base.headers.get('content-type')).to.match(/^text\/css/);
    expect(base.headers.get('cache-control')).to.equal('public, max-age=3600');
    expect(await base.text()).to.include(':root {');
  });

  it("lets the service's file of the same name win, and lists no directory", async () => {
    await writeFile(join(dir, 'base.css'), '/* the service its own */');
    expect(await (await fetch(`${server.url}/static/base.css`)).text()).to.equal('/* the service its own */');
    await rm(join(dir, 'base.css'));
    expect((await fetch(`${server.url}/static/`)).status).to.equal(404);
    expect((await fetch(`${server.url}/static/../package.json`)).status).to.equal(404);
  });
});
