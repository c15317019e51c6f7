/**
 * The Temporal Web UI in a real browser (Debian's Chromium, headless, driven by playwright-core) shows an encrypted
 * run decoded, because the browser itself calls the codec server: with the codec server out of its reach, the same
 * page shows no plaintext. Leaves a screenshot of the decoded page for the README.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { type TestWorkflowEnvironment } from '@temporalio/testing';
import type { Browser, Page } from 'playwright-core';
import { resolveEncryptionSettings } from '../../src/config/encryption';
import type { PlanInput } from '../../src/domain/plan';
import { PLANWRIGHT_SEARCH_ATTRIBUTES } from '../../src/domain/search-attributes';
import { ensureChromium } from '../../src/infra/chromium';
import { startCodecServer, type CodecServer } from '../../src/infra/codec-server';
import { createDataConverter, createPayloadCodecs } from '../../src/infra/data-converter';
import { devServerTuningFlags } from '../../src/infra/dev-server';
import { findTemporalBinary } from '../../src/infra/temporal-binary';
import { startSimulator, type Simulator } from '../../src/simulator/server';
import { launchChromium } from '../helpers/browser';
import { runWithConverter } from '../helpers/encrypted-run';
import { createLocalServer, quietRuntime } from '../helpers/temporal';

const ENCRYPTED = {
  PLANWRIGHT_ENCRYPTION: 'on',
  PLANWRIGHT_ENCRYPTION_KEYS: `ui:${randomBytes(32).toString('base64')}`,
};
/** Only in the goal: any page that shows it has decrypted the workflow's input. */
const MARKER = 'Okapi-7Q2V';
const GOAL = `${MARKER}: survey the okapi sightings of the Ituri forest`;
const PLAN: PlanInput = {
  goal: GOAL,
  tasks: [
    {
      id: 'a',
      title: 'Title-JD48 list the sightings',
      description: 'Description-LC90 list every sighting once',
      acceptanceCriteria: ['Criterion-YE26 no sighting is missing'],
    },
  ],
};
/** The README's picture, rewritten only on request (PLANWRIGHT_UPDATE_SCREENSHOT=1) so test runs leave no diff. */
const SCREENSHOT = process.env.PLANWRIGHT_UPDATE_SCREENSHOT
  ? path.join(__dirname, '../../docs/screenshots/web-ui-decoded.png')
  : path.join(tmpdir(), 'planwright-web-ui-decoded.png');
/** Bounds each browser step; here the page renders in under a second and shows its codec error within ~4 s. */
const PAGE_TIMEOUT_MS = 30_000;

const setup = ensureChromium();
// In CI a missing browser is a broken machine; elsewhere it only costs this one suite.
const skip = setup.ok || process.env.CI ? false : `no Chromium for the Web UI browser test: ${setup.reason}`;

async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** The outermost codec (the first to decode), counting the payloads it is asked to decode. */
function countingDecodes(codecs: PayloadCodec[]): { codecs: PayloadCodec[]; decoded: () => number } {
  let decoded = 0;
  const outer = codecs.at(-1)!;
  const counting: PayloadCodec = {
    encode: (payloads) => outer.encode(payloads),
    decode: (payloads: Payload[]) => {
      decoded += payloads.length;
      return outer.decode(payloads);
    },
  };
  return { codecs: [...codecs.slice(0, -1), counting], decoded: () => decoded };
}

/** A request the browser sent to the codec server, with the Origin it sent and the status it got. */
interface CodecCall {
  method: string;
  path: string;
  origin: string | undefined;
  status: number | undefined;
}

let codec: CodecServer;
const refusals: string[] = [];
let decodedPayloads: () => number;
let env: TestWorkflowEnvironment;
let sim: Simulator;
let browser: Browser;
let uiPort: number;
let runId: string;

/** Opens the run's page (from `origin`) in a fresh browser context, recording the calls to the codec server. */
async function openRun(origin: string, options: { blockCodec?: boolean } = {}) {
  const context = await browser.newContext({ viewport: { width: 1600, height: 1100 } });
  context.setDefaultTimeout(PAGE_TIMEOUT_MS);
  const page = await context.newPage();
  const recorded: Promise<CodecCall>[] = [];
  page.on('requestfinished', (request) => {
    if (!request.url().startsWith(codec.url)) return;
    recorded.push(
      Promise.all([request.allHeaders(), request.response()]).then(([headers, response]) => ({
        method: request.method(),
        path: new URL(request.url()).pathname,
        origin: headers.origin,
        status: response?.status(),
      })),
    );
  });
  if (options.blockCodec) await page.route(`${codec.url}/**`, (route) => route.abort('connectionrefused'));
  await page.goto(`${origin}/namespaces/default/workflows/${encodeURIComponent(runId)}`);
  return { page, calls: () => Promise.all(recorded) };
}

/** The Input card without the codec server's help: the encrypted payload's bytes, shown as one base64 string. */
const ciphertext = (page: Page) => page.getByText(/^"[A-Za-z0-9+/]{200,}={0,2}"$/).first();

// Skipped (with the reason in `skip`) only outside CI, when Chromium is missing and cannot be installed.
describe('the Web UI in Chromium, pointed at the codec server', { skip, timeout: 240_000 }, () => {
  before(
    async () => {
      if (!setup.ok) assert.fail(`CI needs Chromium for the Web UI browser test: ${setup.reason}`);
      quietRuntime();
      uiPort = await freePort();
      const counted = countingDecodes(createPayloadCodecs(resolveEncryptionSettings(ENCRYPTED)));
      decodedPayloads = counted.decoded;
      // Started first: the dev server's UI takes the codec server's URL at start. The browser sends exactly the
      // origin it loaded the UI from, so http://127.0.0.1:<uiPort> would be a different origin, refused.
      codec = await startCodecServer({
        codecs: counted.codecs,
        port: 0,
        origins: [`http://localhost:${uiPort}`],
        log: (line) => refusals.push(line),
      });
      const encrypting = createDataConverter(ENCRYPTED);
      env = await createLocalServer({
        server: {
          executable: { type: 'existing-path', path: findTemporalBinary() },
          ui: true,
          uiPort,
          extraArgs: ['--ui-codec-endpoint', codec.url, ...devServerTuningFlags()],
          searchAttributes: [...PLANWRIGHT_SEARCH_ATTRIBUTES],
          // The UI asks for history in pages larger than the server likes, and the server warns each time.
          log: { format: 'pretty', level: 'error' },
        },
        client: { dataConverter: encrypting },
      });
      sim = await startSimulator();
      // The worker stops once the run has ended: the UI needs none for a closed run.
      ({ runId } = await runWithConverter(env, sim, encrypting, { goal: GOAL, plan: PLAN }));
      browser = await launchChromium(setup.path, PAGE_TIMEOUT_MS);
    },
    { timeout: 180_000 },
  );
  after(async () => {
    await browser?.close();
    await sim?.close();
    await env?.teardown();
    await codec?.close();
  });

  it('shows the goal and the task summaries decoded: the browser posted them to /decode from the UI origin', async () => {
    const ui = `http://localhost:${uiPort}`;
    const { page, calls } = await openRun(ui);
    try {
      await page.getByText(GOAL).first().waitFor();
      // A child's static summary, on the timeline: user metadata goes through the codec server too.
      await page.getByText(`a: ${PLAN.tasks[0]!.title}`).first().waitFor();
      mkdirSync(path.dirname(SCREENSHOT), { recursive: true });
      await page.screenshot({ path: SCREENSHOT });
      console.log(`the decoded run page: ${SCREENSHOT}`);
      const posts = (await calls()).filter((c) => c.method === 'POST');
      assert.ok(posts.length > 0, 'the browser made no call to the codec server');
      assert.deepEqual([...new Set(posts.map((c) => `${c.path} ${c.origin} ${c.status}`))], [`/decode ${ui} 200`]);
      assert.ok(decodedPayloads() > 0);
      assert.deepEqual(refusals, []);
    } finally {
      await page.context().close();
    }
  });

  it('shows only ciphertext from an origin the codec server does not allow (127.0.0.1 for localhost)', async () => {
    const decodedBefore = decodedPayloads();
    const other = `http://127.0.0.1:${uiPort}`;
    const { page } = await openRun(other);
    try {
      await ciphertext(page).waitFor();
      await page.getByText('Codec Server could not connect').filter({ visible: true }).waitFor();
      assert.equal(await page.getByText(MARKER).count(), 0);
      assert.equal(decodedPayloads(), decodedBefore);
      assert.ok(refusals.length > 0, 'the codec server saw no request from the other origin');
      for (const line of refusals) assert.match(line, new RegExp(`^403 \\w+ /decode\\S* \\(origin ${other}\\)`));
    } finally {
      await page.context().close();
    }
  });

  it('shows only ciphertext when the codec server is out of the browser’s reach', async () => {
    const decodedBefore = decodedPayloads();
    const { page } = await openRun(`http://localhost:${uiPort}`, { blockCodec: true });
    try {
      await ciphertext(page).waitFor();
      await page.getByText('Codec Server could not connect').filter({ visible: true }).waitFor();
      assert.equal(await page.getByText(MARKER).count(), 0);
      assert.equal(decodedPayloads(), decodedBefore);
    } finally {
      await page.context().close();
    }
  });
});
