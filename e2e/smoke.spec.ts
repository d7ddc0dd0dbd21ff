import { expect, test, type Page } from '@playwright/test';

/** The workbench page as a user sees it. */
const ui = (page: Page) => ({
  presetRow: (name: string) => page.locator(`#presets tbody tr[data-preset="${name}"]`),
  stats: page.locator('#stats'),
  stat: (label: string) => page.locator(`#stats dd[data-label="${label}"]`),
});

test('the page lists the presets with parameter counts computed by the core', async ({ page }) => {
  await page.goto('/');
  await expect(page).toHaveTitle('shardlab');
  const gpt2 = ui(page).presetRow('gpt2-small');
  await expect(gpt2).toBeVisible();
  await expect(gpt2.getByTestId('params')).toHaveText('124.4M');
});

test('selecting a preset shows its program statistics', async ({ page }) => {
  await page.goto('/');
  const u = ui(page);
  await u.presetRow('llama2-7b').click();
  await expect(u.presetRow('llama2-7b')).toHaveAttribute('aria-selected', 'true');
  await expect(u.presetRow('gpt2-small')).toHaveAttribute('aria-selected', 'false');
  await expect(u.stats).toHaveAttribute('data-preset', 'llama2-7b');
  await expect(u.stats.locator('h2')).toHaveText(/^llama2-7b /);
  await expect(u.stat('parameters')).toHaveText('6.7B (6,738,415,616)');
  await expect(u.stat('ops')).toHaveText(/^[1-9][\d,]*$/);
  await expect(u.stat('FLOPs per step')).toHaveText(/^\d+\.\d\d [KMGTPE]FLOP/);
  await page.screenshot({ path: 'test-results/workbench.png', fullPage: true });

  await u.presetRow('gpt2-small').click();
  await expect(u.stats).toHaveAttribute('data-preset', 'gpt2-small');
  await expect(u.stat('parameters')).toHaveText('124.4M (124,439,808)');
});
