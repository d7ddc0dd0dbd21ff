// End-to-end tests of the workbench shell in Chromium (helper UI-A's data-testids):
//   workbench, run-status, run-done, progress, cancel, run-error, undo, redo, share, share-url,
//   export-trace, import-file, message, notice, model-preset, model-spec, model-error,
//   opt-<option>, mesh-input, mesh-error, hardware, topology, palette-<TACTIC>,
//   axis-prompt, axis-option-<axis>, schedule, schedule-dropzone, step-<i> (data-tactic),
//   step-<i>-toggle|axis|up|down|delete, step-through, after-value, results (data-stale),
//   summary (data-run), figure-<step|mfu|tokens|memory|comm>-value, figure-fits,
//   memory-chart (data-peak, data-activations), memory-bar, comm-chart,
//   comm-row-<axis>-<kind> (data-count), timeline (data-tracks), pin, unpin, pinned-charts, help.
import { expect, test, type Page } from '@playwright/test';

/** Waits until the results are up to date and returns the run counter. */
async function settled(page: Page): Promise<number> {
  await expect(page.getByTestId('results')).toHaveAttribute('data-stale', 'false', {
    timeout: 30_000,
  });
  return Number(await page.getByTestId('summary').getAttribute('data-run'));
}

/** Waits for a result newer than `seq`. */
async function nextResult(page: Page, seq: number): Promise<number> {
  await expect
    .poll(async () => Number(await page.getByTestId('summary').getAttribute('data-run')), {
      timeout: 30_000,
    })
    .toBeGreaterThan(seq);
  return settled(page);
}

const peak = async (page: Page) =>
  Number(await page.getByTestId('memory-chart').getAttribute('data-peak'));
const activations = async (page: Page) =>
  Number(await page.getByTestId('memory-chart').getAttribute('data-activations'));
const tracks = async (page: Page) =>
  JSON.parse((await page.getByTestId('timeline').getAttribute('data-tracks')) ?? '{}') as Record<
    string,
    number
  >;

async function fresh(page: Page): Promise<number> {
  await page.goto('/');
  await page.evaluate(() => localStorage.clear());
  await page.goto('/');
  return settled(page);
}

test('the default model loads with results and no communication', async ({ page }) => {
  await fresh(page);
  await expect(page.getByTestId('model-spec')).toHaveValue(/^gpt2-small/);
  await expect(page.getByTestId('mesh-input')).toHaveValue('data=4,model=2');
  await expect(page.getByTestId('memory-bar')).toHaveCount(8);
  await expect(page.getByTestId('comm-chart')).toContainText('No communication');
  await page.screenshot({ path: 'test-results/workbench-default.png' });
});

/** Drags a palette tactic onto a target and answers the axis prompt. */
async function dropTactic(page: Page, tactic: string, target: string, axis: string) {
  // the graph's whole-model target is its background: a corner of the pane, never a node
  const to =
    target === 'graph-view'
      ? page.getByTestId(target).locator('.react-flow__pane')
      : page.getByTestId(target);
  await page
    .getByTestId(`palette-${tactic}`)
    .dragTo(to, target === 'graph-view' ? { targetPosition: { x: 6, y: 6 } } : {});
  await expect(page.getByTestId('axis-prompt')).toBeVisible();
  await page.getByTestId(`axis-option-${axis}`).click();
  await expect(page.getByTestId('axis-prompt')).toBeHidden();
}

async function addBpMp(page: Page, seq: number): Promise<number> {
  await dropTactic(page, 'BP', 'schedule-dropzone', 'data');
  seq = await nextResult(page, seq);
  await dropTactic(page, 'MP', 'schedule-dropzone', 'model');
  return nextResult(page, seq);
}

const figures = async (page: Page) => ({
  step: await page.getByTestId('figure-step-value').textContent(),
  memory: await page.getByTestId('figure-memory-value').textContent(),
  mfu: await page.getByTestId('figure-mfu-value').textContent(),
  peak: await peak(page),
});

test('dragging BP onto the model quarters the activations and adds gradient all-reduces', async ({
  page,
}) => {
  const seq = await fresh(page);
  const before = { peak: await peak(page), act: await activations(page) };
  await dropTactic(page, 'BP', 'graph-view', 'data');
  await expect(page.getByLabel('scope of step 1')).toHaveValue(''); // the whole model
  await nextResult(page, seq);
  await expect(page.getByTestId('step-0')).toHaveAttribute('data-tactic', 'BP');
  const after = { peak: await peak(page), act: await activations(page) };
  expect(after.peak).toBeLessThan(before.peak);
  // data=4: each device holds a quarter of the batch's activations
  expect(after.act / before.act).toBeGreaterThan(0.2);
  expect(after.act / before.act).toBeLessThan(0.3);
  const row = page.getByTestId('comm-row-data-all-reduce');
  await expect(row).toBeVisible();
  expect(Number(await row.getAttribute('data-count'))).toBeGreaterThan(0);
  expect((await tracks(page))['comm data']).toBeGreaterThan(0);
  await page.screenshot({ path: 'test-results/workbench-bp.png' });
});

test('adding MP shows the Megatron all-reduces on the model axis in the chart and timeline', async ({
  page,
}) => {
  const seq = await fresh(page);
  await addBpMp(page, seq);
  const row = page.getByTestId('comm-row-model-all-reduce');
  await expect(row).toBeVisible();
  expect(Number(await row.getAttribute('data-count'))).toBeGreaterThan(0);
  const t = await tracks(page);
  expect(t['comm model']).toBeGreaterThan(0);
  expect(t['comm data']).toBeGreaterThan(0);
  await page.screenshot({ path: 'test-results/workbench-bp-mp.png' });
  await page.getByTestId('results').screenshot({ path: 'test-results/workbench-results.png' });
});

test('steps reorder, toggle, step through, undo and redo', async ({ page }) => {
  let seq = await fresh(page);
  seq = await addBpMp(page, seq);
  await page.getByTestId('step-1-up').click();
  seq = await nextResult(page, seq);
  await expect(page.getByTestId('step-0')).toHaveAttribute('data-tactic', 'MP');
  await expect(page.getByTestId('step-1')).toHaveAttribute('data-tactic', 'BP');
  // switching MP off removes its all-reduces on the model axis
  await page.getByTestId('step-0-toggle').uncheck();
  seq = await nextResult(page, seq);
  await expect(page.getByTestId('comm-row-model-all-reduce')).toHaveCount(0);
  await expect(page.getByTestId('comm-row-data-all-reduce')).toBeVisible();
  await page.getByTestId('undo').click();
  seq = await nextResult(page, seq);
  await expect(page.getByTestId('comm-row-model-all-reduce')).toBeVisible();
  // step through: after tactic 1 (MP alone) there is no data communication
  await page.keyboard.press('ArrowLeft');
  seq = await nextResult(page, seq);
  await expect(page.getByTestId('after-value')).toHaveText('1');
  await expect(page.getByTestId('comm-row-data-all-reduce')).toHaveCount(0);
  await page.keyboard.press('ArrowRight');
  seq = await nextResult(page, seq);
  await expect(page.getByTestId('comm-row-data-all-reduce')).toBeVisible();
  // reorder by dragging the row
  // (by its grip: a drag that starts in the row's text field selects text instead)
  await page.getByTestId('step-1').dragTo(page.getByTestId('step-0'), {
    sourcePosition: { x: 8, y: 12 },
  });
  seq = await nextResult(page, seq);
  await expect(page.getByTestId('step-0')).toHaveAttribute('data-tactic', 'BP');
  await page.getByTestId('step-1-delete').click();
  await nextResult(page, seq);
  await expect(page.getByTestId('step-1')).toHaveCount(0);
  await page.screenshot({ path: 'test-results/workbench-steps.png' });
});

test('a share link opens to the same numbers in a fresh page', async ({ page, browser }) => {
  const seq = await fresh(page);
  await addBpMp(page, seq);
  const here = await figures(page);
  await page.getByTestId('share').click();
  const url = await page.getByTestId('share-url').inputValue();
  expect(url).toMatch(/#s=1\.[A-Za-z0-9_-]+$/);
  const other = await browser.newContext(); // its own local storage
  const p2 = await other.newPage();
  await p2.goto(url);
  await settled(p2);
  expect(await figures(p2)).toEqual(here);
  await expect(p2.getByTestId('step-1')).toHaveAttribute('data-tactic', 'MP');
  await p2.screenshot({ path: 'test-results/workbench-shared.png' });
  await other.close();
});

test('a corrupted link shows an error and a working default page', async ({ page }) => {
  await page.goto('/');
  await page.evaluate(() => localStorage.clear());
  await page.goto('/#s=1.eJyrVkrLz1eyUkpKLFKqBQA$$');
  await expect(page.getByTestId('message')).toContainText('could not be opened');
  await expect(page.getByTestId('message')).toContainText('not base64url');
  await settled(page);
  await expect(page.getByTestId('mesh-input')).toHaveValue('data=4,model=2');
  await page.goto('/#s=7.abc');
  await expect(page.getByTestId('message').last()).toContainText('version 7');
  await settled(page);
  await page.screenshot({ path: 'test-results/workbench-bad-link.png' });
});

test('a reload keeps the workspace', async ({ page }) => {
  let seq = await fresh(page);
  seq = await addBpMp(page, seq);
  await page.getByTestId('mesh-input').fill('data=2,model=4');
  await page.getByTestId('mesh-input').press('Enter');
  await nextResult(page, seq);
  const here = await figures(page);
  await page.waitForTimeout(600); // the debounced save
  await page.reload();
  await settled(page);
  await expect(page.getByTestId('mesh-input')).toHaveValue('data=2,model=4');
  await expect(page.getByTestId('step-1')).toHaveAttribute('data-tactic', 'MP');
  expect(await figures(page)).toEqual(here);
});

test('a worker crash is reported and survived with the workspace intact', async ({ page }) => {
  let seq = await fresh(page);
  await dropTactic(page, 'BP', 'schedule-dropzone', 'data');
  seq = await nextResult(page, seq);
  const here = await figures(page);
  await page.evaluate(() =>
    (
      window as unknown as { __shardlab: { crashWorker(): Promise<void> } }
    ).__shardlab.crashWorker(),
  );
  await expect(page.getByTestId('notice')).toContainText('restarted');
  seq = await nextResult(page, seq);
  expect(await figures(page)).toEqual(here);
  // and it keeps working
  await page.getByTestId('palette-MP').click();
  await page.getByTestId('axis-option-model').click();
  await nextResult(page, seq);
  await expect(page.getByTestId('comm-row-model-all-reduce')).toBeVisible();
  await page.screenshot({ path: 'test-results/workbench-crash.png' });
});

test('a bad model option is shown at its field and the last result stays', async ({ page }) => {
  await fresh(page);
  await page.getByText(/^Options/).click();
  await page.getByTestId('opt-layers').fill('0');
  await page.getByTestId('opt-layers').press('Enter');
  await expect(page.getByTestId('model-error')).toContainText('layers');
  await expect(page.getByTestId('model-spec')).toHaveValue(/layers=4/);
  await page.keyboard.press('?');
  await expect(page.getByTestId('help')).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(page.getByTestId('help')).toBeHidden();
});

test('the automatic partitioner searches the free axes and its schedule applies', async ({
  page,
}) => {
  let seq = await fresh(page);
  await dropTactic(page, 'BP', 'schedule-dropzone', 'data');
  seq = await nextResult(page, seq);
  await page.getByTestId('palette-AUTO').click();
  await expect(page.getByTestId('auto-panel')).toBeVisible();
  await expect(page.getByTestId('auto-apply')).toBeVisible({ timeout: 30_000 });
  const found = await page.getByTestId('auto-schedule').textContent();
  expect(found).toMatch(/^BP\(data\)/);
  await page.getByTestId('auto-panel').screenshot({ path: 'test-results/workbench-auto.png' });
  await page.getByTestId('auto-apply').click();
  await nextResult(page, seq);
  await expect(page.getByTestId('step-0')).toHaveAttribute('data-tactic', 'BP');
  await expect(page.getByTestId('auto-panel')).toHaveCount(0);
});

test('a StableHLO file opens as the model', async ({ page }) => {
  const seq = await fresh(page);
  await page
    .getByTestId('open-file-input')
    .setInputFiles(new URL('../src/core/io/fixtures/mlp_train.mlir', import.meta.url).pathname);
  await expect(page.getByTestId('model-file')).toContainText('mlp_train.mlir');
  await nextResult(page, seq);
  await expect(page.getByTestId('memory-bar').first()).toBeVisible();
});

test('a long run shows its progress and can be cancelled', async ({ page }) => {
  await fresh(page);
  const before = await figures(page);
  await page.getByTestId('model-spec').fill('gpt3-175b');
  await page.getByTestId('model-spec').press('Enter');
  await expect(page.getByTestId('progress')).toBeVisible();
  await page.getByTestId('cancel').click();
  await expect(page.getByTestId('run-cancelled')).toBeVisible();
  await expect(page.getByTestId('results')).toHaveAttribute('data-stale', 'true');
  // the older result stays on the page, and the page still works
  expect(await figures(page)).toEqual(before);
  await page.getByTestId('undo').click();
  await settled(page);
  expect(await figures(page)).toEqual(before);
});

test('tactics drop onto a mesh axis (no prompt) and onto a graph group (scoped)', async ({
  page,
}) => {
  let seq = await fresh(page);
  await page
    .getByTestId('palette-BP')
    .dragTo(page.locator('[data-testid="mesh-axis-chip"][data-axis="data"]'));
  await expect(page.getByTestId('axis-prompt')).toBeHidden();
  seq = await nextResult(page, seq);
  await expect(page.getByTestId('step-0')).toHaveAttribute('data-tactic', 'BP');
  await expect(page.getByTestId('step-0-axis')).toHaveValue('data');
  // the forward pass's `layers` group: MP scoped to it
  const group = page.locator('[data-testid="graph-node"][data-node-id="g:forward:layers"]');
  await expect(group).toBeVisible({ timeout: 15_000 });
  await page.getByTestId('palette-MP').dragTo(group);
  await page.getByTestId('axis-option-model').click();
  await nextResult(page, seq);
  await expect(page.getByTestId('step-1')).toHaveAttribute('data-tactic', 'MP');
  await expect(page.getByLabel('scope of step 2')).toHaveValue('^layers(/|$)');
  await expect(page.getByTestId('comm-row-model-all-reduce')).toBeVisible();
});

test('pin and compare, keyboard undo, strategy export and import, Perfetto trace', async ({
  page,
}) => {
  let seq = await fresh(page);
  await dropTactic(page, 'BP', 'schedule-dropzone', 'data');
  seq = await nextResult(page, seq);
  await page.getByTestId('pin').click();
  await page.getByTestId('palette-MP').click();
  await page.getByTestId('axis-option-model').click();
  seq = await nextResult(page, seq);
  await expect(page.getByTestId('pinned-charts')).toBeVisible();
  await expect(page.getByTestId('figure-memory-delta')).toContainText('→');
  await page.getByTestId('results').screenshot({ path: 'test-results/workbench-compare.png' });

  // the strategy as JSON, then back after removing the steps
  const [strategy] = await Promise.all([
    page.waitForEvent('download'),
    page.getByText('Export strategy').click(),
  ]);
  const path = await strategy.path();
  const fs = await import('node:fs');
  const json = JSON.parse(fs.readFileSync(path, 'utf8')) as { tactics: { tactic: string }[] };
  expect(json.tactics.map((t) => t.tactic)).toEqual(['BP', 'MP']);
  await page.locator('body').click({ position: { x: 640, y: 20 } });
  await page.keyboard.press('Control+z');
  seq = await nextResult(page, seq);
  await expect(page.getByTestId('step-1')).toHaveCount(0);
  await page.getByTestId('import-file').setInputFiles(path);
  await nextResult(page, seq);
  await expect(page.getByTestId('step-1')).toHaveAttribute('data-tactic', 'MP');

  const [trace] = await Promise.all([
    page.waitForEvent('download'),
    page.getByTestId('export-trace').click(),
  ]);
  const events = JSON.parse(fs.readFileSync(await trace.path(), 'utf8')) as {
    traceEvents: { ph: string; pid: number; cat?: string }[];
  };
  expect(new Set(events.traceEvents.map((e) => e.pid)).size).toBe(8);
  expect(events.traceEvents.some((e) => e.ph === 'X' && e.cat === 'comm')).toBe(true);
});

test('the timeline shows a collective on hover and selects it on click', async ({ page }) => {
  const seq = await fresh(page);
  await addBpMp(page, seq);
  // where the longest slice of the model axis's stream is drawn (the layout of Timeline.tsx:
  // 92 px of labels, a 34 px memory row, then 22 px per track)
  const at = await page.evaluate(() => {
    type Run = {
      report: { stepTimeS: number };
      timeline: {
        tracks: string[];
        track: Uint8Array;
        start: Float64Array;
        dur: Float64Array;
        collective: Int32Array;
      };
    };
    const st = (
      window as unknown as { __shardlab: { store: { getState(): { result: { run: Run } } } } }
    ).__shardlab.store.getState();
    const t = st.result.run.timeline;
    const k = t.tracks.indexOf('comm model');
    let best = -1;
    for (let i = 0; i < t.track.length; i++)
      if (t.track[i] === k && (best < 0 || t.dur[i] > t.dur[best])) best = i;
    const canvas = document
      .querySelector('[data-testid="timeline"] canvas')!
      .getBoundingClientRect();
    const plotW = canvas.width - 92;
    const mid = (t.start[best] + t.dur[best] / 2) / st.result.run.report.stepTimeS;
    return { x: 92 + mid * plotW, y: 34 + k * 22 + 11, collective: t.collective[best] };
  });
  const canvas = page.getByTestId('timeline').locator('canvas');
  await canvas.scrollIntoViewIfNeeded();
  await canvas.hover({ position: { x: at.x, y: at.y } });
  await expect(page.getByTestId('timeline-tooltip')).toContainText('all-reduce');
  await expect(page.getByTestId('timeline-tooltip')).toContainText('comm model');
  await page.getByTestId('timeline').screenshot({ path: 'test-results/workbench-timeline.png' });
  await canvas.click({ position: { x: at.x, y: at.y } });
  const selected = await page.evaluate(
    () =>
      (
        window as unknown as {
          __shardlab: { store: { getState(): { workspace: { view: { selected: unknown } } } } };
        }
      ).__shardlab.store.getState().workspace.view.selected,
  );
  expect(selected).toEqual({ kind: 'collective', index: at.collective });
});
