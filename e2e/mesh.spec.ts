// End-to-end tests of the device mesh (helper UI-B's data-testids):
//   mesh-view, mesh-svg, mesh-device (data-device), mesh-axis-chip (data-axis),
//   mesh-device-info, mesh-device-memory, mesh-device-traffic.
// Run alone with `PW_PORT=5180 npx playwright test e2e/mesh.spec.ts`.
import { expect, test, type Page } from '@playwright/test';

async function open(page: Page) {
  await page.goto('/');
  await page.evaluate(() => localStorage.clear());
  await page.goto('/');
  await expect(page.getByTestId('results')).toHaveAttribute('data-stale', 'false', {
    timeout: 30_000,
  });
}

test('the mesh shows devices by axes, and a device its memory on hover', async ({ page }) => {
  await open(page);
  const mesh = page.getByTestId('mesh-view');
  // the default mesh is data=4,model=2 on H100s
  await expect(mesh.getByTestId('mesh-device')).toHaveCount(8);
  await expect(mesh.getByTestId('mesh-axis-chip')).toHaveCount(2);
  await expect(mesh.locator('[data-axis="model"]')).toContainText('columns · nvlink');
  await expect(mesh.locator('[data-axis="data"]')).toContainText('rows');
  await mesh.locator('[data-testid="mesh-device"][data-device="5"]').hover();
  const info = mesh.getByTestId('mesh-device-info');
  await expect(info).toContainText('Device 5');
  await expect(info).toContainText('data=2');
  await expect(info).toContainText('model=1');
  await expect(info.getByTestId('mesh-device-memory')).toContainText(/GiB of/);
  await page.screenshot({ path: 'e2e/screenshots/mesh-hover.png' });
});

test('a bigger mesh on TPUs draws its torus and keeps one colour per axis', async ({ page }) => {
  await open(page);
  await page.getByTestId('hardware').selectOption('tpu-v4');
  await page.getByTestId('mesh-input').fill('data=4,model=4');
  await page.getByTestId('mesh-input').press('Enter');
  const mesh = page.getByTestId('mesh-view');
  await expect(mesh.getByTestId('mesh-device')).toHaveCount(16);
  // TPU v4 axes of 4 wrap around: a ring per row and per column
  await expect(mesh.locator('path.mesh-link.wrap')).toHaveCount(8);
  const colours = await mesh
    .getByTestId('mesh-axis-chip')
    .evaluateAll((els) => els.map((e) => getComputedStyle(e).borderColor));
  expect(new Set(colours).size).toBe(2);
  await page.screenshot({ path: 'e2e/screenshots/mesh-torus.png' });
});

test('a tactic dropped on a mesh axis chip becomes a step on that axis', async ({ page }) => {
  await open(page);
  const chip = page.getByTestId('mesh-view').locator('[data-axis="data"]');
  await page.getByTestId('palette-BP').dragTo(chip);
  await expect(page.getByTestId('step-0')).toHaveAttribute('data-tactic', 'BP');
  await expect(page.getByTestId('step-0-axis')).toHaveValue('data');
});
