import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { createPageRenderer, pageDirs } from './views.js';

describe('views', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'idp-views-'));
    await writeFile(
      join(dir, 'page.eta'),
      '<%= it.lang %>|<%= it.otherLang %>|<%= it.title %>|<%= it.m.hello %>|<%= it.name %>',
    );
  });
  after(() => rm(dir, { recursive: true, force: true }));

  const messages = { sl: { title: 'Prijava', hello: 'Živjo' }, en: { title: 'Log in', hello: 'Hello' } };

  it('renders with the language, the other language, its messages, and the default or given title', () => {
    const render = createPageRenderer({ views: dir, langs: ['sl', 'en'] as const, messages });
    expect(render('page', 'sl', { name: 'Ana' })).to.equal('sl|en|Prijava|Živjo|Ana');
    expect(render('page', 'en', { name: 'Ana', title: 'Other' })).to.equal('en|sl|Other|Hello|Ana');
  });

  it('escapes every value', () => {
    const render = createPageRenderer({ views: dir, langs: ['sl', 'en'] as const, messages });
    expect(render('page', 'en', { name: '<script>"x"</script>' })).to.contain(
      '&lt;script&gt;&quot;x&quot;&lt;/script&gt;',
    );
  });

  it('finds views/ and static/ beside src/ from a module one folder below it', () => {
    const dirs = pageDirs('file:///srv/app/src/web/views.js');
    expect(dirs).to.deep.equal({ views: '/srv/app/views', static: '/srv/app/static' });
  });
});
